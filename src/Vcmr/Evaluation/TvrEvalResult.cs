using System.Text;
using Vcmr.Data;

namespace Vcmr.Evaluation;

/// <summary>
/// One block of the official result ("VCMR", "VCMR_by_type", ...): metrics in eval.py's key order, values already
/// round(100x, 2); by-type blocks end with the "desc_type_ratio" string.
/// </summary>
public sealed record MetricTable(string Name, IReadOnlyList<KeyValuePair<string, double>> Values, string? DescTypeRatio = null)
{
    public double this[string key] =>
        Values.FirstOrDefault(kv => kv.Key == key) is { Key: not null } kv ? kv.Value
        : throw new KeyNotFoundException($"metric '{key}' is not in {Name} (it has: {string.Join(", ", Values.Select(v => v.Key))})");
}

/// <summary>The official evaluation output: {VCMR, SVMR, VR, VCMR_by_type, SVMR_by_type, VR_by_type} for the tasks present.</summary>
public sealed record TvrEvalResult(IReadOnlyList<MetricTable> Tables)
{
    public MetricTable this[string name] =>
        Tables.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"'{name}' is not in the result (it has: {string.Join(", ", Tables.Select(t => t.Name))})");

    /// <summary>The text eval.py writes with json.dump(indent=4).</summary>
    public string ToJson()
    {
        var sb = new StringBuilder("{");
        for (int t = 0; t < Tables.Count; t++)
        {
            var table = Tables[t];
            sb.Append(t == 0 ? "\n" : ",\n").Append($"    \"{table.Name}\": {{");
            var lines = table.Values.Select(kv => $"\"{kv.Key}\": {PythonFormat.Repr(kv.Value)}").ToList();
            if (table.DescTypeRatio != null) lines.Add($"\"desc_type_ratio\": \"{table.DescTypeRatio}\"");
            sb.Append(lines.Count == 0 ? "}" : "\n        " + string.Join(",\n        ", lines) + "\n    }");
        }
        return sb.Append(Tables.Count == 0 ? "}" : "\n}").ToString();
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
