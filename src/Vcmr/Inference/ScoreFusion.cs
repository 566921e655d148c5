using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Inference;

/// <summary>What the span search ranks, for each query over its K candidate videos: the score of span (i, j) of video
/// k is Start[k, i] * Video[k] * End[k, j], or with <paramref name="Additive"/> Start[k, i] + Video[k] + End[k, j].
/// A video term of 0 (product) or -inf (sum) removes a slot.</summary>
/// <param name="Start">(Nq, K, L)</param>
/// <param name="End">(Nq, K, L)</param>
/// <param name="Video">(Nq, K)</param>
public sealed record SpanScores(Tensor Start, Tensor End, Tensor Video, bool Additive = false);

/// <summary>
/// How a VCMR pipeline turns first-stage video scores and a localizer's logits into moment scores: XML/ExCL's
/// exp(alpha * s) * P_st * P_ed, PREM's exp(s / tau) * P_st * P_ed, CONQUER's general, exclusive and disjoint
/// similarity measures. A new fusion subclasses this record.
/// </summary>
public abstract record ScoreFusion
{
    /// <summary>Short name for tables and messages.</summary>
    public abstract string Name { get; }

    /// <summary>XML (TVR inference.py, q2c_alpha) and ExCL over MEE: exp(alpha * s) * P_st * P_ed.</summary>
    public static ScoreFusion Xml(double alpha = 20) => new ExponentialFusion("xml", alpha);

    /// <summary>PREM: exp(s / tau) * P_st * P_ed, with its contrastive temperature 0.01. At 1 / tau = 100 a cosine above
    /// 0.89 overflows float32 (exp(89) &gt; 3.4e38), so the video term is exp((s - s_best) / tau), s_best the query's best
    /// candidate: every moment score of a query is divided by the same exp(s_best / tau), so each query's ranking (all
    /// the TVR metrics read) is exp(s / tau) * P_st * P_ed's, and scores stay finite.</summary>
    public static ScoreFusion Prem(double tau = 0.01) => tau > 0 && double.IsFinite(tau) ? new ExponentialFusion("prem", 1 / tau, RelativeToBest: true)
        : throw new ArgumentOutOfRangeException(nameof(tau), tau, "PREM's temperature must be > 0");

    /// <summary>CONQUER's general similarity: r * P_st * P_ed, with r the first-stage score as given (the released
    /// HERO ranklists hold scores already through exp, so r is used as is).</summary>
    public static ScoreFusion ConquerGeneral { get; } = new ProductFusion();

    /// <summary>CONQUER's exclusive similarity: r = softmax over the K candidates of the localizer's video logits; the
    /// VR list is re-ranked by r.</summary>
    public static ScoreFusion ConquerExclusive { get; } = new ExclusiveFusion();

    /// <summary>CONQUER's disjoint similarity: b_i + e_j on the raw logits (comparable across videos through
    /// shared-normalisation training); a video's VR score is its best valid span.</summary>
    public static ScoreFusion ConquerDisjoint { get; } = new DisjointFusion();

    /// <summary>Span scores of each query over its candidates.</summary>
    /// <param name="firstStage">(Nq, K) first-stage scores of the candidates; null for SVMR (the ground-truth video
    /// alone), where the video term is neutral.</param>
    /// <param name="valid">(Nq, K) bool, false where a ragged candidate list has no video; null when all are.</param>
    public abstract SpanScores Fuse(MomentLogits logits, Tensor? firstStage, Tensor? valid);

    /// <summary>(Nq, K) scores that order the VR list when this fusion re-ranks the first stage; null keeps the
    /// first-stage order, scored by the video term.</summary>
    public virtual Tensor? RankVideos(SpanScores scores, CorpusInferenceOptions options) => null;

    /// <summary>Ones (or zeros for a sum) where <paramref name="logits"/> has its candidates: SVMR's neutral video term.</summary>
    protected static Tensor Neutral(MomentLogits logits, double value) =>
        full(logits.Start.shape[0], logits.Start.shape[1], value, device: logits.Start.device);

    protected static Tensor Keep(Tensor video, Tensor? valid, double removed) => valid is null ? video : video.masked_fill(valid.logical_not(), removed);
}

/// <summary>exp(Alpha * s) * P_st * P_ed; with <paramref name="RelativeToBest"/> exp(Alpha * (s - s_best)) * P_st * P_ed,
/// s_best the query's best candidate (the same ranking per query, finite for any Alpha).</summary>
public sealed record ExponentialFusion(string FusionName, double Alpha, bool RelativeToBest = false) : ScoreFusion
{
    public override string Name => FusionName;

    public override SpanScores Fuse(MomentLogits logits, Tensor? firstStage, Tensor? valid)
    {
        if (!double.IsFinite(Alpha)) throw new ArgumentException($"ScoreFusion {Name}: alpha {Alpha} is not finite");
        var (st, ed) = logits.Probabilities();
        if (firstStage is null) return new SpanScores(st, ed, Neutral(logits, 1));
        var s = RelativeToBest ? firstStage - Keep(firstStage, valid, double.NegativeInfinity).amax([1], keepdim: true) : firstStage;
        return new SpanScores(st, ed, Keep(exp(s * Alpha), valid, 0));
    }
}

/// <summary>r * P_st * P_ed with the first-stage score r as given.</summary>
public sealed record ProductFusion : ScoreFusion
{
    public override string Name => "conquer-general";

    public override SpanScores Fuse(MomentLogits logits, Tensor? firstStage, Tensor? valid)
    {
        var (st, ed) = logits.Probabilities();
        return new SpanScores(st, ed, firstStage is null ? Neutral(logits, 1) : Keep(firstStage, valid, 0));
    }
}

/// <summary>softmax over the candidates of the localizer's video logits, times P_st * P_ed; VR re-ranked by it.</summary>
public sealed record ExclusiveFusion : ScoreFusion
{
    public override string Name => "conquer-exclusive";

    public override SpanScores Fuse(MomentLogits logits, Tensor? firstStage, Tensor? valid)
    {
        var video = logits.Video ?? throw new InvalidOperationException(
            $"ScoreFusion {Name} needs a localizer that scores its candidate videos (MomentLogits.Video is null)");
        var (st, ed) = logits.Probabilities();
        return new SpanScores(st, ed, softmax(Keep(video, valid, double.NegativeInfinity), -1));
    }

    public override Tensor? RankVideos(SpanScores scores, CorpusInferenceOptions options) => scores.Video;
}

/// <summary>b_i + e_j on the raw logits; a video's VR score is its best span.</summary>
public sealed record DisjointFusion : ScoreFusion
{
    public override string Name => "conquer-disjoint";

    public override SpanScores Fuse(MomentLogits logits, Tensor? firstStage, Tensor? valid) =>
        new(logits.Start, logits.End, Keep(Neutral(logits, 0), valid, double.NegativeInfinity), Additive: true);

    public override Tensor? RankVideos(SpanScores scores, CorpusInferenceOptions options) => SpanSearch.BestPerVideo(scores, options);
}
