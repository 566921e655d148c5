namespace Vcmr.Notebooks.Tests;

/// <summary>The real C# kernel's behaviour that notebooks rely on: its imports, globals, fresh formatters per notebook.</summary>
public class KernelCompatibilityTests
{
    [Fact]
    public async Task OnlyTheKernelsSixDefaultImportsAreInScope()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "imports.ipynb",
            "new ArrayList { 1 }.Count + new StringBuilder(\"ab\").Length + new List<int> { 1 }.Select(i => i).Count()",
            "File.Exists(\"x\")");
        var (code, console, output) = await TestNotebooks.Run([path]);
        Assert.Equal(2, code);
        var cells = TestNotebooks.Executed(output, "imports.ipynb")["cells"]!.AsArray();
        Assert.Contains("<pre>4</pre>", (string?)cells[0]!["outputs"]![0]!["data"]!["text/html"]);
        // System.IO is not a default import of the kernel: a notebook must write `using System.IO;`
        Assert.Contains("failed: imports.ipynb: cell 2: (1,1): error CS0103: The name 'File' does not exist in the current context", console);
    }

    [Fact]
    public async Task JavascriptCssDisplayAsAndSeveralMimeTypesAreDisplayed()
    {
        string path = TestNotebooks.Write(TestNotebooks.TempFolder(), "globals.ipynb",
            "Javascript(\"console.log(1)\");\nCSS(\"p{color:red}\");\n\"# T\".DisplayAs(\"text/markdown\");\ndisplay(42, \"text/plain\", \"text/html\");");
        var (code, console, output) = await TestNotebooks.Run([path]);
        Assert.True(code == 0, console);
        var outputs = TestNotebooks.Executed(output, "globals.ipynb")["cells"]![0]!["outputs"]!.AsArray();
        Assert.Equal(4, outputs.Count);
        Assert.Equal("<script type=\"text/javascript\">console.log(1)</script>", (string?)outputs[0]!["data"]!["text/html"]);
        string css = (string)outputs[1]!["data"]!["text/html"]!;
        Assert.Contains("createElement('style')", css);
        Assert.Contains("p{color:red}", css);
        Assert.Equal("# T", (string?)outputs[2]!["data"]!["text/markdown"]);
        Assert.Equal("42", (string?)outputs[3]!["data"]!["text/plain"]);
        Assert.Contains("<pre>42</pre>", (string?)outputs[3]!["data"]!["text/html"]);
    }

    [Fact]
    public async Task FormattersRegisteredByOneNotebookDoNotLeakIntoTheNext()
    {
        string dir = TestNotebooks.TempFolder();
        TestNotebooks.Write(dir, "a.ipynb",
            "using Microsoft.DotNet.Interactive.Formatting;\nFormatter.Register<Version>(v => \"custom\", \"text/plain\");\nFormatter.SetPreferredMimeTypesFor(typeof(Version), \"text/plain\");\nnew Version(1, 2)");
        TestNotebooks.Write(dir, "b.ipynb", "new Version(1, 2)");
        var (code, console, output) = await TestNotebooks.Run([dir]);
        Assert.True(code == 0, console);
        Assert.Equal("custom", (string?)TestNotebooks.Executed(output, "a.ipynb")["cells"]![0]!["outputs"]![0]!["data"]!["text/plain"]);
        var b = TestNotebooks.Executed(output, "b.ipynb")["cells"]![0]!["outputs"]![0]!["data"]!.AsObject();
        Assert.Equal(["text/html"], b.Select(kv => kv.Key));
        Assert.DoesNotContain("custom", (string?)b["text/html"]);
    }

    [Fact]
    public async Task AnOutputFolderThatWouldOverwriteTheSourceIsAUsageError()
    {
        string dir = TestNotebooks.TempFolder();
        string path = TestNotebooks.Write(dir, "self.ipynb", "1");
        string before = File.ReadAllText(path);
        var console = new StringWriter();
        int code = await Suite.RunAsync([path], new RunOptions(dir, []), console);
        Assert.Equal(1, code);
        Assert.Equal($"error: --output {dir}: writing self.ipynb there would overwrite the source notebook {path}", console.ToString().Trim());
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public async Task WithContinueOnErrorTheCellsAfterAFailureStillRun()
    {
        var (code, console, output) = await TestNotebooks.Run([TestNotebooks.Fixture("failing.ipynb")], continueOnError: true);
        Assert.Equal(2, code);
        Assert.Equal("never printed\n", (string?)TestNotebooks.Outputs(TestNotebooks.Executed(output, "failing.ipynb"), "after").Single()!["text"]);
        Assert.DoesNotContain("<skipped", File.ReadAllText(Path.Combine(output, "results.junit.xml")));
        Assert.Contains("failed: failing.ipynb: cell 2: InvalidOperationException: boom", console);
    }
}
