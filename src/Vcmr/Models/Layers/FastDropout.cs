using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>
/// Inverted dropout, as nn.Dropout: in training each element is zeroed with probability p and the rest are scaled
/// by 1 / (1 - p); in evaluation the input passes unchanged. On the CPU the mask is drawn here, in parallel chunks,
/// instead of by libtorch's bernoulli_, which fills it serially: 184 ms for one 30.7 M-element attention map of
/// CONQUER's paper shape against 20 ms here on 2 cores (bench/README.md, conquer-train).
/// </summary>
/// <remarks>
/// Each element is kept when a 24-bit uniform draw is at least p (the resolution of torch.rand's float32). The
/// draws come from xoshiro256** streams, one per 64 K-element chunk, seeded from one draw of torch's default
/// generator per call: <see cref="Runtime.Seeding.Seed"/> fixes every mask, and no mask depends on the thread
/// count. Other devices and dtypes use libtorch's dropout.
/// </remarks>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _p;
    private readonly bool _inplace;

    /// <param name="p">probability of zeroing an element, in [0, 1].</param>
    /// <param name="inplace">scale the input in place (only when the op before it does not need its output for backward).</param>
    public FastDropout(double p, bool inplace = false) : base("Dropout")
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a dropout probability lies in [0, 1]");
        _p = p;
        _inplace = inplace;
    }

    public override Tensor forward(Tensor x) => Apply(x, _p, training, _inplace);

    /// <summary>Dropout of <paramref name="x"/> with probability <paramref name="p"/> when <paramref name="training"/>;
    /// always a new tensor handle (a <see cref="TorchSharp.Modules.Sequential"/> disposes what its first module returns).</summary>
    public static Tensor Apply(Tensor x, double p, bool training, bool inplace = false)
    {
        if (!training || p == 0) return x.alias();
        if (p >= 1 || x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || x.numel() > int.MaxValue / sizeof(float))
            return nn.functional.dropout(x, p, true, inplace);
        using var mask = Mask(x.shape, p);
        return inplace ? x.mul_(mask).alias() : x.mul(mask);
    }

    private const int ChunkElements = 1 << 16;

    /// <summary>A float32 CPU tensor of <paramref name="shape"/> holding 0 (dropped) or 1 / (1 - p) (kept).</summary>
    internal static Tensor Mask(long[] shape, double p)
    {
        ulong seed;
        using (var draw = randint(long.MaxValue, [1], dtype: int64)) seed = (ulong)draw.item<long>();
        var mask = empty(shape, float32);
        long n = mask.numel(), chunks = (n + ChunkElements - 1) / ChunkElements;
        var data = Address(mask);
        uint threshold = (uint)Math.Ceiling(p * (1 << 24));
        float keep = (float)(1 / (1 - p));
        void Fill(long c) => FillChunk(data, c * ChunkElements, Math.Min(n, (c + 1) * ChunkElements), seed + (ulong)c * 0xD1B54A32D192ED03UL, threshold, keep);
        if (chunks <= 1)
            for (long c = 0; c < chunks; c++) Fill(c);
        else
            Parallel.For(0L, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, Fill);
        return mask;
    }

    /// <summary>Elements [start, end) of the mask at <paramref name="data"/>, from the stream of <paramref name="streamSeed"/>
    /// (chunk seeds are an odd multiple apart, not SplitMix's increment, so no two chunks share SplitMix states).</summary>
    private static unsafe void FillChunk(IntPtr data, long start, long end, ulong streamSeed, uint threshold, float keep)
    {
        var m = (float*)data;
        ulong sm = streamSeed;
        ulong s0 = SplitMix(ref sm), s1 = SplitMix(ref sm), s2 = SplitMix(ref sm), s3 = SplitMix(ref sm);
        for (long i = start; i < end; i += 2)
        {
            ulong r = BitOperations.RotateLeft(s1 * 5, 7) * 9; // xoshiro256**
            ulong t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
            s3 = BitOperations.RotateLeft(s3, 45);
            m[i] = (uint)(r >> 40) >= threshold ? keep : 0f;
            if (i + 1 < end) m[i + 1] = ((uint)(r >> 8) & 0xFFFFFF) >= threshold ? keep : 0f;
        }
    }

    /// <summary>Where the (native, unmoving) data of a contiguous CPU tensor of under 2 GB starts.</summary>
    private static unsafe IntPtr Address(Tensor t)
    {
        fixed (byte* p = t.bytes) return (IntPtr)p;
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
