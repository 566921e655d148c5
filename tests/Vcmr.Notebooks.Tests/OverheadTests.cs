using System.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Vcmr.Notebooks.Execution;
using Xunit.Abstractions;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// Runner overhead per cell beyond Roslyn's own compile-and-run of the same submissions with the same options
/// (target: well under 100 ms). Rounds alternate between the two so that machine load hits both alike; Roslyn with
/// its bare default options is logged too, for scale.
/// </summary>
public class OverheadTests(ITestOutputHelper log)
{
    private const int Rounds = 6, CellsPerRound = 5;

    [Fact]
    public async Task RunnerOverheadPerCellIsWellUnder100Milliseconds()
    {
        string folder = TestNotebooks.TempFolder();
        var options = KernelOptions.Create(folder);
        // warm every path so first-compilation costs are excluded
        var bare = await CSharpScript.RunAsync("int x = 0;", ScriptOptions.Default);
        var roslyn = await (await CSharpScript.RunAsync(KernelOptions.Prelude, options)).ContinueWithAsync("int x = 0;", options);
        var session = new ScriptSession(folder, new PackageCache(TestNotebooks.TempFolder()));
        await session.RunAsync("int x = 0;", "cell 0", new CellOutputs());

        double bareMs = 0, roslynMs = 0, runnerMs = 0;
        var clock = new Stopwatch();
        for (int round = 0, cell = 1; round < Rounds; round++)
        {
            clock.Restart();
            for (int i = 0; i < CellsPerRound; i++) bare = await bare.ContinueWithAsync($"x += {i};");
            bareMs += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            for (int i = 0; i < CellsPerRound; i++)
                roslyn = await roslyn.ContinueWithAsync($"x += {i};", options.WithFilePath($"cell {cell + i}"), catchException: _ => true);
            roslynMs += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            for (int i = 0; i < CellsPerRound; i++)
                Assert.True((await session.RunAsync($"x += {i};", $"cell {cell + i}", new CellOutputs())).Succeeded);
            runnerMs += clock.Elapsed.TotalMilliseconds;
            cell += CellsPerRound;
        }
        const int cells = Rounds * CellsPerRound;
        (bareMs, roslynMs, runnerMs) = (bareMs / cells, roslynMs / cells, runnerMs / cells);
        log.WriteLine($"per cell: Roslyn bare {bareMs:F1} ms, Roslyn with the kernel's options {roslynMs:F1} ms, runner {runnerMs:F1} ms, overhead {runnerMs - roslynMs:F1} ms");
        Assert.True(runnerMs - roslynMs < 100, $"overhead {runnerMs - roslynMs:F1} ms per cell (Roslyn {roslynMs:F1} ms, runner {runnerMs:F1} ms)");
    }
}
