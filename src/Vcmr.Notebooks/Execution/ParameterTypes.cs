using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The compiled types of a parameters cell's variables, for those a literal does not reveal (an enum such as
/// `var mode = ContextMode.VideoSub;`). The cells up to the parameters cell are compiled as the session would chain
/// them, never run, so a bad value is still reported before anything executes.
/// </summary>
public static class ParameterTypes
{
    /// <summary>Variable name to its type and the shortest name that binds for it at the end of the parameters cell.</summary>
    public static IReadOnlyDictionary<string, (ITypeSymbol Type, string Shown)> Resolve(Notebook notebook, Cell parametersCell, string folder, PackageCache packageCache)
    {
        var options = KernelOptions.Create(folder);
        Script script = CSharpScript.Create(KernelOptions.Prelude, options);
        var requests = PackageRequests.None(folder);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cell in notebook.Cells.TakeWhile(c => c != parametersCell).Append(parametersCell).Where(c => c.Type == "code"))
        {
            var (kernel, code) = CellKernel.Resolve(notebook.Name, cell);
            if (kernel != "csharp") continue;
            var directives = CellDirectives.Parse(code);
            var next = requests.With(directives);
            if (next.Packages.Count > requests.Packages.Count)
                options = options.AddReferences(packageCache.Resolve(next.Packages, next.Sources).Where(referenced.Add));
            requests = next;
            script = script.ContinueWith(directives.Code, options.WithFilePath($"cell {cell.Number}"));
        }

        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        int end = tree.GetCompilationUnitRoot().EndOfFileToken.SpanStart;
        var result = new Dictionary<string, (ITypeSymbol, string)>(StringComparer.Ordinal);
        foreach (var variable in tree.GetRoot().DescendantNodes().OfType<VariableDeclaratorSyntax>())
        {
            var type = model.GetDeclaredSymbol(variable) switch
            {
                IFieldSymbol field => field.Type,
                ILocalSymbol local => local.Type,
                _ => null,
            };
            if (type is null) continue;
            if (type.TypeKind == TypeKind.Error)
                throw new FormatException($"its type does not compile: {FirstError(script)}");
            result[variable.Identifier.Text] = (type, type.ToMinimalDisplayString(model, end));
        }
        return result;
    }

    // The first compile error of any cell in the chain, earliest cell first.
    private static string FirstError(Script script)
    {
        var chain = new List<Script>();
        for (var s = script; s is not null; s = s.Previous) chain.Insert(0, s);
        return chain.SelectMany(s => s.GetCompilation().GetDiagnostics()).FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.ToString() ?? "unknown type";
    }
}
