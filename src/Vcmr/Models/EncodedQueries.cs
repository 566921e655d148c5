using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Models;

/// <summary>
/// One batch of queries as a model encoded them, each encoding under its name (XML: "video_query" and "sub_query",
/// as model_xml.py names them). Every tensor has the batch's queries on its first axis, so a subset of rows is a
/// subset of queries.
/// </summary>
public sealed class EncodedQueries : IDisposable
{
    private readonly IReadOnlyList<KeyValuePair<string, Tensor>> _encodings;

    public EncodedQueries(QueryBatch batch, IEnumerable<KeyValuePair<string, Tensor>> encodings)
    {
        Batch = batch;
        _encodings = encodings.ToList();
        var duplicate = _encodings.GroupBy(e => e.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"query encoding '{duplicate.Key}' is given twice", nameof(encodings));
    }

    public QueryBatch Batch { get; }

    /// <summary>The names, in the order the model gave them.</summary>
    public IEnumerable<string> Names => _encodings.Select(e => e.Key);

    /// <summary>The encoding called <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public Tensor this[string name] =>
        _encodings.FirstOrDefault(e => e.Key == name).Value
        ?? throw new KeyNotFoundException($"query encoding '{name}' is not in this batch (it has: {string.Join(", ", Names)})");

    /// <summary>The queries at <paramref name="rows"/> (a 1-D int64 tensor of batch positions).</summary>
    public EncodedQueries Select(Tensor rows)
    {
        var ids = rows.cpu().data<long>().Select(r => Batch.DescIds[(int)r]).ToList();
        return new EncodedQueries(new QueryBatch(ids, Batch.Features.index_select(0, rows), Batch.Mask.index_select(0, rows)),
            _encodings.Select(e => KeyValuePair.Create(e.Key, e.Value.index_select(0, rows))));
    }

    /// <summary>Disposes the encodings (the batch stays with its owner).</summary>
    public void Dispose()
    {
        foreach (var e in _encodings) e.Value.Dispose();
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
