namespace Vcmr.Models.Prem;

/// <summary>What the FC layer of a modality-specific gate reads (the paper's symbols for it did not survive).</summary>
public enum GateInput
{
    /// <summary>[h_j; q_m / |q_m|], as the gated self-matching networks (R-Net) the paper follows gate [u; c].</summary>
    ClipAndQuery,
    /// <summary>[h_j; q_m / |q_m|; h_j * q_m / |q_m|]: adds the elementwise product, a direct relevance cue.</summary>
    ClipQueryAndProduct,
}

/// <summary>
/// PREM's focus-then-fuse moment localizer (the second stage): defaults are the paper's. Its own query and video
/// encoders (as the retriever's, no weight sharing); per modality m a gate sigmoid(FC(h_j, q_m)) multiplied into each
/// clip (focus); an FC over the concatenated gated image and subtitle clip (fuse); a 2-layer transformer whose layers
/// attend over the clips and cross-attend to the query words; two 1-D convolution heads for start and end. Trained with
/// cross-entropy under shared normalisation over the ground-truth video and 4 hard negatives from the retriever's top 100,
/// plus 0.8 x the relevant-content adversarial loss: a classifier (extra transformer, max-pool, 3-layer MLP) tells
/// segments with IoU &gt; 0.7 with the ground truth from the top-5 predicted moments of each negative video (BCE); it is
/// used in training only. Training: 15 epochs, batch 32, AdamW lr 1e-4, weight decay 0.01 (the trainer's options).
/// </summary>
/// <remarks>
/// Choices where the paper is silent, and why:
/// <list type="bullet">
/// <item>Gate: a vector gate (one sigmoid per hidden unit, as R-Net's) from <see cref="GateInput.ClipAndQuery"/>; the
/// product variant is <see cref="Gate"/>.</item>
/// <item>Fusion FC: a plain Linear(2d, d) over [gated image clip; gated subtitle clip]; the fusion transformer's
/// residual LayerNorms normalise it. With one modality (the "without text/image" rows) there is nothing to fuse: the
/// gated clips of that modality go on directly.</item>
/// <item>Boundary heads: CONQUER's ConvSE (Conv1d d -> 128, kernel 5, ReLU, Conv1d 128 -> 1), the two-stage VCMR
/// localizer PREM compares with; start and end heads read the same fused clips.</item>
/// <item>Adversarial classifier: its transformer is one BERT layer of the model's sizes (<see cref="AdversarialLayers"/>;
/// 0 max-pools the clips directly), run over the segment's clips of the fusion transformer's output, whose gradient
/// the BCE loss reaches (the classifier shapes the localizer's representation; that is what makes it enhance
/// training). The MLP is d -> d -> d -> 1 with ReLU.</item>
/// <item>Segments: positives are all the ground-truth video's segments (i, j) with clip IoU &gt; 0.7 (about 15 for a
/// 7-clip moment; <see cref="AdversarialPositives"/> caps them by a uniform draw); negatives are the
/// <see cref="AdversarialNegativesPerVideo"/> best spans by P_st(i) P_ed(j) of each negative video under the span window
/// (<see cref="MinSpan"/>, <see cref="MaxSpan"/>: TVR's, as at inference), from the current, detached predictions.</item>
/// <item>Without shared normalisation, the start/end softmax runs over the ground-truth video alone; the negatives are
/// still sampled, since the adversarial loss reads them.</item>
/// </list>
/// </remarks>
public sealed record PremLocalizerConfig : PremEncoderConfig
{
    /// <summary>The paper's configuration.</summary>
    public static PremLocalizerConfig Paper { get; } = new();

