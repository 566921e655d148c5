// Usage: TorchSharpKeepAlive <path/to/TorchSharp.dll>
// Rewrites the file in place (temp file + rename, so a hard link into the NuGet cache is replaced, never written
// through). A file already rewritten is left as it is.
using Mono.Cecil;
using TorchSharpKeepAlive;

if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine($"usage: TorchSharpKeepAlive <TorchSharp.dll> (got: {string.Join(' ', args)})");
    return 2;
}
var path = Path.GetFullPath(args[0]);
try
{
    using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { InMemory = true });
    if (HandleKeepAlive.IsRewritten(module))
    {
        Console.WriteLine($"{path}: handles already kept alive");
        return 0;
    }
    var report = HandleKeepAlive.Rewrite(module);
    var temp = path + ".keepalive.tmp";
    module.Write(temp);
    File.Move(temp, path, overwrite: true);
    Console.WriteLine($"{path}: kept handles alive in {report.Methods} methods ({report.Temporaries} temporaries held)");
    return 0;
}
catch (Exception e) when (e is BadImageFormatException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"{path}: cannot rewrite: {e.Message}");
    return 1;
}
