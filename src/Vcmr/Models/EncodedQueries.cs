using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models;

/// <summary>
/// One batch of queries as a model encoded them (XML: the video and the subtitle query vectors). Every tensor has
/// the batch's queries on its first axis, so a subset of rows is a subset of queries.
/// </summary>
public sealed class EncodedQueries(QueryBatch batch, IReadOnlyList<Tensor> tensors) : IDisposable
{
    public QueryBatch Batch { get; } = batch;
    public IReadOnlyList<Tensor> Tensors { get; } = tensors;

    /// <summary>The queries at <paramref name="rows"/> (a 1-D int64 tensor of batch positions).</summary>
    public EncodedQueries Select(Tensor rows)
    {
        var ids = rows.cpu().data<long>().Select(r => Batch.DescIds[(int)r]).ToList();
        return new EncodedQueries(new QueryBatch(ids, Batch.Features.index_select(0, rows), Batch.Mask.index_select(0, rows)),
            Tensors.Select(t => t.index_select(0, rows)).ToList());
    }

    /// <summary>Disposes the encodings (the batch stays with its owner).</summary>
    public void Dispose()
    {
        foreach (var t in Tensors) t.Dispose();
    }
}

/// <summary>Encodes a batch of queries once, for every stage of a VCMR model that reads them.</summary>
public interface IQueryEncoder
{
    EncodedQueries EncodeQueries(QueryBatch queries);
}

/// <summary>A model that reads stored features of fixed widths (before TEF columns are appended), so a corpus can be
/// checked against it before training or inference starts.</summary>
public interface IFeatureWidths
{
    /// <summary>(video clip width, or null without a video stream; query and subtitle token width) and the config
    /// keys that set them, for messages.</summary>
    (int? Video, int Text, string VideoKey, string TextKey) FeatureWidths { get; }
}
