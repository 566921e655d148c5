using System.Numerics;
using TorchSharp;

namespace Vcmr.Evaluation;

/// <summary>
/// Text-to-video and video-to-text retrieval metrics from a similarity matrix S[text, video] (TextVR's
/// <c>sim_matrix.npy</c> layout; Dual Encoding's t2i/i2t): R@1/5/10/50, median and mean rank, mAP.
/// <para>
/// Ranks follow TextVR's model/metric.py exactly. The 0-based rank of a ground-truth cell with value v in its row
/// (text-to-video) or column (video-to-text) is the average of the positions that v occupies in the sorted list:
/// <c>rank0 = (#cells &gt; v) + (#cells == v - 1) / 2</c>, the tie averaging of McSherry and Najork, so a constant
/// matrix does not score perfectly. Then, as cols2metrics: R@1 counts rank0 == 0 (a GT tied with another cell at
/// the top, rank0 = 0.5, is NOT a hit at 1), R@k for k &gt; 1 counts rank0 &lt; k (rank0 = 4.5 is a hit at 5),
/// MedR = median(rank0) + 1 (middle pair averaged) and MeanR = mean(rank0) + 1. Video-to-text ranks a video by its
/// best-ranked caption (minimum rank0 over the texts whose ground truth it is); videos that are nobody's ground
/// truth are not queries. NaN cells rank below everything (NumPy sorts them last); a NaN ground-truth cell is an
/// error (TextVR's script would fail an assertion there).
/// </para>
/// <para>
/// MedR is not floored (Dual Encoding's evaluation.py floors the median; the two differ only when the median falls
/// between two ranks). mAP (not in TextVR; Dual Encoding's t2i_map / i2t_map, which break ties by argsort order)
/// uses the same tie treatment as the ranks: a relevant item in a tie group of t
/// cells after p higher ones sits at its expected position; the q-th of m relevant items in that group at
/// p + q (t + 1) / (m + 1), and AP is the mean over relevant items of (relevant items up to it) / position. With one
/// relevant item per query (every text-to-video query, and video-to-text with one caption per video) mAP is the
/// mean reciprocal rank, 1 / (rank0 + 1). Without ties all of this is the usual rank, recall and AP.
/// </para>
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>Counts are accumulated in the matrix's element type; float32 counts are exact up to 2^24.</summary>
    private const int MaxDimension = 1 << 24;

    /// <summary>
    /// Scores both directions. <paramref name="gtVideo"/>[row] is the ground-truth column of each text; null means
    /// TextVR's default: with k = rows / columns captions per video, text i belongs to video i / k (the diagonal
    /// when square).
    /// </summary>
    public static RetrievalResult Evaluate(SimilarityMatrix sims, IReadOnlyList<int>? gtVideo = null)
    {
        ArgumentNullException.ThrowIfNull(sims);
        int[] gt = gtVideo == null ? DefaultGroundTruth(sims.Rows, sims.Cols) : CheckGroundTruth(gtVideo, sims.Rows, sims.Cols);
        if (sims.Rows >= MaxDimension || sims.Cols >= MaxDimension)
            throw new ArgumentException($"a {sims.Rows} x {sims.Cols} matrix is too large to rank (each side must be below {MaxDimension})");
        return sims.Float32 != null ? Evaluate<float>(sims.Float32, sims.Rows, sims.Cols, gt) : Evaluate<double>(sims.Float64!, sims.Rows, sims.Cols, gt);
    }

    /// <summary>The same from a 2-D float32/float64 tensor on any device (copied to the CPU once).</summary>
    public static RetrievalResult Evaluate(torch.Tensor sims, IReadOnlyList<int>? gtVideo = null)
    {
        ArgumentNullException.ThrowIfNull(sims);
        if (sims.dim() != 2) throw new ArgumentException($"expected a 2-D similarity matrix, got shape [{string.Join(", ", sims.shape)}]", nameof(sims));
        using var scope = torch.NewDisposeScope();
        var cpu = sims.detach().cpu().contiguous();
        int rows = (int)sims.shape[0], cols = (int)sims.shape[1];
        var matrix = cpu.dtype == torch.float64 ? new SimilarityMatrix(cpu.data<double>().ToArray(), rows, cols)
            : new SimilarityMatrix(cpu.to(torch.float32).data<float>().ToArray(), rows, cols);
        return Evaluate(matrix, gtVideo);
    }

    /// <summary>TextVR's layout: rows / cols captions per video, in video order; rows must be a multiple of cols.</summary>
    public static int[] DefaultGroundTruth(int rows, int cols)
    {
        if (rows == 0 || cols == 0 || rows % cols != 0)
            throw new ArgumentException($"a {rows} x {cols} matrix has no default ground truth (rows must be a non-zero multiple of columns): give the ground-truth video of every row");
        int perVideo = rows / cols;
        return Enumerable.Range(0, rows).Select(i => i / perVideo).ToArray();
    }

    private static int[] CheckGroundTruth(IReadOnlyList<int> gt, int rows, int cols)
    {
        if (gt.Count != rows) throw new ArgumentException($"ground truth has {gt.Count} entries for {rows} rows");
        if (rows == 0) throw new ArgumentException("the similarity matrix has no rows");
        var bad = Enumerable.Range(0, rows).Where(r => gt[r] < 0 || gt[r] >= cols).ToList();
        if (bad.Count > 0)
            throw new ArgumentException($"ground truth: {bad.Count} rows point outside the {cols} columns (first: {string.Join(", ", bad.Take(5).Select(r => $"row {r} -> {gt[r]}"))})");
        return gt.ToArray();
    }

    private static RetrievalResult Evaluate<T>(T[] s, int rows, int cols, int[] gt) where T : unmanaged, INumber<T>
    {
        var nan = Enumerable.Range(0, rows).Where(r => T.IsNaN(s[(long)r * cols + gt[r]])).ToList();
        if (nan.Count > 0)
            throw new ArgumentException($"{nan.Count} ground-truth cells are NaN (first: {string.Join(", ", nan.Take(5).Select(r => $"[{r}, {gt[r]}]"))})");

        var (rowAbove, rowSame) = TieCounts.AlongRows<T>(s, rows, cols, gt);
        var textRanks = new double[rows];
        var textAp = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            textRanks[r] = AveragedRank(rowAbove[r], rowSame[r]);
            textAp[r] = 1 / (textRanks[r] + 1);
        }

        var (colAbove, colSame) = TieCounts.AlongColumns<T>(s, rows, cols, gt);
        var videoRanks = new List<double>();
        var videoAp = new List<double>();
        foreach (var captions in Enumerable.Range(0, rows).GroupBy(r => gt[r]).OrderBy(g => g.Key))
        {
            // best caption first: fewest higher cells, then (same value) the tie group's members together
            var ordered = captions.OrderBy(r => colAbove[r]).ToArray();
            videoRanks.Add(ordered.Min(r => AveragedRank(colAbove[r], colSame[r])));
            videoAp.Add(AveragePrecision(ordered.Select(r => (colAbove[r], colSame[r])).ToArray()));
        }
        return new RetrievalResult(Scores(textRanks, textAp), Scores([.. videoRanks], [.. videoAp]));
    }

    /// <summary>TextVR's column position of the GT: the mean of the positions its value occupies after sorting.</summary>
    private static double AveragedRank(int above, int same) => above + (same - 1) / 2.0;

    /// <summary>AP over relevant items given (cells above, cells equal) each, sorted by cells above; see the class docs.</summary>
    private static double AveragePrecision((int Above, int Same)[] relevant)
    {
        double sum = 0;
        int before = 0;
        for (int i = 0; i < relevant.Length;)
        {
            int end = i;
            while (end < relevant.Length && relevant[end].Above == relevant[i].Above) end++;
            int m = end - i;
            var (p, t) = relevant[i];
            for (int q = 1; q <= m; q++) sum += (before + q) / (p + q * (t + 1.0) / (m + 1));
            before += m;
            i = end;
        }
        return sum / relevant.Length;
    }

    private static RetrievalScores Scores(double[] rank0, double[] ap)
    {
        int n = rank0.Length;
        double Recall(int k) => 100.0 * rank0.Count(r => k == 1 ? r == 0 : r < k) / n;
        var sorted = rank0.Order().ToArray();
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new RetrievalScores(n, Recall(1), Recall(5), Recall(10), Recall(50), median + 1, rank0.Average() + 1, ap.Average());
    }
}
