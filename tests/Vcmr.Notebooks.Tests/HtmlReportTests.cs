using System.Text.Json.Nodes;
using Vcmr.Notebooks.Report;

namespace Vcmr.Notebooks.Tests;

/// <summary>How the report shows each kind of output.</summary>
public class HtmlReportTests
{
    private static string Show(string mime, string text) =>
        HtmlReport.Output(new JsonObject { ["output_type"] = "display_data", ["data"] = new JsonObject { [mime] = text }, ["metadata"] = new JsonObject() });

    [Fact]
    public void RichOutputsRenderAndTextIsEscaped()
    {
        Assert.Equal("<div class=\"output\"><b>x</b></div>", Show("text/html", "<b>x</b>"));
        Assert.Equal("<div class=\"output\"><h1 id=\"t\">T</h1>\n</div>", Show("text/markdown", "# T"));
        Assert.Equal("<img class=\"output\" src=\"data:image/png;base64,iVBORw0K\">", Show("image/png", "iVBOR\nw0K"));
        Assert.Equal("<div class=\"output\"><svg/></div>", Show("image/svg+xml", "<svg/>"));
        Assert.Equal("<pre>a &lt; b</pre>", Show("text/plain", "a < b"));
        Assert.Equal("<pre>{&quot;a&quot;:1}</pre>", Show("application/json", "{\"a\":1}"));
        Assert.Equal("<pre>application/x-custom</pre>", Show("application/x-custom", "?"));
    }

    [Fact]
    public void ErrorsStandOutWithTheirTraceback()
    {
        var error = new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "boom <1>", ["traceback"] = new JsonArray("at cell 2:line 2") };
        Assert.Equal("<pre class=\"error\">boom &lt;1&gt;\nat cell 2:line 2</pre>", HtmlReport.Output(error));
    }
}
