namespace Vcmr.Benchmarks;

/// <summary>One benchmark: found by reflection, run by name from the command line.</summary>
public interface IBenchmark
{
    /// <summary>Command-line name, e.g. "feature-read".</summary>
    string Name { get; }

    /// <summary>One line for the list of benchmarks.</summary>
    string Description { get; }

    /// <summary>Runs and returns the figures to print and save (name to value; units in the name).</summary>
    IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args);
}
