using System.Text;
using System.Text.RegularExpressions;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The kernel-level directives of a C# cell, split from the code Roslyn sees: `#r "nuget: …"` and `#i` lines are
/// replaced by blank lines so compile errors and stack traces keep the cell's own line numbers.
/// </summary>
public sealed partial record CellDirectives(string Code, IReadOnlyList<PackageReference> Packages, IReadOnlyList<string> Sources)
{
    /// <summary>Splits the directives from a cell's code.</summary>
    public static CellDirectives Parse(string source)
    {
        var code = new StringBuilder();
        var packages = new List<PackageReference>();
        var sources = new List<string>();
        foreach (var line in source.Split('\n'))
        {
            var nuget = NuGetReference().Match(line);
            var include = IncludeSource().Match(line);
            if (nuget.Success)
            {
                string version = nuget.Groups["version"].Value.Trim();
                packages.Add(new PackageReference(nuget.Groups["name"].Value.Trim(), version.Length == 0 ? null : version));
            }
            else if (include.Success)
                sources.Add(Regex.Replace(include.Groups["source"].Value.Trim(), "^nuget:\\s*", ""));
            code.Append(nuget.Success || include.Success ? "" : line).Append('\n');
        }
        return new CellDirectives(code.ToString(0, Math.Max(0, code.Length - 1)), packages, sources);
    }

    [GeneratedRegex("""^\s*#r\s+"nuget:\s*(?<name>[^,"]+)(,(?<version>[^"]*))?"\s*$""")]
    private static partial Regex NuGetReference();

    [GeneratedRegex("""^\s*#i\s+"(?<source>[^"]+)"\s*$""")]
    private static partial Regex IncludeSource();
}
