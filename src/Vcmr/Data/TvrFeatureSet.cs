namespace Vcmr.Data;

/// <summary>The clip features of one video after truncation, normalisation and TEF; the two streams are aligned.</summary>
public sealed record ContextFeatures(FeatureMatrix? Video, FeatureMatrix? Subtitle)
{
    public int Clips => (Video ?? Subtitle)!.Rows;
}

/// <summary>
/// The feature files of one context mode (video and/or subtitle, plus queries), read through one options set.
/// Checks across files: the subtitle and query stores share one text width, and a video's subtitle clip count
/// equals its visual clip count (the reference builds the subtitle file on the video clip grid).
/// </summary>
public sealed class TvrFeatureSet : IDisposable
{
    public FeatureStore? Video { get; }
    public FeatureStore? Subtitle { get; }
    public FeatureStore Query { get; }
    public FeatureOptions Options { get; }

    public TvrFeatureSet(FeatureStore query, FeatureStore? video, FeatureStore? subtitle, FeatureOptions? options = null)
    {
        if (video == null && subtitle == null) throw new ArgumentException("a context mode needs a video or a subtitle store");
        Query = query;
        Video = video;
        Subtitle = subtitle;
        Options = options ?? new FeatureOptions();
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

    /// <summary>(N_tokens ≤ max_desc_l, 768) query features, L2-normalised per token as the reference always does.</summary>
    public FeatureMatrix ReadQuery(int descId)
    {
        var q = Query.Read(descId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CheckTextWidth(q.Cols, Query, Subtitle, descId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return q.Truncate(Options.MaxDescLen).L2NormalizeRowsInPlace(); // q is a fresh read: normalise in place
    }

    public ContextFeatures ReadContext(string vidName)
    {
        FeatureMatrix? video = Video?.Read(vidName), sub = Subtitle?.Read(vidName);
        if (sub != null)
        {
            CheckTextWidth(sub.Cols, Subtitle!, Query, vidName);
            if (video != null && video.Rows != sub.Rows)
                throw new DataFormatException(
                    $"{Subtitle!.Path}: key '{vidName}' has shape ({sub.Rows}, {sub.Cols}) but {Video!.Path} has ({video.Rows}, {video.Cols}): clip counts differ");
            sub = sub.Truncate(Options.MaxCtxLen);
            if (Options.NormalizeSubtitle) sub = sub.L2NormalizeRowsInPlace(); // fresh reads: normalise in place
        }
        if (video != null)
        {
            video = video.Truncate(Options.MaxCtxLen);
            if (Options.NormalizeVideo) video = video.L2NormalizeRowsInPlace();
            if (Options.Tef) video = video.AppendTef();
        }
        return new ContextFeatures(video, sub);
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
