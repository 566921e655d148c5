using Vcmr.Data;
using Vcmr.Models.Prem;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

/// <summary>Small PREM configurations and random batches for fast tests.</summary>
internal static class PremTestData
{
    public static readonly PremRetrieverConfig Retriever = PremRetrieverConfig.Paper with
    {
        VisualDim = 12, TextDim = 8, HiddenSize = 16, IntermediateSize = 32, Heads = 2, MaxContextLength = 10, MaxQueryLength = 6,
    };

    public static readonly PremLocalizerConfig Localizer = PremLocalizerConfig.Paper with
    {
        VisualDim = 12, TextDim = 8, HiddenSize = 16, IntermediateSize = 32, Heads = 2, MaxContextLength = 10, MaxQueryLength = 6,
        BoundaryChannels = 8, MinSpan = 0, MaxSpan = 4,
    };

    /// <summary>n queries of 5 tokens (query 0 has 2 padded), n videos of 10 clips (video 2 has 7 real clips); moments
    /// [i % 3, i % 3 + 2].</summary>
    public static TrainingBatch Paired(int n) => new(Queries(n), Videos(n), Labels(n, 0), Labels(n, 2));

    /// <summary>n queries, each with <paramref name="videosPerQuery"/> videos (ground truth first).</summary>
    public static CandidateTrainingBatch CandidateBatch(int n, int videosPerQuery) =>
        new(Queries(n), Videos(n * videosPerQuery), videosPerQuery, Labels(n, 0), Labels(n, 2));

    public static QueryBatch Queries(int n, int lq = 5)
    {
        var mask = ones(n, lq);
        mask[0, (lq - 2)..] = zeros(2);
        return new QueryBatch(Enumerable.Range(0, n).ToList(), randn(n, lq, Retriever.TextDim), mask);
    }

    public static ContextBatch Videos(int n, int l = 10)
    {
        var mask = ones(n, l);
        if (n > 2) mask[2, 7..] = zeros(l - 7);
        return new ContextBatch(Enumerable.Range(0, n).Select(i => $"v{i}").ToList(), randn(n, l, Retriever.VisualDim), randn(n, l, Retriever.TextDim), mask);
    }

    private static Tensor Labels(int n, int offset) => tensor(Enumerable.Range(0, n).Select(i => (long)(i % 3 + offset)).ToArray());
}
