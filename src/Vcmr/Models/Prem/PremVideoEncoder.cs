using TorchSharp;
using Vcmr.Data;
using Vcmr.Models.Layers;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>A batch of videos as a PREM module encodes them.</summary>
/// <param name="Image">(N, L, D) contextual image clips h_img, or null when the module does not read images.</param>
/// <param name="Subtitle">(N, L, D) contextual subtitle clips h_sub, or null.</param>
/// <param name="Mask">(N, L) 1 for real clips.</param>
public sealed record PremVideo(Tensor? Image, Tensor? Subtitle, Tensor Mask) : IDisposable
{
    public long Count => Mask.shape[0];

    /// <summary>The modalities present, image first (the order of <see cref="PremQuery.Vectors"/>).</summary>
    public IReadOnlyList<Tensor> Streams => new[] { Image, Subtitle }.OfType<Tensor>().ToList();

    /// <summary>Moves every tensor out of the current dispose scope.</summary>
    public PremVideo MoveToOuterDisposeScope()
    {
        foreach (var t in Tensors()) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>The rows at <paramref name="rows"/> (1-D int64).</summary>
    public PremVideo Select(Tensor rows) => new(Image?.index_select(0, rows), Subtitle?.index_select(0, rows), Mask.index_select(0, rows));

    /// <summary>Chunks concatenated along the video axis, each zero-padded (mask 0) to the longest chunk's clips.</summary>
    public static PremVideo Concat(IReadOnlyList<PremVideo> chunks)
    {
        if (chunks.Count == 0) throw new ArgumentException("no chunks to concatenate", nameof(chunks));
        long l = chunks.Max(c => c.Mask.shape[1]);
        using var scope = NewDisposeScope();
        Tensor Pad(Tensor t) => t.shape[1] == l ? t : nn.functional.pad(t, t.dim() == 3 ? [0, 0, 0, l - t.shape[1]] : [0, l - t.shape[1]]);
        Tensor? Cat(Func<PremVideo, Tensor?> pick) => pick(chunks[0]) is null ? null : cat(chunks.Select(c => Pad(pick(c)!)).ToArray(), 0);
        return new PremVideo(Cat(c => c.Image), Cat(c => c.Subtitle), cat(chunks.Select(c => Pad(c.Mask)).ToArray(), 0)).MoveToOuterDisposeScope();
    }

    public IEnumerable<Tensor> Tensors() => new[] { Image, Subtitle, Mask }.OfType<Tensor>();

    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }
}

/// <summary>
/// PREM's multi-modal video transformer: image and subtitle clip features, each through a LinearLayer, get position
/// embeddings 0..L-1 and a modality embedding (0 image, 1 subtitle), are encoded as one sequence of 2L clips (attention
/// within and across modalities) and split back into h_img and h_sub. With one modality the sequence is that
/// modality's L clips.
/// </summary>
public sealed class PremVideoEncoder : nn.Module<ContextBatch, PremVideo>
{
    private const long ImageType = 0, SubtitleType = 1;

    private readonly LinearLayer? video_input_proj, sub_input_proj;
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly int _maxLength;

    public PremVideoEncoder(PremEncoderConfig c, bool image, bool subtitle) : base(nameof(PremVideoEncoder))
    {
        if (!image && !subtitle) throw new ArgumentException("the video encoder needs at least one modality");
        if (image) video_input_proj = new LinearLayer(c.VisualDim, c.HiddenSize, c.InputDropout);
        if (subtitle) sub_input_proj = new LinearLayer(c.TextDim, c.HiddenSize, c.InputDropout);
        embeddings = new BertEmbeddings(c.MaxContextLength, 2, c.HiddenSize, c.InputDropout, PremEncoderConfig.LayerNormEps);
        encoder = new BertEncoder(c.EncoderLayers, c.HiddenSize, c.Heads, c.IntermediateSize, c.Dropout, c.Dropout, PremEncoderConfig.LayerNormEps);
        _maxLength = c.MaxContextLength;
        RegisterComponents();
    }

    public override PremVideo forward(ContextBatch context)
    {
        long l = context.Mask.shape[1];
        if (l > _maxLength) throw new ArgumentException($"context batch has {l} clips, more than {nameof(PremEncoderConfig.MaxContextLength)}={_maxLength}");
        using var scope = NewDisposeScope();
        var device = context.Mask.device;
        var positions = arange(l, dtype: int64, device: device);
        var streams = new List<(Tensor Clips, long Type)>();
        if (video_input_proj is not null)
            streams.Add((video_input_proj.forward(context.Video ?? throw new ArgumentException("ContextBatch.Video is null but the PREM module reads images")), ImageType));
        if (sub_input_proj is not null)
            streams.Add((sub_input_proj.forward(context.Subtitle ?? throw new ArgumentException("ContextBatch.Subtitle is null but the PREM module reads subtitles")), SubtitleType));
        var x = cat(streams.Select(s => s.Clips).ToArray(), 1);
        var ids = cat(streams.Select(_ => positions).ToArray(), 0);
        var types = cat(streams.Select(s => full(l, s.Type, dtype: int64, device: device)).ToArray(), 0);
        var mask = cat(streams.Select(_ => context.Mask).ToArray(), 1);
        var h = encoder.forward(embeddings.forward(x, ids, types), mask);
        Tensor? image = null, subtitle = null;
        for (int s = 0; s < streams.Count; s++)
        {
            var part = h.narrow(1, s * l, l).contiguous().MoveToOuterDisposeScope();
            if (streams[s].Type == ImageType) image = part; else subtitle = part;
        }
        return new PremVideo(image, subtitle, context.Mask.alias().MoveToOuterDisposeScope());
    }
}
