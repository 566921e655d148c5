namespace Vcmr.Notebooks;

/// <summary>What the `run` command was asked to do besides which notebooks to run.</summary>
/// <param name="Output">Folder for executed notebooks, the HTML report and the JUnit XML.</param>
/// <param name="Parameters">`name=value` overrides for the cell tagged `parameters`.</param>
/// <param name="CellTimeout">Per-cell time limit; a cell over it fails. Null: no limit.</param>
/// <param name="ContinueOnError">Run the cells after a failing one too (dotnet-repl's behaviour) instead of stopping the notebook.</param>
/// <param name="NuGetConfig">A NuGet config that replaces the user-level one for `#r "nuget:"` restores.</param>
public sealed record RunOptions(
    string Output,
    IReadOnlyList<string> Parameters,
    TimeSpan? CellTimeout = null,
    bool ContinueOnError = false,
    string? NuGetConfig = null)
{
    /// <summary>The longest per-cell limit (about 11.6 days): far beyond any cell, well inside what a timer can wait.</summary>
    public static readonly TimeSpan MaxCellTimeout = TimeSpan.FromSeconds(1_000_000);

    /// <summary>The --timeout value from its text, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static TimeSpan? ParseTimeout(string text, out string? error)
    {
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds))
            seconds = double.NaN;
        error = TimeoutProblem(text, seconds);
        return error == null ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>Null when <paramref name="seconds"/> is a usable per-cell limit, else what is wrong (<paramref name="shown"/> is the value as given).</summary>
    public static string? TimeoutProblem(string shown, double seconds) =>
        seconds > 0 && seconds <= MaxCellTimeout.TotalSeconds ? null
        : $"--timeout {shown}: must be a number of seconds above 0 and at most {MaxCellTimeout.TotalSeconds:0}; leave it out for no limit";
}
