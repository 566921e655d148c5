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
        // A notebook session that loads Vcmr.dll without touching TorchSharp runs first: the script below gets that
        // already loaded Vcmr.dll and must still find TorchSharp beside it (when sessions removed their resolver at
        // the end of a notebook, this failed depending on test order).
        var session = new Vcmr.Notebooks.Execution.ScriptSession(Path.GetTempPath(), new Vcmr.Notebooks.Execution.PackageCache(Path.GetTempPath()));
        var loaded = await session.RunAsync($"#r \"{RepoPaths.ModelAssembly}\"\nnameof(Vcmr.Data.QueryType)", "cell 1", new Vcmr.Notebooks.Execution.CellOutputs());
        Assert.True(loaded.Succeeded);
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
