namespace Vcmr.Data;

/// <summary>The clip features of one video after truncation, normalisation and TEF; the two streams are aligned.</summary>
public sealed record ContextFeatures(FeatureMatrix? Video, FeatureMatrix? Subtitle)
{
    public int Clips => (Video ?? Subtitle)!.Rows;
}

/// <summary>Clip count (after max_ctx_l) and stream widths (video including TEF; 0 for an absent stream) of one video;
/// <paramref name="SubtitleClips"/> is the subtitle stream's count (equal to Clips unless
/// <see cref="FeatureOptions.SeparateSubtitleClips"/> lets it differ).</summary>
public readonly record struct ContextShape(int Clips, int VideoDim, int SubtitleDim, int SubtitleClips)
{
    public ContextShape(int clips, int videoDim, int subtitleDim) : this(clips, videoDim, subtitleDim, clips) { }

    public void Deconstruct(out int clips, out int videoDim, out int subtitleDim) => (clips, videoDim, subtitleDim) = (Clips, VideoDim, SubtitleDim);
}

/// <summary>
/// The feature files of one context mode (video and/or subtitle, plus queries), read through one options set.
/// Checks across files: the subtitle and query stores share one text width, and a video's subtitle clip count
/// equals its visual clip count (TVR builds the subtitle file on the video clip grid) unless the options allow
/// separate counts (CONQUER's release).
/// </summary>
public sealed class TvrFeatureSet : IDisposable
{
    public FeatureStore? Video { get; }
    public FeatureStore? Subtitle { get; }
    public FeatureStore Query { get; }
    public FeatureOptions Options { get; }

    private float[] _scratch = [];

    public TvrFeatureSet(FeatureStore query, FeatureStore? video, FeatureStore? subtitle, FeatureOptions? options = null)
    {
        if (video == null && subtitle == null) throw new ArgumentException("a context mode needs a video or a subtitle store");
        Query = query;
        Video = video;
        Subtitle = subtitle;
        Options = options ?? new FeatureOptions();
        Options.Validate();
    }

    /// <summary>Opens the query, video and subtitle stores of <paramref name="corpus"/> with its feature options unless given.</summary>
    public static TvrFeatureSet Open(ITvrCorpus corpus, FeatureOptions? options = null)
    {
        FeatureStore? query = null, video = null;
        try
        {
            query = FeatureStore.Open(corpus.QueryFeatures);
            video = FeatureStore.Open(corpus.VideoFeatures);
            return new TvrFeatureSet(query, video, FeatureStore.Open(corpus.SubtitleFeatures), options ?? corpus.FeatureOptions);
        }
        catch
        {
            query?.Dispose();
            video?.Dispose();
            throw;
        }
    }

    /// <summary>(N_tokens ≤ max_desc_l, 768) query features, L2-normalised per token unless the options say not
    /// (TVR's loader always normalises).</summary>
    public FeatureMatrix ReadQuery(int descId)
    {
        var q = Query.Read(descId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CheckTextWidth(q.Cols, Query, Subtitle, descId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cut = q.Truncate(Options.MaxDescLen);
        return Options.NormalizeQuery ? cut.L2NormalizeRowsInPlace() : cut; // q is a fresh read: normalise in place
    }

    /// <summary>A video's clip count after truncation and the widths of its streams (video with TEF), without reading values.</summary>
    public ContextShape Shape(string vidName)
    {
        (int Rows, int Cols)? video = Video?.Shape(vidName), sub = Subtitle?.Shape(vidName);
        if (sub is var (subRows, subCols))
        {
            CheckTextWidth(subCols, Subtitle!, Query, vidName);
            if (video is var (videoRows, videoCols) && videoRows != subRows && !Options.SeparateSubtitleClips)
                throw new DataFormatException(
                    $"{Subtitle!.Path}: key '{vidName}' has shape ({subRows}, {subCols}) but {Video!.Path} has ({videoRows}, {videoCols}): clip counts differ");
        }
        int rows = Math.Min((video ?? sub)!.Value.Rows, Options.MaxCtxLen);
        return new ContextShape(rows, video is { } v ? v.Cols + (Options.Tef ? 2 : 0) : 0, sub?.Cols ?? 0,
            sub is { } s ? Math.Min(s.Rows, Options.MaxCtxLen) : rows);
    }

    public ContextFeatures ReadContext(string vidName)
    {
        var shape = Shape(vidName);
        float[]? video = Video == null ? null : new float[shape.Clips * shape.VideoDim];
        float[]? sub = Subtitle == null ? null : new float[shape.SubtitleClips * shape.SubtitleDim];
        ReadContextInto(vidName, video, sub);
        return new ContextFeatures(video == null ? null : new FeatureMatrix(video, shape.Clips, shape.VideoDim),
            sub == null ? null : new FeatureMatrix(sub, shape.SubtitleClips, shape.SubtitleDim));
    }

    /// <summary>
    /// <see cref="ReadContext"/> into caller memory (e.g. a row of a padded batch): <paramref name="video"/> gets
    /// Clips x VideoDim and <paramref name="subtitle"/> SubtitleClips x SubtitleDim values of <see cref="Shape"/>, row-major.
    /// Scans and batches use it to avoid a fresh array per video.
    /// </summary>
    public ContextShape ReadContextInto(string vidName, Span<float> video, Span<float> subtitle)
    {
        var shape = Shape(vidName);
        if (Video != null)
        {
            int dim = Video.Dim!.Value;
            ReadRows(Video, vidName, shape.Clips, dim, video, shape.VideoDim);
            if (Options.NormalizeVideo) FeatureMatrix.L2NormalizeRows(video, shape.Clips, dim, shape.VideoDim);
            if (Options.Tef) FeatureMatrix.WriteTef(video, shape.Clips, dim, shape.VideoDim);
        }
        if (Subtitle != null)
        {
            ReadRows(Subtitle, vidName, shape.SubtitleClips, shape.SubtitleDim, subtitle, shape.SubtitleDim);
            if (Options.NormalizeSubtitle) FeatureMatrix.L2NormalizeRows(subtitle, shape.SubtitleClips, shape.SubtitleDim, shape.SubtitleDim);
        }
        return shape;
    }

    // The first `rows` rows of the stored (n, cols) matrix into target rows `stride` apart: straight into the target
    // when the layout matches, else through a reused scratch buffer (truncation, TEF columns).
    private void ReadRows(FeatureStore store, string key, int rows, int cols, Span<float> target, int stride)
    {
        if (target.Length != rows * stride)
            throw new ArgumentException($"{store.Path}: key '{key}' needs {rows * stride} values ({rows} x {stride}), the target holds {target.Length}");
        int stored = store.Shape(key).Rows;
        if (stored == rows && stride == cols)
        {
            store.ReadInto(key, target);
            return;
        }
        if (_scratch.Length < stored * cols) _scratch = new float[stored * cols];
        store.ReadInto(key, _scratch);
        for (int r = 0; r < rows; r++) _scratch.AsSpan(r * cols, cols).CopyTo(target.Slice(r * stride, cols));
    }

    private static void CheckTextWidth(int cols, FeatureStore store, FeatureStore? other, string key)
    {
        if (other?.Dim is int d && d != cols)
            throw new DataFormatException($"{store.Path}: key '{key}' has text feature dim {cols}, but {other.Path} has {d}");
    }

    public void Dispose()
    {
        Query.Dispose();
        Video?.Dispose();
        Subtitle?.Dispose();
    }
}
