namespace Vcmr.Notebooks.Tests;

/// <summary>End to end on the fixture notebooks in the real C# kernel: semantics, outputs, exit codes and result files.</summary>
public class RunnerTests
{
    [Fact]
    public async Task TheSuccessNotebookRunsEveryCellWithKernelSemantics()
    {
        string source = File.ReadAllText(TestNotebooks.Fixture("success.ipynb"));
        var (code, console, output) = await TestNotebooks.Run([TestNotebooks.Fixture("success.ipynb")]);
        Assert.True(code == 0, console);
        Assert.Equal(source, File.ReadAllText(TestNotebooks.Fixture("success.ipynb")));   // the source is never modified
        var nb = TestNotebooks.Executed(output, "success.ipynb");

        var stream = TestNotebooks.Outputs(nb, "console").Single()!;
        Assert.Equal("stream", (string?)stream["output_type"]);
        Assert.Equal("hello from the cell\n", (string?)stream["text"]);
        Assert.Contains("hello from the cell", console);                  // echoed live too

        // state across cells: 20, then += 1, then the trailing expression doubles it
        Assert.Contains("<pre>42</pre>", (string?)TestNotebooks.Outputs(nb, "trailing").Single()!["data"]!["text/html"]);

        // Updates replace their output in place. As in VS Code, the first Update of display(x) shows below x: this kernel
        // build's display() returns a handle whose id differs from the displayed value's (later updates share its id).
        var displayed = TestNotebooks.Outputs(nb, "display");
        Assert.Equal(["step 0", "step 2", "shown"], displayed.Select(o => (string?)o!["data"]!["text/plain"]));
        Assert.Contains("step 0\nstep 1\nstep 2\nshown\n", console);      // progress shown live on the console

        Assert.Equal("<b id=\"raw\">bold</b>", (string?)TestNotebooks.Outputs(nb, "html").Single()!["data"]!["text/html"]);
        Assert.Contains("<h2", (string?)TestNotebooks.Outputs(nb, "magic-markdown").Single()!["data"]!["text/html"]);
        Assert.Equal(TestNotebooks.Fixtures, (string?)TestNotebooks.Outputs(nb, "cwd").Single()!["data"]!["text/plain"]);

        var counts = nb["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").Select(c => (int?)c!["execution_count"]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], counts);
        Assert.True(File.Exists(Path.Combine(output, "index.html")));
        Assert.Contains("passed", File.ReadAllText(Path.Combine(output, "index.html")));
    }

    [Fact]
    public async Task AFailingCellStopsTheNotebookWithAnErrorOutputAndExitCode2()
    {
        var (code, console, output) = await TestNotebooks.Run([TestNotebooks.Fixture("failing.ipynb")]);
        Assert.Equal(2, code);
        var nb = TestNotebooks.Executed(output, "failing.ipynb");
        var error = TestNotebooks.Outputs(nb, "throws").Single()!;
        Assert.Equal("error", (string?)error["output_type"]);
        Assert.StartsWith("System.InvalidOperationException: boom", (string?)error["evalue"]);
        Assert.Contains(error["traceback"]!.AsArray(), l => ((string?)l)!.Contains("Submission#"));  // the cell's frame
        Assert.Empty(TestNotebooks.Outputs(nb, "after"));
        Assert.DoesNotContain("never printed", console);
        Assert.Contains("failed: failing.ipynb: cell 2: InvalidOperationException: boom", console);

        string junit = File.ReadAllText(Path.Combine(output, "results.junit.xml"));
        Assert.Contains("<failure message=\"InvalidOperationException: boom\"", junit);
        Assert.Contains("<skipped", junit);
        Assert.Contains("class=\"error\"", File.ReadAllText(Path.Combine(output, "failing.html")));
    }

    [Fact]
    public async Task ParametersAreOverriddenWithTheDeclaredTypes()
    {
        var (code, console, output) = await TestNotebooks.Run([TestNotebooks.Fixture("parameters.ipynb")],
            ["seed=7", "name=b \"quoted\"", "rate=0.25", "flag=true"]);
        Assert.True(code == 0, console);
        var nb = TestNotebooks.Executed(output, "parameters.ipynb");
        Assert.Equal("7|b \"quoted\"|0.25|True", (string?)TestNotebooks.Outputs(nb, "echo").Single()!["data"]!["text/plain"]);
        Assert.Equal(3, nb["cells"]!.AsArray().Count);                   // the injected cell follows the parameters cell
        Assert.Contains("injected-parameters", nb["cells"]![1]!["metadata"]!["tags"]!.ToJsonString());
    }

    [Fact]
    public async Task ACellThatRunsTooLongTimesOut()
    {
        string dir = TestNotebooks.TempFolder();
        string path = TestNotebooks.Write(dir, "slow.ipynb", "System.Threading.Thread.Sleep(1500);", "1 + 1");
        var (code, console, _) = await TestNotebooks.Run([path], timeout: TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, code);
        Assert.Contains("slow.ipynb: cell 1: timed out", console);
    }

    [Fact]
    public async Task AFolderRunsItsNotebooksInNameOrder()
    {
        string dir = TestNotebooks.TempFolder();
        TestNotebooks.Write(dir, "b.ipynb", "Console.WriteLine(\"B\");");
        TestNotebooks.Write(dir, "a.ipynb", "Console.WriteLine(\"A\");");
        var (code, console, output) = await TestNotebooks.Run([dir]);
        Assert.Equal(0, code);
        Assert.True(console.IndexOf("[a.ipynb]", StringComparison.Ordinal) < console.IndexOf("[b.ipynb]", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(output, "a.html")) && File.Exists(Path.Combine(output, "b.html")));
    }
}
