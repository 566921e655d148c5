using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Experiments;

/// <summary>
/// One TVR-format corpus opened for training and evaluation: the annotations of every split, the video index and
/// the feature stores, producing batches on <see cref="Device"/>. Batches are handed over: their consumer disposes them.
/// </summary>
public sealed class TvrData : IDisposable
{
    private readonly Dictionary<string, IReadOnlyList<TvrQuery>> _queries;

    public TvrFeatureSet Features { get; }
    public VideoIndex Index { get; }
    public BatchBuilder Batches { get; }
    public Device Device { get; }

    private TvrData(TvrFeatureSet features, VideoIndex index, Dictionary<string, IReadOnlyList<TvrQuery>> queries, Device device)
    {
        (Features, Index, _queries, Device) = (features, index, queries, device);
        Batches = new BatchBuilder(features);
    }

    /// <summary>Opens a corpus in the release layout (the synthetic one or a real <see cref="TvrRelease"/>);
    /// <paramref name="video"/>/<paramref name="subtitle"/> false skip a store (a context mode without that stream).
    /// Splits whose annotation file is absent are left out.</summary>
    public static TvrData Open(ITvrCorpus corpus, Device? device = null, FeatureOptions? options = null, bool video = true, bool subtitle = true)
    {
        var index = VideoIndex.Read(corpus.VideoIndexPath);
        var queries = new Dictionary<string, IReadOnlyList<TvrQuery>>();
        foreach (var split in index.Splits)
            if (File.Exists(corpus.Annotations(split))) queries[split] = TvrAnnotations.Read(corpus.Annotations(split), index[split]);
        var features = video && subtitle ? TvrFeatureSet.Open(corpus, options)
            : new TvrFeatureSet(FeatureStore.Open(corpus.QueryFeatures), video ? FeatureStore.Open(corpus.VideoFeatures) : null,
                subtitle ? FeatureStore.Open(corpus.SubtitleFeatures) : null, options ?? corpus.FeatureOptions);
        return new TvrData(features, index, queries, device ?? CPU);
    }

    /// <summary>Throws a <see cref="DataFormatException"/> naming the store file, its width and the config key when a
    /// store's features are not as wide as <paramref name="model"/> expects (checked on the first key of each store).</summary>
    public void RequireWidths(IFeatureWidths model)
    {
        var (video, text, videoKey, textKey) = model.FeatureWidths;
        if (video is int v) Require(Features.Video, v, videoKey);
        Require(Features.Subtitle, text, textKey);
        Require(Features.Query, text, textKey);
    }

    private static void Require(FeatureStore? store, int width, string configKey)
    {
        if (store?.Keys.FirstOrDefault(k => !k.EndsWith("-mask", StringComparison.Ordinal)) is not string key) return;
        int cols = store.Shape(key).Cols;
        if (cols != width)
            throw new DataFormatException($"{store.Path}: features are {cols} wide (key '{key}') but {configKey} = {width}");
    }

    /// <summary>The queries of a split (with ground truth for train and val).</summary>
    public IReadOnlyList<TvrQuery> Queries(string split) => _queries.TryGetValue(split, out var q) ? q
        : throw new KeyNotFoundException($"split '{split}' has no annotations (known: {string.Join(", ", _queries.Keys)})");

    /// <summary>Every video of a split, in video_idx order, <paramref name="batchSize"/> per batch.</summary>
    public IEnumerable<ContextBatch> Corpus(string split, int batchSize)
    {
        foreach (var chunk in CorpusNames(split).Chunk(batchSize)) yield return OnDevice(Batches.Contexts(chunk), b => b.To(Device));
    }

    /// <summary>The videos of a split (in video_idx order) as a pipeline's corpus: read in batches of
    /// <paramref name="batchSize"/>, or by name.</summary>
    public VideoCorpus VideoCorpus(string split, int batchSize = 64)
    {
        var names = CorpusNames(split);
        return new(names, () => Corpus(split, batchSize), read => OnDevice(Batches.Contexts(read), b => b.To(Device)),
            names.Select(n => Index[split][n].Duration).ToList());
    }

    private List<string> CorpusNames(string split) => Index[split].OrderBy(kv => kv.Value.Index).Select(kv => kv.Key).ToList();

    public IEnumerable<QueryBatch> QueryBatches(IReadOnlyList<TvrQuery> queries, int batchSize)
    {
        foreach (var chunk in queries.Chunk(batchSize))
            yield return OnDevice(Batches.Queries(chunk.Select(q => q.DescId).ToList()), b => b.To(Device));
    }

    /// <summary>One epoch of seeded, shuffled training batches of a split.</summary>
    public IEnumerable<TrainingBatch> TrainingEpoch(string split, int batchSize, int seed, int epoch) =>
        Batches.TrainingEpoch(Queries(split), batchSize, seed, epoch).Select(b => OnDevice(b, x => x.To(Device)));

    /// <summary>The records corpus inference needs (desc, ground-truth video for SVMR).</summary>
    public static Dictionary<int, InferenceQuery> InferenceQueries(IEnumerable<TvrQuery> queries) =>
        queries.ToDictionary(q => q.DescId, q => new InferenceQuery(q.DescId, q.Desc, q.VidName));

    /// <summary>A CPU batch moved to <see cref="Device"/> (the CPU copy is disposed); on the CPU the batch itself.</summary>
    public T OnDevice<T>(T batch, Func<T, T> move) where T : IDisposable
    {
        if (Device.type == TorchSharp.DeviceType.CPU) return batch;
        using (batch) return move(batch);
    }

    public void Dispose() => Features.Dispose();
}
