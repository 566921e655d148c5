using System.Diagnostics;
using System.Text.Json;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Vcmr.Data;
using Vcmr.Notebooks.Execution;

// Runner overhead: trivial cells through the runner's KernelSession (event capture into nbformat outputs, working
// directory, timeout wait) against plain submissions to a kernel built the same way. Rounds alternate between the
// two so that machine load hits both alike; the median of the per-round differences is the figure.
int rounds = args.Length > 0 ? int.Parse(args[0]) : 20;
const int cellsPerRound = 5;
string folder = Directory.CreateTempSubdirectory("vcmr-overhead-").FullName;

var clock = Stopwatch.StartNew();
using var session = new KernelSession(folder);
await Expect(session.RunAsync("int x = 0;", null, new CellOutputs()));
double firstStartupMs = clock.Elapsed.TotalMilliseconds;
clock.Restart();
using (var second = new KernelSession(folder)) await Expect(second.RunAsync("int x = 0;", null, new CellOutputs()));
double startupMs = clock.Elapsed.TotalMilliseconds;

using var plain = NotebookKernel.Create();
await Submit(plain, "int x = 0;");
var differences = new List<double>();
double plainMs = 0, runnerMs = 0;
for (int round = 0; round < rounds; round++)
{
    clock.Restart();
    for (int i = 0; i < cellsPerRound; i++) await Submit(plain, $"x += {i};");
    double p = clock.Elapsed.TotalMilliseconds / cellsPerRound;
    clock.Restart();
    for (int i = 0; i < cellsPerRound; i++) await Expect(session.RunAsync($"x += {i};", null, new CellOutputs(), TimeSpan.FromMinutes(1)));
    double r = clock.Elapsed.TotalMilliseconds / cellsPerRound;
    (plainMs, runnerMs) = (plainMs + p / rounds, runnerMs + r / rounds);
    differences.Add(r - p);
}
differences.Sort();
var results = new Dictionary<string, object>
{
    ["benchmark"] = "runner-overhead",
    ["rounds_x_cells"] = $"{rounds} x {cellsPerRound}",
    ["first_kernel_startup_ms"] = Math.Round(firstStartupMs),
    ["kernel_startup_ms"] = Math.Round(startupMs),
    ["plain_kernel_ms_per_cell"] = Math.Round(plainMs, 1),
    ["runner_ms_per_cell"] = Math.Round(runnerMs, 1),
    ["overhead_ms_per_cell_median"] = Math.Round(differences[differences.Count / 2], 1),
    ["overhead_ms_per_cell_quartiles"] = $"{differences[differences.Count / 4]:F1} .. {differences[3 * differences.Count / 4]:F1}",
    ["target_ms_per_cell"] = 50,
};
int width = results.Keys.Max(k => k.Length);
foreach (var (key, value) in results) Console.WriteLine($"{key.PadRight(width)}  {value}");
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root.Parent != null && !File.Exists(Path.Combine(root.FullName, "Vcmr.Notebooks.sln"))) root = root.Parent;
string path = Path.Combine(root.FullName, "artifacts", "bench", "runner-overhead.json");
AtomicFile.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"written {path}");
Directory.Delete(folder, recursive: true);
return 0;

static async Task Expect(Task<CellResult> cell)
{
    var result = await cell;
    if (!result.Succeeded) throw new InvalidOperationException($"a benchmark cell failed: {result.Error}");
}

static async Task Submit(Kernel kernel, string code)
{
    var result = await kernel.SendAsync(new SubmitCode(code, NotebookKernel.CSharp));
    if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed) throw new InvalidOperationException(failed.Message);
}
