using TorchSharp;

namespace Vcmr.Runtime;

/// <summary>
/// Seeds every random source. Torch's generators are global; .NET randomness in this project always comes from
/// <see cref="Rng"/>, an independent stream per purpose, so adding a random draw in one place does not shift
/// the draws of another.
/// </summary>
public static class Seeding
{
    /// <summary>Seeds torch (CPU and every CUDA device).</summary>
    public static void Seed(int seed)
    {
        TorchNative.EnsureLoaded();
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A .NET generator for one named purpose ("shuffle", "negatives", ...), fixed by the seed.</summary>
    public static Random Rng(int seed, string purpose) => new(Mix(seed, purpose));

    private static int Mix(int seed, string purpose)
    {
        // FNV-1a over the purpose, then mixed with the seed: string.GetHashCode is randomised per process.
        uint h = 2166136261;
        foreach (char c in purpose) h = (h ^ c) * 16777619;
        h ^= (uint)seed * 0x9E3779B9u;
        h ^= h >> 16;
        return (int)(h & 0x7fffffff);
    }
}
