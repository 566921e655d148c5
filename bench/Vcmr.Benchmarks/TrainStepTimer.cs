using System.Diagnostics;
using Vcmr.Data;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Benchmarks;

/// <summary>What the training benchmarks share: random inputs at a paper shape, and timing optimiser steps on them.</summary>
internal static class TrainStepTimer
{
    /// <summary><paramref name="n"/> random queries of <paramref name="lq"/> tokens, all unmasked.</summary>
    public static QueryBatch Queries(int n, int lq, int textDim) =>
        new(Enumerable.Range(0, n).ToList(), randn(n, lq, textDim), ones(n, lq));

    /// <summary><paramref name="n"/> random videos of <paramref name="l"/> clips (visual and subtitle), all unmasked;
    /// <paramref name="normalizeVisual"/> L2-normalises the visual features per clip as CONQUER's loader does.</summary>
    public static ContextBatch Videos(int n, int l, int visualDim, int textDim, bool normalizeVisual = false)
    {
        var visual = randn(n, l, visualDim);
        return new(Enumerable.Range(0, n).Select(i => $"v{i}").ToList(), normalizeVisual ? nn.functional.normalize(visual, dim: -1) : visual,
            randn(n, l, textDim), ones(n, l));
    }

    /// <summary>Times <paramref name="steps"/> optimiser steps after a warm-up, each on a fresh batch whose FLOPs are counted
    /// before its clock starts; records per-stage seconds, queries/s and the share of the floor under keys prefixed
    /// with <paramref name="name"/> (none when empty).</summary>
    public static void Time<TBatch>(string name, IOptimizer optimizer, Func<TBatch> batch, Func<TBatch, Tensor> loss, int queries,
        Func<TBatch, double> flopsOf, int steps, double floor, Dictionary<string, object> result) where TBatch : IDisposable
    {
        var stages = new double[3]; // forward + loss, backward, optimiser
        var perStep = new List<double>();
        double flops = 0;
        void Step()
        {
            using var scope = NewDisposeScope();
            using var b = batch();
            flops += flopsOf(b);
            var clock = Stopwatch.StartNew();
            var total = Stopwatch.StartNew();
            void Lap(int stage) { stages[stage] += clock.Elapsed.TotalSeconds; clock.Restart(); }
            optimizer.ZeroGrad();
            var value = loss(b);
            Lap(0);
            value.backward();
            Lap(1);
            optimizer.Step();
            Lap(2);
            perStep.Add(total.Elapsed.TotalSeconds);
        }
        Step(); // warm-up
        Array.Clear(stages);
        perStep.Clear();
        flops = 0;
        for (int s = 0; s < steps; s++) Step();
        double sec = perStep.Average(), f = flops / steps;
        string p = name.Length == 0 ? "" : name + "_";
        result[$"{p}batch"] = queries;
        result[$"{p}seconds_per_step"] = Math.Round(sec, 3);
        result[$"{p}seconds_per_step_min_max"] = $"{perStep.Min():F2}-{perStep.Max():F2}";
        result[$"{p}forward_loss_s"] = Math.Round(stages[0] / steps, 3);
        result[$"{p}backward_s"] = Math.Round(stages[1] / steps, 3);
        result[$"{p}optimizer_s"] = Math.Round(stages[2] / steps, 3);
        result[$"{p}queries_per_s"] = Math.Round(queries / sec, 2);
        result[$"{p}gflop_per_step"] = Math.Round(f / 1e9, 1);
        result[$"{p}gflops"] = Math.Round(f / sec / 1e9, 1);
        result[$"{p}percent_of_floor"] = Math.Round(100 * f / sec / 1e9 / floor, 1);
    }
}
