namespace Vcmr.Notebooks.Execution;

/// <summary>A `#r "nuget: Name, Version"` request; a null version means the latest.</summary>
public sealed record PackageReference(string Name, string? Version)
{
    /// <summary>True for an exact version (no wildcard, no range), whose restore result never changes.</summary>
    public bool IsPinned => Version is { Length: > 0 } v && !v.Contains('*') && !v.Contains('[') && !v.Contains('(');

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Version ?? "(latest)"}";
}
