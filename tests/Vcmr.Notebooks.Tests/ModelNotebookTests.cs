using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vcmr.Notebooks.Report;

namespace Vcmr.Notebooks.Tests;

/// <summary>One run of the model fixture notebook through the runner, shared by the tests that inspect its outputs.</summary>
public sealed class ModelRun
{
    public ModelRun()
    {
        Assert.True(File.Exists(RepoPaths.ModelAssembly), $"{RepoPaths.ModelAssembly} is missing: the build writes it");
        (ExitCode, Console, Output) = TestNotebooks.Run([TestNotebooks.Fixture("model.ipynb")]).GetAwaiter().GetResult();
        Notebook = ExitCode == 0 ? TestNotebooks.Executed(Output, "model.ipynb") : new JsonObject();
    }

    public int ExitCode { get; }
    public string Console { get; }
    public string Output { get; }
    public JsonObject Notebook { get; }

    public string Html(string cellId) => (string)TestNotebooks.Outputs(Notebook, cellId).Single()!["data"]!["text/html"]!;
}

/// <summary>
/// The suite's real scenario in the real kernel: the setup cell, a tensor, a DataFrame, progress updates and a chart of
/// every kind the suite draws, through every chart API the notebooks and Vcmr.Reporting call.
/// </summary>
public class ModelNotebookTests(ModelRun run) : IClassFixture<ModelRun>
{
    public static readonly string[] ChartCells = ["line", "histogram", "columns", "bars", "span", "heatmap"];

    [Fact]
    public void TensorsTablesAndProgressShowAsRichOutput()
    {
        Assert.True(run.ExitCode == 0, run.Console);
        // m m^T for m = [[1,2,3],[4,5,6]] is [[14,32],[32,77]]
        Assert.Equal("<div class=\"vcmr-tensor\"><code>tensor [2, 2] Float32 on cpu</code><div>min 14, mean 38.75, max 77</div><pre>[14, 32, 32, 77]</pre></div>",
            run.Html("tensor"));
        Assert.StartsWith("<table class=\"vcmr-table\"><thead><tr><th>model</th><th>R@1</th><th>R@5</th></tr></thead><tbody><tr><td>A</td><td>1.5</td><td>4</td></tr>",
            run.Html("table"));
        var progress = TestNotebooks.Outputs(run.Notebook, "progress").Select(o => (string?)o!["data"]!["text/plain"]);
        Assert.Equal(["step 0", "step 3"], progress);                      // updates replaced in place (see RunnerTests)
        Assert.Contains("step 0\nstep 1\nstep 2\nstep 3\n", run.Console);
    }

    [Theory]
    [InlineData("line", "\"type\":\"scatter\"", "\"y\":[1.0,4.0,9.0]")]
    [InlineData("histogram", "\"type\":\"histogram\"", "\"text\":\"Moment length\"")]
    [InlineData("columns", "\"type\":\"bar\"", "\"text\":\"Clip timeline\"")]
    [InlineData("bars", "\"barmode\":\"group\"", "\"text\":\"Recall by model\"")]
    [InlineData("span", "\"fill\":\"tozeroy\"", "\"text\":\"span probabilities\"")]
    [InlineData("heatmap", "\"type\":\"heatmap\"", "\"text\":\"word weights\"")]
    public void EveryChartKindRendersAsAPlotlyFigure(string cell, string trace, string detail)
    {
        Assert.True(run.ExitCode == 0, run.Console);
        string chart = run.Html(cell);
        Assert.Matches("^<div id=\"plotly-[0-9a-f]{32}\" class=\"vcmr-chart\"></div>", chart);
        Assert.Contains("newPlot", chart);
        Assert.Contains(trace, chart);
        Assert.Contains(detail, chart);
    }

    [Fact]
    public void TheReportInlinesPlotlyJsOncePerPageAndLoadsNothing()
    {
        Assert.True(run.ExitCode == 0, run.Console);
        string page = File.ReadAllText(Path.Combine(run.Output, "model.html"));
        foreach (var cell in ChartCells) Assert.Contains(run.Html(cell), page);
        Assert.Equal(1, page.Split("plotly.js v2.28.0").Length - 1);     // the bundle once per page
        Assert.DoesNotContain("<script src=", page);
    }

    [SkippableFact]
    public async Task TheReportPageDrawsEveryChartInHeadlessChromiumWithoutANetwork()
    {
        Assert.True(run.ExitCode == 0, run.Console);
        string? chromium = HeadlessChromium.Find();
        Skip.If(chromium is null, "chromium is not installed");
        string dom = await HeadlessChromium.DumpDom(chromium, Path.Combine(run.Output, "model.html"));
        // plotly.js marks a chart's div once it has drawn into it, then adds its svg layers
        var drawn = Regex.Matches(dom, "<div id=\"plotly-[0-9a-f]+\" class=\"[^\"]*js-plotly-plot[^\"]*\">");
        Assert.Equal(ChartCells.Length, drawn.Count);
        Assert.Contains("<svg class=\"main-svg\"", dom);
        Assert.Contains("class=\"trace scatter", dom);
    }

    [SkippableFact]
    public async Task TheSameNotebookPassesInDotnetRepl()
    {
        var repl = await DotnetRepl.RunAsync(TestNotebooks.Fixture("model.ipynb"));
        Assert.True(repl.ExitCode == 0, repl.Log);
        Assert.Empty(repl.Errors);
        // rich output there too: every chart as the suite's text/html, the tensor through its formatter
        foreach (var cell in ChartCells) Assert.Contains("class=\"vcmr-chart\"", repl.Html(cell));
        Assert.Contains("vcmr-tensor", repl.Html("tensor"));
        Assert.Contains("vcmr-table", repl.Html("table"));
    }

    [Fact]
    public async Task ANuGetPackageIsRestoredAndUsable()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "nuget.ipynb",
            "#r \"nuget: SharpZipLib, 1.4.1\"\nvar crc = new ICSharpCode.SharpZipLib.Checksum.Crc32();\ncrc.Update(System.Text.Encoding.ASCII.GetBytes(\"abc\"));\ncrc.Value.ToString(\"x8\")");
        var (code, console, output) = await TestNotebooks.Run([path]);
        Assert.True(code == 0, console);
        var outputs = TestNotebooks.Executed(output, "nuget.ipynb")["cells"]![0]!["outputs"]!.AsArray();
        // CRC-32 of "abc" (IEEE 802.3), after the kernel's "Installed Packages" display
        Assert.Equal("352441c2", (string?)outputs.Last()!["data"]!["text/plain"]);
        Assert.Contains("SharpZipLib, 1.4.1", outputs.First()!["data"]!.ToJsonString());
    }

    [Fact]
    public void PlotlyJsIsReadFromThePackageWithoutLoadingPlotly()
    {
        Assert.StartsWith("/**", PlotlyJs.Source);
        Assert.Contains("plotly.js v2.28.0", PlotlyJs.Source[..500]);
        // the runner carries the package's bytes, never a reference: a notebook's own Plotly.NET.dll cannot clash with it
        Assert.DoesNotContain(typeof(PlotlyJs).Assembly.GetReferencedAssemblies(), a => a.Name == "Plotly.NET");
    }
}
