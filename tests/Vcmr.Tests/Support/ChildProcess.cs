using System.Diagnostics;
using Vcmr.Data;

namespace Vcmr.Tests.Support;

/// <summary>
/// A second process for tests that must kill a writer mid-write: <c>dotnet Vcmr.Tests.dll MODE ARGS</c> runs
/// <see cref="Main"/> (the test runner never calls it). Modes print "ready" once they are inside the write.
/// </summary>
public static class ChildProcess
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["atomic-write-and-hang", var path]:
                AtomicFile.WriteStream(path, stream =>
                {
                    stream.Write("half of the new"u8);
                    stream.Flush();
                    Console.WriteLine("ready");
                    Thread.Sleep(Timeout.Infinite);
                });
                return 0;
            default:
                Console.Error.WriteLine($"unknown child mode: {string.Join(' ', args)}");
                return 1;
        }
    }

    /// <summary>Starts a mode and waits until it says it is inside the write.</summary>
    public static Process StartAndWaitReady(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        string? line = process.StandardOutput.ReadLine();
        if (line != "ready")
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"child {string.Join(' ', args)} said '{line}' instead of 'ready'");
        }
        return process;
    }
}
