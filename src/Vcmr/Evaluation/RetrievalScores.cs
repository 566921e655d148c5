using System.Text;
using System.Text.Json;
using Vcmr.Data;

namespace Vcmr.Evaluation;

/// <summary>
/// One retrieval direction as TextVR's cols2metrics reports it: R@k in percent, MedR and MeanR 1-based (tie-averaged,
/// so possibly fractional), plus mAP as a fraction in [0, 1] (Dual Encoding's evaluation.py scale).
/// <see cref="Queries"/> is the number of ranked queries (texts, or videos that have at least one caption).
/// </summary>
public sealed record RetrievalScores(int Queries, double R1, double R5, double R10, double R50, double MedianRank, double MeanRank, double MeanAveragePrecision)
{
    /// <summary>(key, value) in output order; the keys are TextVR's plus "mAP" and "queries".</summary>
    public IEnumerable<KeyValuePair<string, double>> Values()
    {
        yield return new("R1", R1);
        yield return new("R5", R5);
        yield return new("R10", R10);
        yield return new("R50", R50);
        yield return new("MedR", MedianRank);
        yield return new("MeanR", MeanRank);
        yield return new("mAP", MeanAveragePrecision);
        yield return new("queries", Queries);
    }
}

/// <summary>Both directions of a text-video similarity matrix: text-to-video (rows rank columns) and video-to-text.</summary>
public sealed record RetrievalResult(RetrievalScores TextToVideo, RetrievalScores VideoToText)
{
    /// <summary><c>{"t2v": {...}, "v2t": {...}}</c>, indented, values unrounded.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (key, scores) in new[] { ("t2v", TextToVideo), ("v2t", VideoToText) })
            {
                w.WriteStartObject(key);
                foreach (var (name, value) in scores.Values()) w.WriteNumber(name, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
