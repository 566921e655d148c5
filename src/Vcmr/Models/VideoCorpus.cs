using Vcmr.Data;

namespace Vcmr.Models;

/// <summary>
/// The videos a VCMR pipeline searches: their names in corpus order (a video's position in this list is its
/// position in every corpus index), read once in batches (to encode the corpus) or by name (a second stage that
/// reads the raw features of its candidates). Batches are handed over: their consumer disposes them.
/// </summary>
public sealed class VideoCorpus
{
    private readonly Func<IEnumerable<ContextBatch>> _batches;
    private readonly Func<IReadOnlyList<string>, ContextBatch>? _read;
    private readonly Dictionary<string, int> _position;
    private readonly IReadOnlyList<double>? _durations;

    /// <param name="vidNames">every video, in the order <paramref name="batches"/> yields them.</param>
    /// <param name="batches">a fresh enumeration of the whole corpus in batches, called once per index built.</param>
    /// <param name="read">reads the named videos as one batch; null for a corpus read in batches only.</param>
    /// <param name="durations">each video's duration in seconds (in <paramref name="vidNames"/> order), for stages that
    /// work in seconds (CAL's proposals); null when unknown.</param>
    public VideoCorpus(IReadOnlyList<string> vidNames, Func<IEnumerable<ContextBatch>> batches,
        Func<IReadOnlyList<string>, ContextBatch>? read = null, IReadOnlyList<double>? durations = null)
    {
        if (vidNames.Count == 0) throw new ArgumentException("the corpus has no videos", nameof(vidNames));
        if (durations is not null && durations.Count != vidNames.Count)
            throw new ArgumentException($"{durations.Count} durations for {vidNames.Count} videos", nameof(durations));
        _durations = durations;
        _position = new Dictionary<string, int>(vidNames.Count);
        for (int i = 0; i < vidNames.Count; i++)
            if (!_position.TryAdd(vidNames[i], i)) throw new ArgumentException($"video '{vidNames[i]}' is twice in the corpus", nameof(vidNames));
        (VidNames, _batches, _read) = (vidNames, batches, read);
    }

    public IReadOnlyList<string> VidNames { get; }
    public int Count => VidNames.Count;

    public bool Contains(string vidName) => _position.ContainsKey(vidName);

    /// <summary>The video's duration in seconds (video2dur); an error when the corpus was built without durations.</summary>
    public double Duration(string vidName) => _durations is { } d ? d[Position(vidName)]
        : throw new InvalidOperationException("this corpus has no video durations: give them to its constructor (TvrData.VideoCorpus does)");

    /// <summary>The video's position in the corpus (and in every index of it).</summary>
    public int Position(string vidName) => _position.TryGetValue(vidName, out int p) ? p
        : throw new KeyNotFoundException($"video '{vidName}' is not in the corpus ({Count} videos)");

    /// <summary>Every video once, in <see cref="VidNames"/> order; a batch out of that order is an error naming it.</summary>
    public IEnumerable<ContextBatch> Batches()
    {
        int next = 0;
        foreach (var batch in _batches())
        {
            for (int i = 0; i < batch.VidNames.Count; i++)
            {
                if (next + i < Count && batch.VidNames[i] == VidNames[next + i]) continue;
                batch.Dispose();
                throw new InvalidDataException($"the corpus batches hold '{batch.VidNames[i]}' at position {next + i}, "
                    + (next + i < Count ? $"where the corpus has '{VidNames[next + i]}'" : $"past its {Count} videos"));
            }
            next += batch.VidNames.Count;
            yield return batch;
        }
        if (next != Count) throw new InvalidDataException($"the corpus batches end after {next} of {Count} videos");
    }

    /// <summary>The named videos as one zero-padded batch.</summary>
    public ContextBatch Read(IReadOnlyList<string> vidNames)
    {
        if (_read is null) throw new InvalidOperationException("this corpus is read in batches only: give it a reader to read videos by name");
        foreach (var name in vidNames) Position(name);
        return _read(vidNames);
    }
}
