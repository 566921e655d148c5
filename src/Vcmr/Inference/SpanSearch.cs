using static TorchSharp.torch;

namespace Vcmr.Inference;

/// <summary>
/// The best spans of each query over its candidate videos under the length window MinSpan &lt;= j - i &lt; MaxSpan
/// (the reference's generate_min_max_length_mask). Only the band of valid spans is built, (Nq, K, L, MaxSpan -
/// MinSpan) instead of the reference's (Nq, K, L, L) product times the mask: 7x less memory and top-k input on TVR,
/// same candidates.
/// </summary>
public static class SpanSearch
{
    /// <summary>Queries per band: bounds the (rows, K, L, MaxSpan - MinSpan) tensor.</summary>
    private const int SpanRows = 64;

    /// <summary>Sum scores at or below this touch padding (masked logits sit at -1e10) or a removed video.</summary>
    public const float AdditiveFloor = -1e9f;

    /// <summary>For each query, the MaxBeforeNms best (video slot, i, j, score), best first; spans on padding (product
    /// score 0, sum at or below <see cref="AdditiveFloor"/>) are left out.</summary>
    public static List<(int Slot, int Start, int End, float Score)>[] Top(SpanScores scores, CorpusInferenceOptions options)
    {
        long nq = scores.Start.shape[0];
        var result = new List<(int, int, int, float)>[nq];
        for (long r = 0; r < nq; r += SpanRows)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(SpanRows, nq - r);
            TopOfBand(Rows(scores, r, n), options).CopyTo(result, r);
        }
        return result;
    }

    /// <summary>(Nq, K): each video's best span score (CONQUER disjoint's VR score).</summary>
    public static Tensor BestPerVideo(SpanScores scores, CorpusInferenceOptions options)
    {
        long nq = scores.Start.shape[0];
        var best = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (long r = 0; r < nq; r += SpanRows)
            best.Add(Band(Rows(scores, r, Math.Min(SpanRows, nq - r)), options).amax([2, 3]));
        return cat(best, 0).MoveToOuterDisposeScope();
    }

    private static SpanScores Rows(SpanScores s, long r, long n) =>
        s with { Start = s.Start.narrow(0, r, n), End = s.End.narrow(0, r, n), Video = s.Video.narrow(0, r, n) };

    // (n, K, L, width): band[.., i, d] scores span (i, i + MinSpan + d); spans past the last clip read the padding
    // (0 for a product, -inf for a sum).
    private static Tensor Band(SpanScores s, CorpusInferenceOptions options)
    {
        long l = s.Start.shape[2];
        int width = options.MaxSpan - options.MinSpan;
        var window = (s.Additive ? nn.functional.pad(s.End, [0, options.MaxSpan], value: double.NegativeInfinity)
            : nn.functional.pad(s.End, [0, options.MaxSpan])).unfold(-1, width, 1).narrow(2, options.MinSpan, l);
        var video = s.Video.unsqueeze(2).unsqueeze(3);
        return s.Additive ? s.Start.unsqueeze(3) + video + window : s.Start.unsqueeze(3) * video * window;
    }

    private static List<(int Slot, int Start, int End, float Score)>[] TopOfBand(SpanScores s, CorpusInferenceOptions options)
    {
        long nq = s.Start.shape[0], k = s.Start.shape[1], l = s.Start.shape[2];
        int width = options.MaxSpan - options.MinSpan;
        var band = Band(s, options);
        int top = (int)Math.Min(options.MaxBeforeNms, k * l * width);
        // reshape: the product takes its layout from the unfolded window, which is not contiguous when MaxSpan exceeds L
        var (values, flat) = band.reshape(nq, -1).topk(top, dim: 1);
        var v = values.cpu().data<float>().ToArray();
        var f = flat.cpu().data<long>().ToArray();
        float floor = s.Additive ? AdditiveFloor : 0;
        var result = new List<(int, int, int, float)>[nq];
        for (int q = 0; q < nq; q++)
        {
            result[q] = new(top);
            for (int t = 0; t < top; t++)
            {
                long x = f[q * top + t];
                if (!(v[q * top + t] > floor)) break; // only spans past the end or on padding are left
                int i = (int)(x / width % l);
                result[q].Add(((int)(x / (l * width)), i, i + options.MinSpan + (int)(x % width), v[q * top + t]));
            }
        }
        return result;
    }
}
