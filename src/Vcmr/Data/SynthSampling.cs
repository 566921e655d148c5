namespace Vcmr.Data;

/// <summary>Random draws of the synthetic corpus, shaped after TVR val (measured from ../shared/data/tvr).</summary>
internal static class SynthSampling
{
    // TVR val video durations (s) at percentiles 0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 100: the distribution is
    // bimodal (~60 s and ~91 s clips) with a long tail, which no simple parametric family matches, so durations are
    // drawn from this piecewise-linear quantile function.
    private static readonly (double P, double Seconds)[] DurationQuantiles =
    [
        (0, 8.02), (1, 44.8), (5, 56.0), (10, 58.1), (25, 60.2), (50, 69.0), (75, 90.4), (90, 92.5), (95, 96.0),
        (99, 129.2), (99.5, 154.1), (100, 184.02),
    ];

    // TVR val moment lengths are close to log-normal: median 5.06 s and 90th percentile 20.48 s give
    // mu = ln 5.06, sigma = (ln 20.48 - ln 5.06) / 1.2816 = 1.09. Events tile a video and every video gets the same
    // number of queries, so a query's event is length-biased (a video of long events has fewer of them to share its
    // queries); drawing events with a median 5% lower and sigma 3% smaller makes the query moments match TVR val
    // (three seeds of a 2,179-video corpus: median 4.96-5.19 s, 90th percentile 20.0-21.4 s).
    private static readonly double MomentMu = Math.Log(5.06 * 0.95), MomentSigma = 0.97 * (Math.Log(20.48) - Math.Log(5.06)) / 1.2816;

    public static double Duration(Random rng)
    {
        double p = 100 * rng.NextDouble();
        for (int i = 1; i < DurationQuantiles.Length; i++)
        {
            var (p1, s1) = DurationQuantiles[i];
            if (p > p1) continue;
            var (p0, s0) = DurationQuantiles[i - 1];
            return Math.Round(s0 + (s1 - s0) * (p - p0) / (p1 - p0), 2);
        }
        return DurationQuantiles[^1].Seconds;
    }

    public static double MomentLength(Random rng) => Math.Exp(MomentMu + MomentSigma * Normal(rng));

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Adds N(0, scale^2) noise to every entry; Box-Muller yields two draws per pair of uniforms.</summary>
    public static void AddGaussian(Random rng, Span<float> target, float scale)
    {
        for (int i = 0; i < target.Length; i += 2)
        {
            double r = scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())), theta = 2 * Math.PI * rng.NextDouble();
            target[i] += (float)(r * Math.Cos(theta));
            if (i + 1 < target.Length) target[i + 1] += (float)(r * Math.Sin(theta));
        }
    }

    /// <summary>n random unit vectors of width dim.</summary>
    public static float[][] Directions(Random rng, int n, int dim) =>
        Enumerable.Range(0, n).Select(_ =>
        {
            var v = new float[dim];
            AddGaussian(rng, v, 1);
            return new FeatureMatrix(v, 1, dim).L2NormalizeRows().Data;
        }).ToArray();
}
