namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The `#r "nuget:"` packages and `#i` sources a session has asked for so far. Like the kernel, the whole set is
/// restored together, so later cells see one consistent set of dependency versions.
/// </summary>
/// <param name="Folder">The notebook's folder: relative `#i` paths resolve from it.</param>
/// <param name="Packages">Requested packages, in order, one per name.</param>
/// <param name="Sources">Extra sources, in order, each once.</param>
public sealed record PackageRequests(string Folder, IReadOnlyList<PackageReference> Packages, IReadOnlyList<string> Sources)
{
    /// <summary>Nothing requested yet.</summary>
    public static PackageRequests None(string folder) => new(folder, [], []);

    /// <summary>
    /// This set plus a cell's directives. A package asked for again in the same version is a no-op; in another
    /// version it throws, as the kernel does (a loaded assembly cannot be replaced).
    /// </summary>
    public PackageRequests With(CellDirectives directives)
    {
        var packages = Packages.ToList();
        foreach (var package in directives.Packages)
        {
            var previous = packages.FirstOrDefault(p => string.Equals(p.Name, package.Name, StringComparison.OrdinalIgnoreCase));
            if (previous is null) packages.Add(package);
            else if (previous.Version != package.Version)
                throw new InvalidOperationException($"{package.Name} version {package.Version} cannot be added because version {previous.Version} was added previously");
        }
        var sources = Sources.ToList();
        foreach (var source in directives.Sources.Select(s => Path.IsPathRooted(s) || s.Contains("://") ? s : Path.Combine(Folder, s)))
            if (!sources.Contains(source)) sources.Add(source);
        return new PackageRequests(Folder, packages, sources);
    }
}
