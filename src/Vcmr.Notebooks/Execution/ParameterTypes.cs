using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The compiled types of a parameters cell's variables, for those a literal does not reveal (an enum such as
/// `var mode = ContextMode.VideoSub;`). The C# cells up to the parameters cell are compiled as the C# kernel chains
/// them (its imports, references and helpers; `#r "nuget:"` restored by the kernel's own package manager), never
/// run, so a bad value is still reported before anything executes.
/// </summary>
public static partial class ParameterTypes
{
    /// <summary>Variable name to its type and the shortest name that binds for it at the end of the parameters cell.</summary>
    public static IReadOnlyDictionary<string, (ITypeSymbol Type, string Shown)> Resolve(Notebook notebook, Cell parametersCell, string folder)
    {
        var options = KernelOptions(folder);
        Script script = CSharpScript.Create($"using static {typeof(Kernel).FullName};", options);
        using var packages = new PackageRestoreContext();
        int restored = 0;
        foreach (var cell in notebook.Cells.TakeWhile(c => c != parametersCell).Append(parametersCell).Where(c => c.Type == "code"))
        {
            if (CellKernel.Resolve(notebook.Name, cell) == NotebookKernel.Markdown || FirstLine(cell.Source) == "#!" + NotebookKernel.Markdown) continue;
            string code = Directive().Replace(cell.Source, m =>
            {
                if (m.Groups["package"].Success)
                    packages.GetOrAddPackageReference(m.Groups["package"].Value.Trim(), m.Groups["version"].Success ? m.Groups["version"].Value.Trim() : null);
                else if (m.Groups["source"].Success)
                    packages.TryAddRestoreSource(Regex.Replace(m.Groups["source"].Value.Trim(), "^nuget:\\s*", ""));
                return ""; // the line stays, empty: compile errors keep the cell's line numbers
            });
            if (packages.RequestedPackageReferences.Count() > restored)
            {
                var result = packages.RestoreAsync().GetAwaiter().GetResult();
                if (!result.Succeeded) throw new FormatException($"cell {cell.Number}: {string.Join("; ", result.Errors)}");
                options = options.AddReferences(result.ResolvedReferences.SelectMany(r => r.AssemblyPaths));
                restored = packages.RequestedPackageReferences.Count();
            }
            script = script.ContinueWith(code, options.WithFilePath($"cell {cell.Number}"));
        }

        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        int end = tree.GetCompilationUnitRoot().EndOfFileToken.SpanStart;
        var types = new Dictionary<string, (ITypeSymbol, string)>(StringComparer.Ordinal);
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
            types[variable.Identifier.Text] = (type, type.ToMinimalDisplayString(model, end));
        }
        return types;
    }

    // The C# kernel's script options (CSharpKernel's constructor): language version, default imports, references;
    // #r resolves from the notebook's folder, the kernel's working directory.
    private static ScriptOptions KernelOptions(string folder) => ScriptOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        .AddImports("System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq")
        .AddReferences(typeof(Enumerable).Assembly, typeof(IEnumerable<>).Assembly, typeof(Task<>).Assembly,
            typeof(Kernel).Assembly, typeof(CSharpKernel).Assembly, typeof(PocketView).Assembly)
        .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(folder))
        .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(folder));

    private static string FirstLine(string source) => source.TrimStart().Split('\n')[0].Trim();

    // The first compile error of any cell in the chain, earliest cell first.
    private static string FirstError(Script script)
    {
        var chain = new List<Script>();
        for (var s = script; s is not null; s = s.Previous) chain.Insert(0, s);
        return chain.SelectMany(s => s.GetCompilation().GetDiagnostics()).FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.ToString() ?? "unknown type";
    }

    // Kernel directives Roslyn does not know: #r "nuget: Name[, Version]", #i "source", and #! magics / selectors.
    [GeneratedRegex("""^[ \t]*(#r[ \t]+"nuget:[ \t]*(?<package>[^,"]+)(,(?<version>[^"]*))?"|#i[ \t]+"(?<source>[^"]+)"|#!.*?)[ \t]*\r?$""", RegexOptions.Multiline)]
    private static partial Regex Directive();
}
