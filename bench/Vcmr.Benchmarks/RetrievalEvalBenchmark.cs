using System.Diagnostics;
using Vcmr.Evaluation;
using Vcmr.Runtime;

namespace Vcmr.Benchmarks;

/// <summary>RetrievalMetrics.Evaluate on random float32 similarity matrices of TextVR/MSR-VTT scale, both directions.</summary>
public sealed class RetrievalEvalBenchmark : IBenchmark
{
    public string Name => "retrieval-eval";
    public string Description => "Text-video R@k/MedR/MeanR/mAP, both directions, on 10,000 x 2,000 (5 captions/video) and 10,000 x 10,000 float32; .npy write/read of the latter";

    // Per cell and direction: one greater-than and one equality compare, i.e. 4 compare ops per cell in all.
    private const int ComparesPerCell = 4;

    public IReadOnlyDictionary<string, object> Run(IReadOnlyList<string> args)
    {
        double floor = GemmFloor.MeasureGflops();
        var result = new Dictionary<string, object> { ["gemm_floor_gflops"] = Math.Round(floor, 1) };
        RetrievalMetrics.Evaluate(Matrix(200, 100)); // warm-up (JIT)
        foreach (var (rows, cols) in new[] { (10_000, 2_000), (10_000, 10_000) })
        {
            var sims = Matrix(rows, cols);
            var times = new List<double>();
            var cpuTimes = new List<double>();
            for (int r = 0; r < 3; r++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                RetrievalMetrics.Evaluate(sims);
                times.Add(sw.Elapsed.TotalSeconds);
                cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            }
            double sec = times.Order().ElementAt(1);
            double cells = (double)rows * cols;
            string key = $"{rows}x{cols}";
            result[$"{key}_ms_median_of_3"] = Math.Round(sec * 1e3, 1);
            result[$"{key}_cpu_ms_median_of_3"] = Math.Round(cpuTimes.Order().ElementAt(1) * 1e3, 1); // single-threaded: near wall time on an idle machine
            result[$"{key}_gcompares_per_s"] = Math.Round(ComparesPerCell * cells / sec / 1e9, 2);
            result[$"{key}_matrix_gb_per_s"] = Math.Round(2 * 4 * cells / sec / 1e9, 2); // the matrix is read once per direction
            result[$"{key}_compares_percent_of_gemm_floor"] = Math.Round(100 * ComparesPerCell * cells / sec / 1e9 / floor, 1);
            if (rows == cols) NpyRoundTrip(sims, result);
        }
        result["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 >> 20;
        return result;
    }

    /// <summary>Writes the matrix as sim_matrix.npy and reads it back (the TextVR submission round trip).</summary>
    private static void NpyRoundTrip(SimilarityMatrix sims, Dictionary<string, object> result)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-bench").FullName, "sim_matrix.npy");
        try
        {
            var sw = Stopwatch.StartNew();
            NpyFile.Write(path, sims);
            result["npy_write_ms"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            sw.Restart();
            var back = NpyFile.Read(path);
            result["npy_read_ms"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            result["npy_mb"] = Math.Round(new FileInfo(path).Length / 1e6, 1);
            if (!back.Float32!.AsSpan().SequenceEqual(sims.Float32)) throw new InvalidOperationException("the .npy round trip changed the matrix");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static SimilarityMatrix Matrix(int rows, int cols)
    {
        var rng = new Random(0);
        var data = new float[rows * cols];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        return new SimilarityMatrix(data, rows, cols);
    }
}
