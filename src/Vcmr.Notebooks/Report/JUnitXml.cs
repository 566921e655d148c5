using System.Globalization;
using System.Xml.Linq;
using Vcmr.Notebooks.Document;
using Vcmr.Notebooks.Execution;

namespace Vcmr.Notebooks.Report;

/// <summary>JUnit XML for CI: one test suite per notebook, one test case per code cell (not-run cells are skipped).</summary>
public static class JUnitXml
{
    /// <summary>The XML document for the given runs.</summary>
    public static XDocument Build(IEnumerable<NotebookResult> results)
    {
        var suites = new XElement("testsuites");
        foreach (var run in results)
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", run.Notebook.Name),
                new XAttribute("tests", run.Cells.Count),
                new XAttribute("failures", run.Cells.Count(c => c.Result is { Succeeded: false })),
                new XAttribute("skipped", run.Cells.Count(c => c.Result is null)),
                new XAttribute("time", Seconds(run.Elapsed)));
            foreach (var (cell, result) in run.Cells)
            {
                var test = new XElement("testcase",
                    new XAttribute("classname", run.Notebook.Name),
                    new XAttribute("name", $"Cell {cell.Number}: {cell.Source.Split('\n')[0].Trim()}"),
                    new XAttribute("time", Seconds(result?.Elapsed ?? TimeSpan.Zero)));
                if (result is null) test.Add(new XElement("skipped", new XAttribute("message", "not run: an earlier cell failed")));
                else if (!result.Succeeded) test.Add(new XElement("failure", new XAttribute("message", result.Error ?? ""), ErrorText(cell)));
                suite.Add(test);
            }
            suites.Add(suite);
        }
        return new XDocument(suites);
    }

    private static string ErrorText(Cell cell) => string.Join("\n", cell.Outputs
        .Where(o => (string?)o?["output_type"] == "error")
        .SelectMany(o => o!["traceback"]!.AsArray().Select(l => (string?)l)));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
