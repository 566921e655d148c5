using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// Papermill's convention: overrides for the variables declared in the cell tagged `parameters`, applied by a cell
/// inserted after it that assigns each value with the declared type. Everything is checked before anything runs.
/// </summary>
public static class Parameters
{
    /// <summary>The tag that marks the parameters cell.</summary>
    public const string Tag = "parameters";

    /// <summary>Parses `name=value` pairs; throws naming the malformed one.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParsePairs(IEnumerable<string> pairs) =>
        pairs.Select(p => p.IndexOf('=') is > 0 and var i
            ? new KeyValuePair<string, string>(p[..i].Trim(), p[(i + 1)..])
            : throw new ArgumentException($"--param '{p}': expected name=value")).ToList();

    /// <summary>
    /// Which overrides each notebook gets. One notebook gets them all (an unknown name is then reported against its
    /// parameters cell). In a suite each notebook gets the names its parameters cell declares, so
    /// `--param trainVideos=100` reaches the notebooks that have it; a name no notebook declares is an error.
    /// </summary>
    public static IEnumerable<(string Path, Notebook Notebook, IReadOnlyList<KeyValuePair<string, string>> Overrides)> Distribute(
        IReadOnlyList<(string Path, Notebook Notebook)> notebooks, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        if (notebooks.Count == 1) return [(notebooks[0].Path, notebooks[0].Notebook, overrides)];
        var declared = notebooks.Select(n => FindCell(n.Notebook) is { } cell ? Declarations(cell.Source).Keys.ToHashSet() : []).ToList();
        foreach (var (name, _) in overrides)
            if (!declared.Any(d => d.Contains(name)))
                throw new ArgumentException($"--param {name}: no notebook declares it in a cell tagged '{Tag}'");
        return notebooks.Select((n, i) => (n.Path, n.Notebook, (IReadOnlyList<KeyValuePair<string, string>>)overrides.Where(o => declared[i].Contains(o.Key)).ToList()));
    }

    /// <summary>Declared variables of a parameters cell: name to the written type (var: the literal's keyword, else "var").</summary>
    public static IReadOnlyDictionary<string, string> Declarations(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetCompilationUnitRoot();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var declaration in root.DescendantNodes().OfType<VariableDeclarationSyntax>())
            foreach (var variable in declaration.Variables)
                result[variable.Identifier.Text] = declaration.Type.IsVar ? TypeOfLiteral(variable.Initializer?.Value) : declaration.Type.ToString();
        return result;
    }

    /// <summary>
    /// Inserts the override cell after the parameters cell; throws <see cref="NotebookFormatException"/> before any run.
    /// Types not written as a primitive keyword or literal (enums, `var x = E.A;`) are resolved by compiling the cells up
    /// to the parameters cell in <paramref name="folder"/> (see <see cref="ParameterTypes"/>).
    /// </summary>
    public static void Apply(Notebook notebook, string folder, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        if (overrides.Count == 0) return;
        var cell = FindCell(notebook) ?? throw new NotebookFormatException($"{notebook.Name}: --param given but no cell is tagged '{Tag}'");
        int index = notebook.Cells.IndexOf(cell);
        string where = $"{notebook.Name}: cell {cell.Number}";
        var declared = Declarations(cell.Source);
        foreach (var name in overrides.Select(o => o.Key).Where(n => !declared.ContainsKey(n)))
            throw new NotebookFormatException($"{where}: unknown parameter '{name}' (declared: {string.Join(", ", declared.Keys)})");

        IReadOnlyDictionary<string, (ITypeSymbol Type, string Shown)>? compiled = null;
        var lines = new List<string> { "// Injected parameters" };
        foreach (var (name, value) in overrides)
        {
            try
            {
                string type = declared[name];
                string literal;
                if (ParameterLiteral.IsPrimitive(type))
                    literal = ParameterLiteral.Primitive(type, value) ?? throw new FormatException($"'{value}' is not a valid {type}");
                else
                {
                    compiled ??= ParameterTypes.Resolve(notebook, cell, folder);
                    var (symbol, shown) = compiled[name];
                    literal = ParameterLiteral.Typed(symbol, shown, value);
                }
                lines.Add($"{name} = {literal};");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new NotebookFormatException($"{where}: parameter '{name}': {e.Message}");
            }
        }
        var injected = Cell.NewCode(string.Join("\n", lines), index + 2, "injected-parameters");
        notebook.Cells.Insert(index + 1, injected);
        ((System.Text.Json.Nodes.JsonArray)notebook.Root["cells"]!).Insert(index + 1, injected.Json);
        for (int i = 0; i < notebook.Cells.Count; i++) notebook.Cells[i].Number = i + 1;
    }

    /// <summary>The first code cell tagged `parameters`, if any.</summary>
    public static Cell? FindCell(Notebook notebook) => notebook.Cells.FirstOrDefault(c => c.Type == "code" && c.Tags.Contains(Tag));

    private static string TypeOfLiteral(ExpressionSyntax? value) => value switch
    {
        LiteralExpressionSyntax { Token.Value: int } => "int",
        LiteralExpressionSyntax { Token.Value: long } => "long",
        LiteralExpressionSyntax { Token.Value: double } => "double",
        LiteralExpressionSyntax { Token.Value: float } => "float",
        LiteralExpressionSyntax { Token.Value: bool } => "bool",
        LiteralExpressionSyntax { Token.Value: string } => "string",
        _ => "var",
    };
}
