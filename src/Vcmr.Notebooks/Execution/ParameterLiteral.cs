using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// A `--param` value as a C# expression of the parameter's type. Numbers use the invariant culture (`0.5`, never
/// `0,5`; no thousands separators); bool is `true`/`false` in any case; enums take member names.
/// </summary>
public static class ParameterLiteral
{
    private static readonly HashSet<string> Keywords =
        ["int", "Int32", "long", "Int64", "double", "Double", "float", "Single", "bool", "Boolean", "string", "String"];

    /// <summary>True for the types written in a parameters cell that need no compilation to check (int, long, double, float, bool, string).</summary>
    public static bool IsPrimitive(string type) => Keywords.Contains(type);

    /// <summary>A C# literal of the primitive <paramref name="type"/> for <paramref name="value"/>, or null when it does not parse.</summary>
    public static string? Primitive(string type, string value)
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

    /// <summary>
    /// The expression for <paramref name="value"/> in a compiled <paramref name="type"/> (shown in code as
    /// <paramref name="shown"/>); throws <see cref="FormatException"/> with the cause, listing an enum's members.
    /// </summary>
    public static string Typed(ITypeSymbol type, string shown, string value)
    {
        if (Keyword(type) is { } keyword)
            return Primitive(keyword, value) ?? throw new FormatException($"'{value}' is not a valid {keyword}");
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType) return Enum(enumType, shown, value);
        throw new FormatException($"its type {shown} cannot be set from the command line (int, long, double, float, bool, string or an enum)");
    }

    // Member names, exact or a unique case-insensitive match; [Flags] enums also take "A,B" or "A|B".
    private static string Enum(INamedTypeSymbol type, string shown, string value)
    {
        var members = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name).ToList();
        bool flags = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
        var parts = flags ? value.Split(',', '|') : [value];
        var names = parts.Select(p => p.Trim()).Select(part =>
            members.FirstOrDefault(m => m == part)
            ?? (members.Where(m => string.Equals(m, part, StringComparison.OrdinalIgnoreCase)).ToList() is [var only] ? only
                : throw new FormatException($"'{part}' is not a member of {shown} (valid: {string.Join(", ", members)})")));
        return string.Join(" | ", names.Select(n => $"{shown}.{(SyntaxFacts.GetKeywordKind(n) == SyntaxKind.None ? n : "@" + n)}"));
    }

    private static string? Keyword(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Int32 => "int",
        SpecialType.System_Int64 => "long",
        SpecialType.System_Double => "double",
        SpecialType.System_Single => "float",
        SpecialType.System_Boolean => "bool",
        SpecialType.System_String => "string",
        _ => null,
    };
}
