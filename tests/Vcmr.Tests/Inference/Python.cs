using System.Diagnostics;

namespace Vcmr.Tests.Inference;

/// <summary>Runs Python cross-checks with the system's interpreter (Debian's python3-* modules); tests skip when no
/// interpreter has the modules.</summary>
internal static class Python
{
    private static readonly string[] Interpreters = ["/usr/bin/python3", "python3"];

    /// <summary>The first interpreter that imports every module, else null.</summary>
    public static string? With(params string[] modules)
    {
        foreach (var python in Interpreters)
        {
            try
            {
                if (Run(python, $"import {string.Join(", ", modules)}").Exit == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }
        return null;
    }

    public static (int Exit, string Out, string Err) Run(string python, string script, params string[] args)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
