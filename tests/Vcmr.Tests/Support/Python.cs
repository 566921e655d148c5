using System.Diagnostics;

namespace Vcmr.Tests.Support;

/// <summary>A Python 3 interpreter that has given modules (python3 on PATH, else Debian's /usr/bin/python3), for tests that build fixtures with h5py.</summary>
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
    public static void Script(string python, string script)
    {
        if (Run(python, script, out string error) != 0) throw new InvalidOperationException($"{python} failed: {error}");
    }

    private static int Run(string python, string script) => Run(python, script, out _);

    private static int Run(string python, string script, out string error)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        try
        {
            using var process = Process.Start(info)!;
            error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return -1;
        }
    }
}
