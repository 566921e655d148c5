using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Vcmr.Notebooks.Execution;
using Xunit.Abstractions;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// What the runner adds per cell on top of a plain submission to the same kernel (target: under 50 ms): the event
/// capture into nbformat outputs, the working directory and the timeout wait. Rounds alternate between the two so
/// that machine load hits both alike. The start-up of a fresh kernel (first cell included) is logged too.
/// </summary>
public class OverheadTests(ITestOutputHelper log)
{
    private const int Rounds = 6, CellsPerRound = 5;

    [Fact]
    public async Task RunnerOverheadPerCellIsUnder50Milliseconds()
    {
        string folder = TestNotebooks.TempFolder();
        var clock = Stopwatch.StartNew();
        using var session = new KernelSession(folder);
        Assert.True((await session.RunAsync("int x = 0;", null, new CellOutputs())).Succeeded);
        double startupMs = clock.Elapsed.TotalMilliseconds;
        using var plain = NotebookKernel.Create();
        await Submit(plain, "int x = 0;");

        double plainMs = 0, runnerMs = 0;
        for (int round = 0; round < Rounds; round++)
        {
            clock.Restart();
            for (int i = 0; i < CellsPerRound; i++) await Submit(plain, $"x += {i};");
            plainMs += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            for (int i = 0; i < CellsPerRound; i++)
                Assert.True((await session.RunAsync($"x += {i};", null, new CellOutputs(), TimeSpan.FromMinutes(1))).Succeeded);
            runnerMs += clock.Elapsed.TotalMilliseconds;
        }
        const int cells = Rounds * CellsPerRound;
        (plainMs, runnerMs) = (plainMs / cells, runnerMs / cells);
        log.WriteLine($"kernel start-up with its first cell {startupMs:F0} ms; per cell: plain kernel submission {plainMs:F1} ms, runner {runnerMs:F1} ms, overhead {runnerMs - plainMs:F1} ms");
        Assert.True(runnerMs - plainMs < 50, $"overhead {runnerMs - plainMs:F1} ms per cell (kernel {plainMs:F1} ms, runner {runnerMs:F1} ms)");
    }

    private static async Task Submit(Kernel kernel, string code)
    {
        var result = await kernel.SendAsync(new SubmitCode(code, NotebookKernel.CSharp));
        Assert.DoesNotContain(result.Events, e => e is Microsoft.DotNet.Interactive.Events.CommandFailed);
    }
}
