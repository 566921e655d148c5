using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace Vcmr.Notebooks.Tests;

/// <summary>The notebook scenario without a kernel: a C# script that #r's the model assembly from its stable path.</summary>
public class ModelAssemblyScriptTests
{
    [Fact]
    public async Task AScriptThatReferencesTheModelAssemblyRunsTensorCode()
    {
        Assert.True(File.Exists(RepoPaths.ModelAssembly), $"{RepoPaths.ModelAssembly} is missing: the build writes it");
        // A notebook kernel that loads Vcmr.dll without touching TorchSharp runs first: the script below must still
        // find TorchSharp beside Vcmr.dll, whatever the kernel loaded before (the runner hosts many notebooks' kernels
        // in one process).
        using (var session = new Vcmr.Notebooks.Execution.KernelSession(Path.GetTempPath()))
        {
            var loaded = await session.RunAsync($"#r \"{RepoPaths.ModelAssembly}\"\nnameof(Vcmr.Data.QueryType)", null, new Vcmr.Notebooks.Execution.CellOutputs());
            Assert.True(loaded.Succeeded, loaded.Error);
        }
        string code = $$"""
            #r "{{RepoPaths.ModelAssembly}}"
            using TorchSharp;
            var info = Vcmr.Runtime.VcmrEnvironment.Setup(seed: 3, device: "cpu", threads: 1);
            var x = torch.arange(1, 7, dtype: torch.float32).reshape(2, 3);
            (torch.matmul(x, x.T).sum().item<float>(), info.Device)
            """;
        var options = ScriptOptions.Default.AddReferences(typeof(Enumerable).Assembly);
        var (sum, device) = await CSharpScript.EvaluateAsync<(float, string)>(code, options);
        // x x^T = [[14, 32], [32, 77]]
        Assert.Equal(155f, sum);
        Assert.Equal("cpu", device, ignoreCase: true);
    }
}
