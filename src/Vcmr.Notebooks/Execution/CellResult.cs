namespace Vcmr.Notebooks.Execution;

/// <summary>How a cell ended: <see cref="Error"/> is a one-line cause when it failed.</summary>
public sealed record CellResult(bool Succeeded, TimeSpan Elapsed, string? Error)
{
    /// <summary>Whether the session can go on (a timed-out cell leaves the script state unusable).</summary>
    public bool TimedOut { get; init; }
}
