using System.Text.Json;
using Vcmr.Benchmarks;
using Vcmr.Data;
using Vcmr.Runtime;

var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

if (args.Length == 0 || benchmarks.All(b => b.Name != args[0]))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Vcmr.Benchmarks -- <benchmark> [options]");
    foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-20} {b.Description}");
    return 1;
}

var bench = benchmarks.Single(b => b.Name == args[0]);
var env = VcmrEnvironment.Setup();
double floor = GemmFloor.MeasureGflops(VcmrEnvironment.Device);
Console.WriteLine($"{env}\nGEMM floor: {floor:F1} GFLOP/s (2048^3 float32 matmul, same process)");
var results = new Dictionary<string, object> { ["benchmark"] = bench.Name, ["gemm_gflops"] = Math.Round(floor, 1), ["environment"] = env.ToString() };
foreach (var (key, value) in bench.Run(args.Skip(1).ToList())) results[key] = value;

int width = results.Keys.Max(k => k.Length);
foreach (var (key, value) in results) Console.WriteLine($"{key.PadRight(width)}  {value}");
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root.Parent != null && !File.Exists(Path.Combine(root.FullName, "Vcmr.Notebooks.sln"))) root = root.Parent;
string path = Path.Combine(root.FullName, "artifacts", "bench", $"{bench.Name}.json");
AtomicFile.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"written {path}");
return 0;
