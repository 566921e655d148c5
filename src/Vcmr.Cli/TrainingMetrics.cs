using System.Text.Json;
using System.Text.Json.Nodes;
using Vcmr.Data;
using Vcmr.Evaluation;
using Vcmr.Experiments;

namespace Vcmr.Cli;

/// <summary>
/// metrics.json of a <c>vcmr train</c> run, rewritten whole (atomically) after every validated epoch: the model's
/// description, the stop metric, the best epoch so far and one entry per epoch (mean loss and parts, queries/s,
/// seconds, stop score, the official validation metrics in eval.py's layout, null for NaN). A resumed run keeps the entries of the
/// epochs before the one it resumes at.
/// </summary>
internal sealed class TrainingMetrics(string path, string description, string stopMetric)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly List<JsonObject> _epochs = [];

    public string Path { get; } = path;

    /// <summary>Keeps the entries of epochs before <paramref name="epoch"/> from an earlier run's file; a missing or
    /// unreadable file keeps none (returns false), since the checkpoint, not the log, is what a resume needs.</summary>
    public bool KeepBefore(int epoch)
    {
        try
        {
            if (!File.Exists(Path) || JsonNode.Parse(File.ReadAllText(Path))?["epochs"] is not JsonArray epochs) return false;
            _epochs.AddRange(epochs.OfType<JsonObject>().Where(e => e["epoch"]?.GetValue<int>() < epoch).Select(e => (JsonObject)e.DeepClone()));
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    public void Add(EpochRecord record)
    {
        var parts = new JsonObject();
        foreach (var p in record.Parts) parts[p.Name] = new JsonObject { ["value"] = p.Value, ["weight"] = p.Weight };
        _epochs.Add(new JsonObject
        {
            ["epoch"] = record.Epoch, ["loss"] = record.Loss, ["parts"] = parts, ["queries_per_second"] = record.QueriesPerSecond,
            ["seconds"] = record.Seconds, ["stop_score"] = record.StopScore, ["val"] = Val(record.Val),
        });
        var best = _epochs.MaxBy(e => e["stop_score"]!.GetValue<double>())!;
        var file = new JsonObject
        {
            ["model"] = JsonNode.Parse(description), ["stop_metric"] = stopMetric, ["best_epoch"] = best["epoch"]!.GetValue<int>(),
            ["epochs"] = new JsonArray([.. _epochs.Select(e => e.DeepClone())]),
        };
        AtomicFile.WriteAllText(Path, file.ToJsonString(Indented));
    }

    // eval.py's tables; a metric without queries (NaN, which JSON lacks) is null
    private static JsonObject Val(TvrEvalResult val)
    {
        var tables = new JsonObject();
        foreach (var table in val.Tables)
        {
            var values = new JsonObject();
            foreach (var (key, value) in table.Values) values[key] = double.IsFinite(value) ? value : null;
            if (table.DescTypeRatio != null) values["desc_type_ratio"] = table.DescTypeRatio;
            tables[table.Name] = values;
        }
        return tables;
    }
}
