using System.Text.RegularExpressions;
using Vcmr.Notebooks.Report;

namespace Vcmr.Notebooks.Tests;

/// <summary>One run of the model fixture notebook, shared by the tests that inspect its outputs.</summary>
public sealed class ModelRun
{
    public ModelRun()
    {
        Assert.True(File.Exists(RepoPaths.ModelAssembly), $"{RepoPaths.ModelAssembly} is missing: the build writes it");
        (ExitCode, Console, Output) = TestNotebooks.Run([TestNotebooks.Fixture("model.ipynb")]).GetAwaiter().GetResult();
    }

    public int ExitCode { get; }
    public string Console { get; }
    public string Output { get; }
}

/// <summary>The suite's real scenario: #r of the model assembly, a tensor operation, a Plotly chart, NuGet packages.</summary>
public class ModelNotebookTests(ModelRun run) : IClassFixture<ModelRun>
{
    [Fact]
    public void TheModelAssemblyRunsTensorCodeAndChartsRenderOffline()
    {
        var (code, console, output) = (run.ExitCode, run.Console, run.Output);
        Assert.True(code == 0, console);
        var nb = TestNotebooks.Executed(output, "model.ipynb");
        // m m^T for m = [[1,2,3],[4,5,6]] is [[14,32],[32,77]]; the sum is 155
        Assert.Contains("<pre>155</pre>", (string?)TestNotebooks.Outputs(nb, "tensor").Single()!["data"]!["text/html"]);
        string chart = (string)TestNotebooks.Outputs(nb, "chart").Single()!["data"]!["text/html"]!;
        Assert.Contains("newPlot", chart);
        Assert.Contains("\"y\":[1.0,4.0,9.0]", chart);

        string page = File.ReadAllText(Path.Combine(output, "model.html"));
        Assert.Contains(chart, page);
        int inlined = page.Split("plotly.js v2.28.0").Length - 1;
        Assert.Equal(1, inlined);                                         // the bundle once per page
        Assert.DoesNotContain("<script src=", page);
    }

    [SkippableFact]
    public async Task TheReportPageDrawsTheChartInHeadlessChromiumWithoutANetwork()
    {
        Assert.True(run.ExitCode == 0, run.Console);
        string? chromium = HeadlessChromium.Find();
        Skip.If(chromium is null, "chromium is not installed");
        string dom = await HeadlessChromium.DumpDom(chromium, Path.Combine(run.Output, "model.html"));
        // plotly.js marks the chart's div once it has drawn into it, then adds its svg layers and the trace
        var div = Regex.Match(dom, "<div id=\"plotly-[0-9a-f]+\" class=\"[^\"]*js-plotly-plot[^\"]*\">");
        Assert.True(div.Success, "the chart's div was not drawn by plotly.js");
        string chart = dom[div.Index..];
        Assert.Contains("<svg class=\"main-svg\"", chart);
        Assert.Contains("class=\"trace scatter", chart);
    }

    [Fact]
    public async Task ANuGetPackageIsRestoredAndUsable()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "nuget.ipynb",
            "#r \"nuget: SharpZipLib, 1.4.1\"\nvar crc = new ICSharpCode.SharpZipLib.Checksum.Crc32();\ncrc.Update(System.Text.Encoding.ASCII.GetBytes(\"abc\"));\ncrc.Value.ToString(\"x8\")");
        var (code, console, output) = await TestNotebooks.Run([path]);
        Assert.True(code == 0, console);
        // CRC-32 of "abc" (IEEE 802.3)
        Assert.Equal("352441c2", (string?)TestNotebooks.Executed(output, "nuget.ipynb")["cells"]![0]!["outputs"]![0]!["data"]!["text/plain"]);
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
