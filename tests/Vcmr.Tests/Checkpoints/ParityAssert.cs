using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

/// <summary>Comparisons of the suite's outputs with a reference implementation's, for the parity fixtures.</summary>
public static class ParityAssert
{
    /// <summary>Asserts max |suite - reference| / max(1, max |reference|) &lt; <paramref name="tolerance"/> on real
    /// positions (<paramref name="mask"/> 1, or everywhere), and with a mask that padded positions are masked (-1e10)
    /// in the suite's output and, when <paramref name="referenceMasks"/>, in the reference's; logs the differences.</summary>
    public static void Close(ITestOutputHelper output, string name, string what, Tensor suite, Tensor reference, Tensor? mask = null,
        double tolerance = 1e-5, bool referenceMasks = true)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(reference.shape, suite.shape);
        var valid = mask is null ? ones_like(reference, dtype: ScalarType.Bool) : mask > 0;
        var r = reference.masked_select(valid);
        double diff = (suite.masked_select(valid) - r).abs().max().item<float>();
        double rel = diff / Math.Max(1, r.abs().max().item<float>());
        output.WriteLine($"{name} {what}: max abs diff {diff:e2}, relative {rel:e2}");
        Assert.True(rel < tolerance, $"{name} {what}: relative difference {rel:e3} >= {tolerance:e0}");
        if (mask is not null)
        {
            var padded = valid.logical_not();
            Assert.True(suite.masked_select(padded).le(-1e9).all().item<bool>(), $"{name} {what}: padding not masked");
            if (referenceMasks) Assert.True(reference.masked_select(padded).le(-1e9).all().item<bool>());
        }
    }
}
