namespace Vcmr.Notebooks.Tests;

/// <summary>`#r "nuget:"` and `#i` in the real kernel, against a local feed only (--nuget-config replaces the user's config).</summary>
public class NuGetTests
{
    private const string Package = LocalFeed.PackageId;

    [Fact]
    public async Task ANotebookAddsAFeedWithHashIAndUsesThePackage()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "tiny.ipynb",
            $"#i \"nuget: {feed.Source}\"\n#r \"nuget: {Package}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value",
            $"#r \"nuget: {Package}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value + 1");
        var (code, console, output) = await TestNotebooks.Run([path], nugetConfig: feed.ConfigWithoutSources);
        Assert.True(code == 0, console);
        var cells = TestNotebooks.Executed(output, "tiny.ipynb")["cells"]!.AsArray();
        Assert.Contains("<pre>42</pre>", Html(cells[0]!));
        Assert.Contains("<pre>43</pre>", Html(cells[1]!));                 // asking again for the same version is a no-op
    }

    [Fact]
    public async Task TheNuGetConfigOptionReplacesTheUserLevelConfig()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "configured.ipynb", $"#r \"nuget: {Package}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value");
        var (code, console, output) = await TestNotebooks.Run([path], nugetConfig: feed.Config);
        Assert.True(code == 0, console);
        Assert.Contains("<pre>42</pre>", Html(TestNotebooks.Executed(output, "configured.ipynb")["cells"]![0]!));
        Assert.Null(System.Environment.GetEnvironmentVariable("RestoreConfigFile"));  // the process's environment is left as it was
    }

    [Fact]
    public async Task ASecondVersionOfALoadedPackageIsRefused()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "versions.ipynb",
            $"#r \"nuget: {Package}, {LocalFeed.Version}\"\nVcmr.Tiny.Answer.Value", $"#r \"nuget: {Package}, {LocalFeed.NextVersion}\"");
        var (code, console, _) = await TestNotebooks.Run([path], nugetConfig: feed.Config);
        Assert.Equal(2, code);
        Assert.Contains($"failed: versions.ipynb: cell 2: {Package} version {LocalFeed.NextVersion} cannot be added because version {LocalFeed.Version} was added previously", console);
    }

    [Fact]
    public async Task AnUnknownPackageNamesItself()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "missing.ipynb", "#r \"nuget: Vcmr.No.Such.Package, 1.2.3\"");
        var (code, console, _) = await TestNotebooks.Run([path], nugetConfig: feed.Config);
        Assert.Equal(2, code);
        Assert.Contains("failed: missing.ipynb: cell 1: ", console);
        Assert.Contains("Vcmr.No.Such.Package", console[console.IndexOf("failed: missing.ipynb", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task AParameterTypedFromAPackageIsCheckedWithThePackageRestoredBeforeAnythingRuns()
    {
        var feed = LocalFeed.Create();
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "typed.ipynb",
            Document.Cell.NewCode($"#r \"nuget: {Package}, {LocalFeed.Version}\"", 1),
            Document.Cell.NewCode("var answer = Vcmr.Tiny.Answer.Value;", 2, Execution.Parameters.Tag),
            Document.Cell.NewCode("answer", 3));
        var (code, console, _) = await TestNotebooks.Run([path], ["answer=4.5"], nugetConfig: feed.Config);
        Assert.Equal(1, code);
        Assert.Equal("error: typed.ipynb: cell 2: parameter 'answer': '4.5' is not a valid int", console.Trim());

        (code, console, var output) = await TestNotebooks.Run([path], ["answer=7"], nugetConfig: feed.Config);
        Assert.True(code == 0, console);
        Assert.Contains("<pre>7</pre>", Html(TestNotebooks.Executed(output, "typed.ipynb")["cells"]![3]!));
    }

    private static string Html(System.Text.Json.Nodes.JsonNode cell) =>
        string.Concat(cell["outputs"]!.AsArray().Select(o => (string?)o!["data"]?["text/html"]));
}
