using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>One named term of a model's loss on a batch.</summary>
/// <param name="Name">Short key, the reference's where it has one ("st_ed", "neg_ctx").</param>
/// <param name="Value">The term's value before weighting.</param>
/// <param name="Weight">Its weight in the total, from the model's config.</param>
/// <param name="Label">What charts call it ("start/end CE"); null uses <paramref name="Name"/>.</param>
public sealed record LossPart(string Name, double Value, double Weight = 1, string? Label = null)
{
    public string Label { get; } = Label ?? Name;
}

/// <summary>A model's loss on one batch: Total carries the graph, the parts are plain numbers for progress, history
/// and charts (Total = sum of Weight * Value over the parts, unless the model adds terms it does not report).</summary>
public sealed record LossParts(Tensor Total, IReadOnlyList<LossPart> Parts)
{
    /// <summary>The unweighted value of the part called <paramref name="name"/>.</summary>
    public double this[string name] => Parts.FirstOrDefault(p => p.Name == name)?.Value
        ?? throw new KeyNotFoundException($"loss part '{name}' is not reported (parts: {string.Join(", ", Parts.Select(p => p.Name))})");
}
