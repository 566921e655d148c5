namespace Vcmr.Notebooks.Execution;

/// <summary>
/// `--nuget-config`: the kernel restores `#r "nuget:"` packages by running MSBuild's restore on a generated project,
/// and MSBuild reads environment variables as properties, so RestoreConfigFile in the environment makes those restores
/// use the given config instead of the user-level one.
/// </summary>
public sealed class NuGetConfig : IDisposable
{
    private const string Variable = "RestoreConfigFile";
    private readonly string? previous;
    private readonly bool set;

    private NuGetConfig(string? config)
    {
        previous = Environment.GetEnvironmentVariable(Variable);
        if (config is null) return;
        Environment.SetEnvironmentVariable(Variable, Path.GetFullPath(config));
        set = true;
    }

    /// <summary>Uses <paramref name="config"/> (null: the user-level config) for restores until disposed.</summary>
    public static NuGetConfig Use(string? config) => new(config);

    /// <inheritdoc />
    public void Dispose()
    {
        if (set) Environment.SetEnvironmentVariable(Variable, previous);
    }
}
