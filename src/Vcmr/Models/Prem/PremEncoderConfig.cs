namespace Vcmr.Models.Prem;

/// <summary>How a query's word representations become the query vector(s) of each modality (the paper's pooling
/// ablation).</summary>
public enum QueryPooling
{
    /// <summary>Mean over the words: one vector, used for both modalities.</summary>
    Mean,
    /// <summary>Max over the words per dimension: one vector, used for both modalities.</summary>
    Max,
    /// <summary>PREM's modality-specific pooling: per modality a FC layer scores each word, a softmax over the words
    /// gives weights, their weighted sum is that modality's query (q_img, q_sub).</summary>
    ModalitySpecific,
}

/// <summary>
/// Settings both PREM modules share: inputs, the query word transformer, the modality pooling and the multi-modal
/// video transformer (PREM, "Improving Video Corpus Moment Retrieval with Partial Relevance Enhancement", ICMR 2024). The retriever and the localizer are trained separately, each with its own encoders and its own
/// config (<see cref="PremRetrieverConfig"/>, <see cref="PremLocalizerConfig"/>).
/// </summary>
/// <remarks>
/// The paper states the inputs, the hidden, intermediate and head sizes and that its transformers are vanilla
/// (self-attention + feed-forward). What it leaves open is taken from ReLoCLNet and XML, whose code base and features
/// PREM reuses and compares with: every input goes through TVR's LinearLayer (LayerNorm, dropout 0.1, FC, ReLU) to the
/// hidden size; transformer layers are BERT layers (post-LayerNorm, GELU, dropout 0.1); weights are initialised
/// N(0, 0.02) with zero biases. The query gets learned position embeddings; the video's image and subtitle clips get
/// position embeddings 0..L-1 each plus a modality embedding (0 image, 1 subtitle) and are encoded jointly as one
/// sequence of 2L clips, so attention runs within and across modalities, then split back into h_img and h_sub.
/// </remarks>
public abstract record PremEncoderConfig
{
    /// <summary>Image clip feature size: ResNet-152 (2048) + SlowFast (2304), max-pooled per 1.5 s clip (the paper's inputs).</summary>
    public int VisualDim { get; init; } = 4352;
    /// <summary>RoBERTa query token and subtitle clip feature size (subtitle tokens max-pooled per clip).</summary>
    public int TextDim { get; init; } = 768;
    /// <summary>Hidden size of every transformer (the paper: 384).</summary>
    public int HiddenSize { get; init; } = 384;
    /// <summary>Feed-forward size of every transformer (the paper: 1536).</summary>
    public int IntermediateSize { get; init; } = 1536;
    /// <summary>Attention heads of every transformer (the paper: 4).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Layers of the query word transformer and of the multi-modal video transformer (paper: one each).</summary>
    public int EncoderLayers { get; init; } = 1;
    /// <summary>Dropout of the input projections (ReLoCLNet's input_drop; the paper does not say).</summary>
    public double InputDropout { get; init; } = 0.1;
    /// <summary>Dropout inside the transformers (ReLoCLNet's drop; the paper does not say).</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Clips per video (TVR's max_ctx_l).</summary>
    public int MaxContextLength { get; init; } = 100;
    /// <summary>Query tokens (TVR's max_desc_l).</summary>
    public int MaxQueryLength { get; init; } = 30;
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>LayerNorm epsilon of every transformer (torch's default, as TVR's and CONQUER's).</summary>
    public const double LayerNormEps = 1e-5;
    /// <summary>Query pooling (paper: modality-specific; mean and max are its ablation rows).</summary>
    public QueryPooling Pooling { get; init; } = QueryPooling.ModalitySpecific;

    /// <summary>Throws naming the first invalid shared key, prefixed with the config's type name.</summary>
    protected void ValidateEncoders()
    {
        Positive(VisualDim, nameof(VisualDim));
        Positive(TextDim, nameof(TextDim));
        Positive(HiddenSize, nameof(HiddenSize));
        Positive(IntermediateSize, nameof(IntermediateSize));
        Positive(Heads, nameof(Heads));
        if (HiddenSize % Heads != 0) Fail(nameof(HiddenSize), $"{HiddenSize} is not a multiple of {nameof(Heads)}={Heads}");
        Positive(EncoderLayers, nameof(EncoderLayers));
        Probability(InputDropout, nameof(InputDropout));
        Probability(Dropout, nameof(Dropout));
        Positive(MaxContextLength, nameof(MaxContextLength));
        Positive(MaxQueryLength, nameof(MaxQueryLength));
        if (!(InitializerRange > 0)) Fail(nameof(InitializerRange), $"{InitializerRange} must be > 0");
        Defined(Pooling, nameof(Pooling));
    }

    protected void Positive(int v, string key) { if (v <= 0) Fail(key, $"{v} must be > 0"); }
    protected void Positive(double v, string key) { if (!(v > 0) || !double.IsFinite(v)) Fail(key, $"{v} must be > 0 and finite"); }
    protected void NonNegative(double v, string key) { if (!(v >= 0) || !double.IsFinite(v)) Fail(key, $"{v} must be >= 0 and finite"); }
    protected void Probability(double v, string key) { if (!(v >= 0 && v < 1)) Fail(key, $"{v} must be in [0, 1)"); }
    protected void Defined<TEnum>(TEnum v, string key) where TEnum : struct, Enum { if (!Enum.IsDefined(v)) Fail(key, $"{v} is not a {typeof(TEnum).Name}"); }
    protected void Fail(string key, string why) => throw new ArgumentException($"{GetType().Name}.{key}: {why}", key);
}
