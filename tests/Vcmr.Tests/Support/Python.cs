using System.Diagnostics;

namespace Vcmr.Tests.Support;

/// <summary>A Python 3 interpreter that has given modules (python3 on PATH, else Debian's /usr/bin/python3), for tests that build fixtures (h5py) or cross-check files (lmdb, msgpack).</summary>
public static class Python
{
    /// <summary>The interpreter, or null when none has every module (the caller skips, saying which).</summary>
    public static string? With(params string[] modules)
    {
        foreach (string candidate in new[] { "python3", "/usr/bin/python3" })
            if (Run(candidate, $"import {string.Join(", ", modules)}") == 0) return candidate;
        return null;
    }

    /// <summary>Runs a script; throws with its stderr when it fails.</summary>
    public static void Script(string python, string script) => Output(python, script);

    /// <summary>Runs a script with arguments (sys.argv[1:]) and returns what it printed; throws with its stderr when it fails.</summary>
    public static string Output(string python, string script, params string[] args)
    {
        if (Run(python, script, args, out string output, out string error) != 0) throw new InvalidOperationException($"{python} failed: {error}");
        return output;
    }

    private static int Run(string python, string script) => Run(python, script, [], out _, out _);

    private static int Run(string python, string script, string[] args, out string output, out string error)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            output = stdout.Result;
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            (output, error) = ("", e.Message);
            return -1;
        }
    }
}
