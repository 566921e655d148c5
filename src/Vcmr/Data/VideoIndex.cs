using System.Text.Json;

namespace Vcmr.Data;

/// <summary>One video of tvr_video2dur_idx.json: its duration in seconds and its global video_idx.</summary>
public readonly record struct VideoEntry(double Duration, int Index);

/// <summary>
/// tvr_video2dur_idx.json: <c>{split: {vid_name: [duration, video_idx]}}</c>. A submission's <c>video2idx</c> is the
/// <c>{vid_name: video_idx}</c> of the evaluated split.
/// </summary>
public sealed class VideoIndex
{
    private readonly Dictionary<string, Dictionary<string, VideoEntry>> _splits;

    private VideoIndex(Dictionary<string, Dictionary<string, VideoEntry>> splits) => _splits = splits;

    public IReadOnlyCollection<string> Splits => _splits.Keys;

    /// <summary>The videos of one split; an unknown split is an error naming the file's splits.</summary>
    public IReadOnlyDictionary<string, VideoEntry> this[string split] =>
        _splits.TryGetValue(split, out var videos) ? videos
        : throw new KeyNotFoundException($"split '{split}' is not in the video index (it has: {string.Join(", ", _splits.Keys)})");

    /// <summary><c>{vid_name: video_idx}</c> of a split, as a submission's video2idx.</summary>
    public IReadOnlyDictionary<string, int> Video2Idx(string split) => this[split].ToDictionary(kv => kv.Key, kv => kv.Value.Index);

    public static VideoIndex Create(IReadOnlyDictionary<string, IReadOnlyDictionary<string, VideoEntry>> splits) =>
        new(splits.ToDictionary(s => s.Key, s => s.Value.ToDictionary(v => v.Key, v => v.Value)));

    /// <summary>
    /// Reads and checks the file: every entry is [duration &gt; 0, integer index] (5.0 counts as 5), indices unique
    /// across splits. Errors name the file and the key path (split/vid_name).
    /// </summary>
    public static VideoIndex Read(string path)
    {
        using var doc = JsonFields.ParseFile(path, "video index");
        const string Layout = "{split: {vid_name: [duration, video_idx]}}";
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new DataFormatException($"{path}: expected an object {Layout}, got {JsonFields.Kind(doc.RootElement)}");
        var splits = new Dictionary<string, Dictionary<string, VideoEntry>>();
        var seen = new Dictionary<int, string>();
        foreach (var split in doc.RootElement.EnumerateObject())
        {
            if (split.Value.ValueKind != JsonValueKind.Object)
                throw new DataFormatException($"{path}: key {split.Name}: expected a split {{vid_name: [duration, video_idx]}}, got {JsonFields.Shown(split.Value)}"
                    + " (the file is " + Layout + "; is the split level missing?)");
            var videos = new Dictionary<string, VideoEntry>();
            foreach (var video in split.Value.EnumerateObject())
            {
                string key = $"{split.Name}/{video.Name}";
                var v = video.Value;
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 2
                    || !JsonFields.TryNumber(v[0], out double duration) || !JsonFields.TryInt(v[1], out int index))
                    throw new DataFormatException($"{path}: key {key}: expected [duration, video_idx] (a number and an integer), got {JsonFields.Shown(v)}");
                if (!(duration > 0))
                    throw new DataFormatException($"{path}: key {key}: duration {duration} is not positive");
                if (seen.TryGetValue(index, out string? other))
                    throw new DataFormatException($"{path}: key {key}: video_idx {index} is also used by {other}");
                seen[index] = key;
                videos[video.Name] = new VideoEntry(duration, index);
            }
            splits[split.Name] = videos;
        }
        return new VideoIndex(splits);
    }

    /// <summary>Writes the file in the release layout, atomically.</summary>
    public void Write(string path)
    {
        var tree = _splits.ToDictionary(s => s.Key, s => s.Value.ToDictionary(v => v.Key, v => new object[] { v.Value.Duration, v.Value.Index }));
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(tree));
    }
}
