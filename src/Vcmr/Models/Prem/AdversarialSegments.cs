using TorchSharp;
using static TorchSharp.torch;

namespace Vcmr.Models.Prem;

/// <summary>
/// The segments PREM's adversarial classifier learns from, for a localizer batch of queries each with its ground-truth
/// video (slot 0) and negative videos: positives are the ground-truth video's segments whose clip IoU with the moment
/// exceeds <see cref="PremLocalizerConfig.AdversarialIou"/> (at most <see cref="PremLocalizerConfig.AdversarialPositives"/>
/// drawn uniformly); negatives are each negative video's top <see cref="PremLocalizerConfig.AdversarialNegativesPerVideo"/>
/// spans by P_st(i) P_ed(j) under the span window, from the localizer's current (detached) logits.
/// </summary>
public static class AdversarialSegments
{
    /// <summary>Temporal IoU of two clip spans with inclusive ends.</summary>
    public static double Iou(int start1, int end1, int start2, int end2)
    {
        int overlap = Math.Max(0, Math.Min(end1, end2) - Math.Max(start1, start2) + 1);
        return (double)overlap / (end1 - start1 + 1 + end2 - start2 + 1 - overlap);
    }

    /// <summary>Every span (i, j), 0 &lt;= i &lt;= j &lt; <paramref name="clips"/>, whose IoU with the moment
    /// [<paramref name="start"/>, <paramref name="end"/>] exceeds <paramref name="threshold"/>, by start then end.</summary>
    public static List<(int Start, int End)> Positives(int start, int end, int clips, double threshold)
    {
        if (start < 0 || end < start || end >= clips)
            throw new ArgumentOutOfRangeException(nameof(end), $"moment [{start}, {end}] is not inside a video of {clips} clips");
        // A span above the threshold overlaps the moment and its union with it is at most len / threshold clips long, so
        // its ends lie within that reach of the moment's.
        int len = end - start + 1;
        int reach = threshold > 0 ? (int)Math.Ceiling(len / threshold) : clips;
        var spans = new List<(int, int)>();
        for (int i = Math.Max(0, start - reach); i <= end; i++)
            for (int j = Math.Max(i, start); j <= Math.Min(clips - 1, end + reach); j++)
                if (Iou(i, j, start, end) > threshold) spans.Add((i, j));
        return spans;
    }

    /// <summary>The <paramref name="k"/> best spans of each video by P_st(i) P_ed(j) (per-video softmax of the logits)
    /// with minSpan &lt;= j - i &lt; maxSpan, best first: start and end clip (V, k) and whether the span is real (V, k)
    /// (false for a slot a short video cannot fill).</summary>
    /// <param name="startLogits">(V, L) masked start logits.</param>
    /// <param name="endLogits">(V, L) masked end logits.</param>
    public static (Tensor Start, Tensor End, Tensor Valid) TopSpans(Tensor startLogits, Tensor endLogits, int minSpan, int maxSpan, int k)
    {
        using var scope = NewDisposeScope();
        long v = startLogits.shape[0], l = startLogits.shape[1];
        int width = maxSpan - minSpan;
        var band = softmax(startLogits, -1).unsqueeze(2) * EndWindow(softmax(endLogits, -1), minSpan, maxSpan); // (V, L, W)
        var (values, flat) = band.view(v, -1).topk((int)Math.Min(k, l * width), dim: 1);
        var start = flat.div(width, rounding_mode: RoundingMode.floor);
        var end = start + minSpan + flat.remainder(width);
        // Probabilities of real clips are > 0; spans past the end or on padding score 0 (or underflow to it).
        return (start.MoveToOuterDisposeScope(), end.MoveToOuterDisposeScope(), (values > 0).MoveToOuterDisposeScope());
    }

    // (V, L, maxSpan - minSpan): window[v, i, d] is end[v, i + minSpan + d], 0 past the last clip.
    private static Tensor EndWindow(Tensor end, int minSpan, int maxSpan) =>
        nn.functional.pad(end, [0, maxSpan]).unfold(-1, maxSpan - minSpan, 1).narrow(-2, minSpan, end.shape[^1]);

    /// <summary>The batch's segments (rows index the flattened (queries x videos) sequences).</summary>
    /// <param name="startLogits">(N, V, L) start logits (detached), slot 0 the ground-truth video.</param>
    /// <param name="endLogits">(N, V, L) end logits (detached).</param>
    /// <param name="mask">(N, V, L) clip masks.</param>
    /// <param name="startLabels">(N) the moment's first clip in the ground-truth video.</param>
    /// <param name="endLabels">(N) its last clip (inclusive).</param>
    public static Segments Sample(PremLocalizerConfig config, Tensor startLogits, Tensor endLogits, Tensor mask, Tensor startLabels, Tensor endLabels, Random rng)
    {
        long n = startLogits.shape[0], videos = startLogits.shape[1];
        var st = startLabels.cpu().data<long>().ToArray();
        var ed = endLabels.cpu().data<long>().ToArray();
        var clips = mask[.., 0].sum(1).to(int64).cpu().data<long>().ToArray();
        var rows = new List<long>();
        var starts = new List<long>();
        var ends = new List<long>();
        var labels = new List<float>();
        void Add(long row, long i, long j, float label) { rows.Add(row); starts.Add(i); ends.Add(j); labels.Add(label); }
        for (int q = 0; q < n; q++)
        {
            var positives = Positives((int)st[q], (int)ed[q], (int)clips[q], config.AdversarialIou);
            if (config.AdversarialPositives is int cap && positives.Count > cap) positives = Draw(positives, cap, rng);
            foreach (var (i, j) in positives) Add(q * videos, i, j, 1);
        }
        if (videos > 1)
        {
            using var scope = NewDisposeScope();
            var negatives = arange(1, videos, dtype: int64, device: startLogits.device);
            var (s, e, valid) = TopSpans(startLogits.index_select(1, negatives).flatten(0, 1), endLogits.index_select(1, negatives).flatten(0, 1),
                config.MinSpan, config.MaxSpan, config.AdversarialNegativesPerVideo);
            var sa = s.cpu().data<long>().ToArray();
            var ea = e.cpu().data<long>().ToArray();
            var va = valid.cpu().data<bool>().ToArray();
            long k = s.shape[1];
            for (long r = 0; r < s.shape[0]; r++)
                for (long t = 0; t < k; t++)
                    if (va[r * k + t]) Add(r / (videos - 1) * videos + 1 + r % (videos - 1), sa[r * k + t], ea[r * k + t], 0);
        }
        var device = startLogits.device;
        return new Segments(tensor(rows.ToArray(), device: device), tensor(starts.ToArray(), device: device),
            tensor(ends.ToArray(), device: device), tensor(labels.ToArray(), device: device));
    }

    // n entries drawn uniformly without replacement (partial Fisher-Yates), in their original order.
    private static List<(int, int)> Draw(List<(int, int)> items, int n, Random rng)
    {
        var index = Enumerable.Range(0, items.Count).ToArray();
        for (int i = 0; i < n; i++)
        {
            int j = rng.Next(i, index.Length);
            (index[i], index[j]) = (index[j], index[i]);
        }
        return index.Take(n).Order().Select(i => items[i]).ToList();
    }
}
