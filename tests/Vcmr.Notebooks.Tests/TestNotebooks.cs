using System.Text.Json.Nodes;
using Vcmr.Notebooks.Document;

namespace Vcmr.Notebooks.Tests;

/// <summary>Fixture paths, throwaway notebooks and a run of the suite into a temp folder.</summary>
internal static class TestNotebooks
{
    public static string Fixtures => Path.Combine(RepoPaths.Root, "tests", "Vcmr.Notebooks.Tests", "Fixtures");

    public static string Fixture(string name) => Path.Combine(Fixtures, name);

    public static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vcmr-nb-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes a notebook whose cells are the given C# sources.</summary>
    public static string Write(string folder, string name, params string[] codeCells) =>
        Write(folder, name, codeCells.Select((c, i) => Cell.NewCode(c, i + 1)).ToArray());

    /// <summary>Writes a notebook with the given cells (e.g. one tagged `parameters`).</summary>
    public static string Write(string folder, string name, params Cell[] codeCells)
    {
        var cells = new JsonArray(codeCells.Select(c => (JsonNode)c.Json).ToArray());
        var json = new JsonObject { ["cells"] = cells, ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5 };
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    public static async Task<(int ExitCode, string Console, string Output)> Run(string[] notebooks, string[]? parameters = null,
        TimeSpan? timeout = null, bool continueOnError = false, string? nugetConfig = null)
    {
        string output = TempFolder();
        var console = new StringWriter();
        var options = new RunOptions(output, parameters ?? [], timeout, continueOnError, nugetConfig);
        int code = await Suite.RunAsync(notebooks, options, console);
        return (code, console.ToString(), output);
    }

    public static JsonObject Executed(string output, string name) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(output, name)))!;

    public static JsonArray Outputs(JsonObject notebook, string cellId) =>
        (JsonArray)notebook["cells"]!.AsArray().Single(c => (string?)c!["id"] == cellId)!["outputs"]!;
}
