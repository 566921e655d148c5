using System.CommandLine;
using Vcmr.Models;

namespace Vcmr.Cli;

/// <summary>The <c>--kind</c> option: a model kind registered in <see cref="ModelRegistry"/>.</summary>
internal static class KindOption
{
    public static Option<string?> Create(string description) =>
        new("--kind") { Description = $"{description} (registered: {string.Join(", ", ModelRegistry.Kinds)})" };

    /// <summary>Throws naming --kind and the registered kinds unless <paramref name="kind"/> is null or registered.</summary>
    public static void Check(string? kind)
    {
        if (kind is not null && !ModelRegistry.Kinds.Contains(kind))
            throw new ArgumentException($"--kind '{kind}' is not a registered model kind (registered: {string.Join(", ", ModelRegistry.Kinds)})");
    }
}
