using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Vcmr.Tests.Environment;

/// <summary>The build step that makes TorchSharp keep a Tensor or Scalar alive while native code reads it
/// (environment/TorchSharpKeepAlive). Without it a GC started by another thread can finalize the temporary Scalar
/// of <c>a + b</c> mid-call.</summary>
public class HandleKeepAliveTests
{
    [Fact]
    public void TheLoadedTorchSharpIsTheRewrittenCopy()
    {
        var assembly = typeof(torch).Assembly;
        Assert.NotNull(assembly.GetType("VcmrHandlesKeptAlive"));
        // add(Tensor, Scalar) reads alpha's handle: alpha must be kept alive past the native call
        var add = typeof(Tensor).GetMethod(nameof(Tensor.add), [typeof(Tensor), typeof(Scalar)])!;
        Assert.Equal(3, CalledMethods(add).Count(m => m.DeclaringType == typeof(GC) && m.Name == nameof(GC.KeepAlive)));
    }

    [Fact]
    public async Task ImplicitScalarsSurviveGarbageCollectionsFromAnotherThread()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        });
        var x = rand(64, 32);
        var failures = new List<string>();
        long operations = 0;
        while (!stop.IsCancellationRequested)
        {
            using var scope = NewDisposeScope();
            try
            {
                // a temporary Scalar in each: 1e-5, the alpha of add, 0.5
                var y = x / (x.norm(-1, keepdim: true) + 1e-5) + x * 0.5;
                operations++;
            }
            catch (Exception e) { failures.Add(e.Message); }
        }
        await collector;
        x.Dispose();
        Assert.True(operations > 1000, $"only {operations} operations ran");
        Assert.Empty(failures);
    }

    private static IEnumerable<MethodBase> CalledMethods(MethodInfo method)
    {
        byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
        for (int i = 0; i + 4 < il.Length; i++)
            if (il[i] == OpCodes.Call.Value && TryResolve(method.Module, BitConverter.ToInt32(il, i + 1)) is { } m)
                yield return m;
    }

    // a byte scan also meets 0x28 inside operands; those tokens do not resolve
    private static MethodBase? TryResolve(Module module, int token)
    {
        try { return module.ResolveMethod(token); }
        catch (ArgumentException) { return null; }
    }
}
