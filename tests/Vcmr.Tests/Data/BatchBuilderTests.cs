using Vcmr.Data;
using Vcmr.Runtime;
using static Vcmr.Tests.Data.FeatureStoreTests;

namespace Vcmr.Tests.Data;

public class BatchBuilderTests
{
    // Two videos (3 and 5 clips) with video dim 4, text dim 2; three queries (2, 1 and 4 tokens).
    private static TvrFeatureSet Corpus(FeatureOptions? options = null, int subClipsOfB = 5)
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-batch").FullName;
        FeatureStoreWriter.Write(Path.Combine(dir, "v.h5"), new Dictionary<string, FeatureMatrix>
        {
            ["a"] = Matrix(3, 4, 1), ["b"] = Matrix(5, 4, 1),
        });
        FeatureStoreWriter.Write(Path.Combine(dir, "s.h5"), new Dictionary<string, FeatureMatrix>
        {
            ["a"] = Matrix(3, 2, 1), ["b"] = Matrix(subClipsOfB, 2, 1),
        });
        FeatureStoreWriter.Write(Path.Combine(dir, "q.h5"), new Dictionary<string, FeatureMatrix>
        {
            ["10"] = Matrix(2, 2, 1), ["11"] = Matrix(1, 2, 1), ["12"] = Matrix(4, 2, 1),
        });
        return new TvrFeatureSet(FeatureStore.Open(Path.Combine(dir, "q.h5")), FeatureStore.Open(Path.Combine(dir, "v.h5"), 4),
            FeatureStore.Open(Path.Combine(dir, "s.h5")), options);
    }

    private static readonly TvrQuery[] Queries =
    [
        new(10, "q10", "a", 4.5, 0.2, 3.1, QueryType.V),
        new(11, "q11", "b", 7.5, 4.6, 7.5, QueryType.T),
        new(12, "q12", "b", 7.5, 1.5, 2.9, QueryType.VT),
    ];

    [Fact]
    public void TrainingBatchHasPaddedShapesMasksAndLabels()
    {
        TorchNative.EnsureLoaded();
        using var features = Corpus();
        using var batch = new BatchBuilder(features).Training(Queries);

        Assert.Equal(new long[] { 3, 4, 2 }, batch.Query.Features.shape);
        Assert.Equal(new float[] { 1, 1, 0, 0, 1, 0, 0, 0 }, batch.Query.Mask[..2].data<float>().ToArray());
        Assert.Equal(new long[] { 3, 5, 4 }, batch.Context.Video!.shape);
        Assert.Equal(new long[] { 3, 5, 2 }, batch.Context.Subtitle!.shape);
        Assert.Equal(new float[] { 1, 1, 1, 0, 0 }, batch.Context.Mask[0].data<float>().ToArray());
        Assert.Equal(0f, batch.Context.Video[0, 3].abs().sum().item<float>()); // padding is zero
        // Rows are L2-normalised (default options); padded rows stay zero.
        Assert.Equal(1f, batch.Context.Video[1, 4].norm().item<float>(), 4);
        Assert.Equal(new long[] { 0, 3, 1 }, batch.StartLabels.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 4, 1 }, batch.EndLabels.data<long>().ToArray());
        Assert.Equal(new[] { "a", "b", "b" }, batch.Context.VidNames);
        Assert.Equal(new[] { 10, 11, 12 }, batch.Query.DescIds);
    }

    [Fact]
    public void OptionsTruncateSkipNormalisationAndAddTef()
    {
        TorchNative.EnsureLoaded();
        using var features = Corpus(new FeatureOptions(MaxCtxLen: 2, MaxDescLen: 1, NormalizeVideo: false, Tef: true));
        var builder = new BatchBuilder(features);
        using var contexts = builder.Contexts(["b"]);
        Assert.Equal(new long[] { 1, 2, 6 }, contexts.Video!.shape);
        Assert.Equal(new float[] { 5, 6, 7, 8, 0.5f, 1 }, contexts.Video[0, 1].data<float>().ToArray());
        using var queries = builder.Queries([12]);
        Assert.Equal(new long[] { 1, 1, 2 }, queries.Features.shape);
    }

    [Theory]
    [InlineData(100, true, false)]
    [InlineData(2, false, true)]
    [InlineData(4, true, true)]
    public void ContextReadsEqualTruncateNormaliseTefOnTheStoredMatrix(int maxCtxLen, bool normalize, bool tef)
    {
        using var features = Corpus(new FeatureOptions(MaxCtxLen: maxCtxLen, NormalizeVideo: normalize, Tef: tef));
        var expectedVideo = features.Video!.Read("b").Truncate(maxCtxLen);
        if (normalize) expectedVideo = expectedVideo.L2NormalizeRows();
        if (tef) expectedVideo = expectedVideo.AppendTef();
        var expectedSub = features.Subtitle!.Read("b").Truncate(maxCtxLen).L2NormalizeRows();

        var shape = features.Shape("b");
        Assert.Equal(new ContextShape(expectedVideo.Rows, expectedVideo.Cols, expectedSub.Cols), shape);
        var context = features.ReadContext("b");
        Assert.Equal(expectedVideo.Data, context.Video!.Data);
        Assert.Equal(expectedSub.Data, context.Subtitle!.Data);
        var video = Enumerable.Repeat(-7f, shape.Clips * shape.VideoDim + 3).ToArray();
        var sub = new float[shape.Clips * shape.SubtitleDim];
        features.ReadContextInto("b", video.AsSpan(0, shape.Clips * shape.VideoDim), sub);
        Assert.Equal(expectedVideo.Data, video[..^3]);
        Assert.Equal([-7f, -7f, -7f], video[^3..]); // nothing written past the slice
        Assert.Equal(expectedSub.Data, sub);
    }

    [Fact]
    public void SubtitleClipCountMismatchNamesBothFiles()
    {
        using var features = Corpus(subClipsOfB: 4);
        var e = Assert.Throws<DataFormatException>(() => features.ReadContext("b"));
        Assert.Contains("key 'b' has shape (4, 2)", e.Message);
        Assert.Contains("has (5, 4): clip counts differ", e.Message);
    }

    [Fact]
    public void TextWidthMismatchBetweenSubtitleAndQueryFilesNamesBoth()
    {
        string dir = Directory.CreateTempSubdirectory("vcmr-batch").FullName;
        FeatureStoreWriter.Write(Path.Combine(dir, "s.h5"), new Dictionary<string, FeatureMatrix> { ["a"] = Matrix(3, 2) });
        FeatureStoreWriter.Write(Path.Combine(dir, "q.h5"), new Dictionary<string, FeatureMatrix> { ["7"] = Matrix(2, 3) });
        using var features = new TvrFeatureSet(FeatureStore.Open(Path.Combine(dir, "q.h5")), null, FeatureStore.Open(Path.Combine(dir, "s.h5")));
        features.ReadContext("a");
        var e = Assert.Throws<DataFormatException>(() => features.ReadQuery(7));
        Assert.Contains("q.h5: key '7' has text feature dim 3, but", e.Message);
        Assert.Contains("s.h5 has 2", e.Message);
    }

    [Fact]
    public void EpochOrderIsSeededAndCoversEveryQueryOnce()
    {
        TorchNative.EnsureLoaded();
        using var features = Corpus();
        var builder = new BatchBuilder(features);
        List<int> Order(int seed, int epoch) => builder.TrainingEpoch(Queries, 2, seed, epoch)
            .SelectMany(b => { using (b) return b.Query.DescIds.ToList(); }).ToList();

        Assert.Equal(Order(2018, 0), Order(2018, 0));
        Assert.Equal([10, 11, 12], Order(2018, 0).OrderBy(x => x));
        var orders = Enumerable.Range(0, 8).Select(e => string.Join(",", Order(2018, e))).Distinct().Count();
        Assert.True(orders > 1, "epochs should not all share one order");
        Assert.Equal([2, 1], builder.TrainingEpoch(Queries, 2, 1, 0).Select(b => { using (b) return b.Query.DescIds.Count; }));
    }
}