    /// <summary>Reads the image clips (false: the ablation row "without image").</summary>
    public bool UseImage { get; init; } = true;
    /// <summary>Reads the subtitle clips (false: the ablation row "without text").</summary>
    public bool UseSubtitle { get; init; } = true;
    /// <summary>Modality-specific gates (false: the ablation row "without modality-specific gates").</summary>
    public bool ModalityGates { get; init; } = true;
    public GateInput Gate { get; init; } = GateInput.ClipAndQuery;
    /// <summary>Layers of the fusion transformer, each self-attention over clips + cross-attention to the query words +
    /// feed-forward (the paper: 2).</summary>
    public int FusionLayers { get; init; } = 2;
    /// <summary>Channels of the boundary heads' first convolution (CONQUER's 128).</summary>
    public int BoundaryChannels { get; init; } = 128;
    /// <summary>Kernel of the boundary heads' first convolution (CONQUER's 5; odd).</summary>
    public int BoundaryKernelSize { get; init; } = 5;
    /// <summary>Start/end softmax over the ground-truth video and its negatives (false: the ablation row "without
    /// shared normalization").</summary>
    public bool SharedNormalization { get; init; } = true;
    /// <summary>Relevant-content adversarial training (false: the ablation row "without adversarial training").</summary>
    public bool Adversarial { get; init; } = true;
    /// <summary>Weight of the adversarial BCE in the localizer loss (the paper: 0.8).</summary>
    public double AdversarialWeight { get; init; } = 0.8;
    /// <summary>A ground-truth segment is a positive when its IoU with the moment exceeds this (the paper: 0.7).</summary>
    public double AdversarialIou { get; init; } = 0.7;
    /// <summary>Negatives per negative video: its top predicted moments (the paper: 5).</summary>
    public int AdversarialNegativesPerVideo { get; init; } = 5;
    /// <summary>Positive segments per query, drawn uniformly from those with IoU above the threshold; null takes them
    /// all (the paper: all).</summary>
    public int? AdversarialPositives { get; init; }
    /// <summary>BERT layers of the classifier's transformer (0: max-pool the segment's clips directly).</summary>
    public int AdversarialLayers { get; init; } = 1;
    /// <summary>Span window of the predicted moments, min_pred_l &lt;= j - i &lt; max_pred_l in clips (TVR's 2 and 16,
    /// as <c>CorpusInferenceOptions.Prem</c>).</summary>
    public int MinSpan { get; init; } = 2;
    public int MaxSpan { get; init; } = 16;

    public int ModalityCount => (UseImage ? 1 : 0) + (UseSubtitle ? 1 : 0);

    /// <summary>Throws naming the first invalid key.</summary>
    public PremLocalizerConfig Validate()
    {
        ValidateEncoders();
        if (!UseImage && !UseSubtitle) Fail(nameof(UseImage), $"both {nameof(UseImage)} and {nameof(UseSubtitle)} are false: the localizer reads nothing");
        Defined(Gate, nameof(Gate));
        Positive(FusionLayers, nameof(FusionLayers));
        Positive(BoundaryChannels, nameof(BoundaryChannels));
        if (BoundaryKernelSize < 1 || BoundaryKernelSize % 2 == 0) Fail(nameof(BoundaryKernelSize), $"{BoundaryKernelSize} must be odd and >= 1");
        NonNegative(AdversarialWeight, nameof(AdversarialWeight));
        if (!(AdversarialIou >= 0 && AdversarialIou < 1)) Fail(nameof(AdversarialIou), $"{AdversarialIou} must be in [0, 1)");
        Positive(AdversarialNegativesPerVideo, nameof(AdversarialNegativesPerVideo));
        if (AdversarialPositives is int p) Positive(p, nameof(AdversarialPositives));
        if (AdversarialLayers < 0) Fail(nameof(AdversarialLayers), $"{AdversarialLayers} must be >= 0");
        if (MinSpan < 0) Fail(nameof(MinSpan), $"{MinSpan} must be >= 0");
        if (MaxSpan <= MinSpan) Fail(nameof(MaxSpan), $"{MaxSpan} must be > {nameof(MinSpan)}={MinSpan}");
        return this;
    }
}
