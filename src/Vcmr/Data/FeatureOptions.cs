namespace Vcmr.Data;

/// <summary>How stored features become model inputs (defaults are the reference's).</summary>
/// <param name="MaxCtxLen">max_ctx_l: clips kept per video.</param>
/// <param name="MaxDescLen">max_desc_l: tokens kept per query.</param>
/// <param name="NormalizeVideo">false = --no_norm_vfeat (the resnet_i3d concat file is already normalised per part).</param>
/// <param name="NormalizeSubtitle">false = --no_norm_tfeat.</param>
/// <param name="Tef">Append the [i/L, (i+1)/L] columns to the video stream (ctx_mode with tef).</param>
/// <param name="NormalizeQuery">L2-normalise each query token (TVR's loader always does; CONQUER's does not,
/// normalize_tfeat = False).</param>
/// <param name="SeparateSubtitleClips">A video's subtitle stream may have its own clip count, padded and masked on its
/// own (CONQUER's loader pads each stream to max_ctx_len with its own mask); false requires equal counts (TVR's
/// subtitle file is built on the video clip grid).</param>
public sealed record FeatureOptions(
    int MaxCtxLen = 100,
    int MaxDescLen = 30,
    bool NormalizeVideo = true,
    bool NormalizeSubtitle = true,
    bool Tef = false,
    bool NormalizeQuery = true,
    bool SeparateSubtitleClips = false)
{
    /// <summary>CONQUER's loader (data_loader/second_stage_start_end_dataset.py): visual clips L2-normalised,
    /// subtitles and queries as stored, each stream with its own clip count.</summary>
    public static FeatureOptions Conquer { get; } = new(NormalizeSubtitle: false, NormalizeQuery: false, SeparateSubtitleClips: true);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when a length is below 1.</summary>
    public void Validate()
    {
        if (MaxCtxLen < 1) throw new ArgumentException($"FeatureOptions.MaxCtxLen (max_ctx_l) = {MaxCtxLen}: must be at least 1 clip");
        if (MaxDescLen < 1) throw new ArgumentException($"FeatureOptions.MaxDescLen (max_desc_l) = {MaxDescLen}: must be at least 1 token");
    }
}
