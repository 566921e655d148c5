using Vcmr.Notebooks.Report;

namespace Vcmr.Notebooks.Tests;

/// <summary>The suite's real scenario: #r of the model assembly, a tensor operation, a Plotly chart, NuGet packages.</summary>
public class ModelNotebookTests
{
    [Fact]
    public async Task TheModelAssemblyRunsTensorCodeAndChartsRenderOffline()
    {
        Assert.True(File.Exists(RepoPaths.ModelAssembly), $"{RepoPaths.ModelAssembly} is missing: the build writes it");
        var (code, console, output) = await TestNotebooks.Run([TestNotebooks.Fixture("model.ipynb")]);
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
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Plotly.NET");
    }
}
