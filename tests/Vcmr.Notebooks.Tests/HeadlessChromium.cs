using System.Diagnostics;

namespace Vcmr.Notebooks.Tests;

/// <summary>Loads a page in headless Chromium with every host unresolvable (so nothing can come from a network) and returns the DOM after scripts ran.</summary>
internal static class HeadlessChromium
{
    public static string? Find() =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .SelectMany(dir => new[] { "chromium", "chromium-browser", "google-chrome" }.Select(name => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    public static async Task<string> DumpDom(string chromium, string page)
    {
        string profile = TestNotebooks.TempFolder();
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", $"--user-data-dir={profile}",
            "--virtual-time-budget=10000", "--dump-dom", new Uri(Path.GetFullPath(page)).AbsoluteUri,
        }) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var dom = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        Assert.True(process.ExitCode == 0, await log);
        return await dom;
    }
}
