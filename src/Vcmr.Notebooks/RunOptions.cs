namespace Vcmr.Notebooks;

/// <summary>What the `run` command was asked to do besides which notebooks to run.</summary>
/// <param name="Output">Folder for executed notebooks, the HTML report and the JUnit XML.</param>
/// <param name="Parameters">`name=value` overrides for the cell tagged `parameters`.</param>
/// <param name="CellTimeout">Per-cell time limit; a cell over it fails.</param>
/// <param name="ContinueOnError">Run the cells after a failing one too (dotnet-repl's behaviour) instead of stopping the notebook.</param>
/// <param name="NuGetConfig">A NuGet config that replaces the user-level one for `#r "nuget:"` restores.</param>
public sealed record RunOptions(
    string Output,
    IReadOnlyList<string> Parameters,
    TimeSpan? CellTimeout = null,
    bool ContinueOnError = false,
    string? NuGetConfig = null);
