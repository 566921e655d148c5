using System.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Vcmr.Notebooks.Execution;
using Xunit.Abstractions;

namespace Vcmr.Notebooks.Tests;

/// <summary>Runner overhead per cell beyond Roslyn's own compile-and-run of the same submissions (target: well under 100 ms).</summary>
public class OverheadTests(ITestOutputHelper log)
{
    private const int Cells = 30;

    [Fact]
    public async Task RunnerOverheadPerCellIsWellUnder100Milliseconds()
    {
        // warm both paths so first-compilation costs are excluded
        var raw = await CSharpScript.RunAsync("int x = 0;", ScriptOptions.Default);
        using var session = new ScriptSession(TestNotebooks.TempFolder(), new PackageCache(TestNotebooks.TempFolder()));
        await session.RunAsync("int x = 0;", "cell 0", new CellOutputs());

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cells; i++) raw = await raw.ContinueWithAsync($"x += {i};");
        double rawMs = clock.Elapsed.TotalMilliseconds / Cells;

        clock.Restart();
        for (int i = 0; i < Cells; i++)
            Assert.True((await session.RunAsync($"x += {i};", $"cell {i + 1}", new CellOutputs())).Succeeded);
        double runnerMs = clock.Elapsed.TotalMilliseconds / Cells;

        log.WriteLine($"per cell: Roslyn {rawMs:F1} ms, runner {runnerMs:F1} ms, overhead {runnerMs - rawMs:F1} ms");
        Assert.True(runnerMs - rawMs < 100, $"overhead {runnerMs - rawMs:F1} ms per cell (Roslyn {rawMs:F1} ms, runner {runnerMs:F1} ms)");
    }
}
