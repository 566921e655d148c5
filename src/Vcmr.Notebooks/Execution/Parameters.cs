using System.Globalization;
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

    /// <summary>Declared variables of a parameters cell: name to type keyword (var resolved from the literal).</summary>
    public static IReadOnlyDictionary<string, string> Declarations(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview, kind: SourceCodeKind.Script)).GetCompilationUnitRoot();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var declaration in root.DescendantNodes().OfType<VariableDeclarationSyntax>())
            foreach (var variable in declaration.Variables)
                result[variable.Identifier.Text] = declaration.Type.IsVar ? TypeOfLiteral(variable.Initializer?.Value) : declaration.Type.ToString();
        return result;
    }

    /// <summary>Inserts the override cell after the parameters cell; throws <see cref="NotebookFormatException"/> before any run.</summary>
    public static void Apply(Notebook notebook, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        if (overrides.Count == 0) return;
        int index = notebook.Cells.FindIndex(c => c.Type == "code" && c.Tags.Contains(Tag));
        if (index < 0) throw new NotebookFormatException($"{notebook.Name}: --param given but no cell is tagged '{Tag}'");
        var cell = notebook.Cells[index];
        var declared = Declarations(cell.Source);
        var lines = new List<string> { "// Injected parameters" };
        foreach (var (name, value) in overrides)
        {
            if (!declared.TryGetValue(name, out var type))
                throw new NotebookFormatException($"{notebook.Name}: cell {cell.Number}: unknown parameter '{name}' (declared: {string.Join(", ", declared.Keys)})");
            lines.Add($"{name} = {Literal(type, value) ?? throw new NotebookFormatException($"{notebook.Name}: cell {cell.Number}: parameter '{name}': '{value}' is not a valid {type}")};");
        }
        var injected = Cell.NewCode(string.Join("\n", lines), index + 2, "injected-parameters");
        notebook.Cells.Insert(index + 1, injected);
        ((System.Text.Json.Nodes.JsonArray)notebook.Root["cells"]!).Insert(index + 1, injected.Json);
        for (int i = 0; i < notebook.Cells.Count; i++) notebook.Cells[i].Number = i + 1;
    }

    /// <summary>A C# literal of <paramref name="type"/> for <paramref name="value"/>, or null when it does not parse.</summary>
    public static string? Literal(string type, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        return type switch
        {
            "int" or "Int32" => int.TryParse(value, NumberStyles.Integer, inv, out var i) ? i.ToString(inv) : null,
            "long" or "Int64" => long.TryParse(value, NumberStyles.Integer, inv, out var l) ? l.ToString(inv) + "L" : null,
            "double" or "Double" => double.TryParse(value, NumberStyles.Float, inv, out var d) && double.IsFinite(d) ? d.ToString("R", inv) + "d" : null,
            "float" or "Single" => float.TryParse(value, NumberStyles.Float, inv, out var f) && float.IsFinite(f) ? f.ToString("R", inv) + "f" : null,
            "bool" or "Boolean" => bool.TryParse(value, out var b) ? (b ? "true" : "false") : null,
            "string" or "String" => SymbolDisplay.FormatLiteral(value, quote: true),
            _ => null,
        };
    }

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
