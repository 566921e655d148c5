using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// One notebook's kernel: a fresh <see cref="NotebookKernel"/> whose working directory, and so its `#r` base, is
/// the notebook's folder while a cell runs (as VS Code and dotnet-repl start the kernel in the notebook's folder).
/// </summary>
public sealed class KernelSession : IDisposable
{
    private readonly CompositeKernel kernel = NotebookKernel.Create();
    private readonly string folder;

    /// <summary>A session for a notebook in <paramref name="notebookFolder"/>.</summary>
    public KernelSession(string notebookFolder) => folder = Path.GetFullPath(notebookFolder);

    /// <summary>
    /// Submits one cell to <paramref name="kernelName"/> (null: C#) as the front ends do, recording what it shows into
    /// <paramref name="outputs"/>. A cell still running after <paramref name="timeout"/> is cancelled and reported as
    /// timed out; the kernel cannot stop running code, so the session must not be used after that.
    /// </summary>
    public async Task<CellResult> RunAsync(string code, string? kernelName, CellOutputs outputs, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        string cwd = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        var command = new SubmitCode(code, kernelName ?? NotebookKernel.CSharp);
        using var cancel = new CancellationTokenSource();
        try
        {
            using var subscription = kernel.KernelEvents.Subscribe(outputs.Add);
            // On the pool: a submission runs synchronously until its first await, so the timeout could not interrupt the wait.
            var submission = Task.Run(() => kernel.SendAsync(command, cancel.Token));
            if (timeout is { } limit && await Task.WhenAny(submission, Task.Delay(limit)) != submission)
            {
                await cancel.CancelAsync();
                outputs.Error($"the cell did not finish within {limit.TotalSeconds:0.###} s", []);
                return new CellResult(false, clock.Elapsed, $"timed out after {limit.TotalSeconds:0.###} s") { TimedOut = true };
            }
            var result = await submission;
            if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
                return new CellResult(false, clock.Elapsed, Cause(failed));
            return new CellResult(true, clock.Elapsed, null);
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }
    }

    /// <inheritdoc />
    public void Dispose() => kernel.Dispose();

    // One line: the exception's type and message for a runtime error, else the kernel's message (compile errors).
    private static string Cause(CommandFailed failed)
    {
        string line = failed.Exception is { } e and not CodeSubmissionCompilationErrorException
            ? $"{e.GetType().Name}: {FirstLine(e.Message)}"
            : FirstLine(failed.Message);
        return line.Length > 0 ? line : "the cell failed";
    }

    private static string FirstLine(string text) => text.TrimStart().Split('\n')[0].TrimEnd('\r');
}
