using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// One notebook's C# kernel: Roslyn script submissions chained with ContinueWithAsync, relative #r and #load from
/// the notebook's folder, the kernel's default imports and globals, console capture and formatted results.
/// </summary>
public sealed partial class ScriptSession
{
    private readonly string folder;
    private readonly PackageCache packageCache;
    private readonly HashSet<string> packageAssemblies = new(StringComparer.Ordinal);
    private PackageRequests requests;
    private ScriptOptions options;
    private ScriptState<object>? state;

    /// <summary>A session whose working directory and #r base is <paramref name="notebookFolder"/>; `#r "nuget:"` goes through <paramref name="packageCache"/>.</summary>
    public ScriptSession(string notebookFolder, PackageCache packageCache)
    {
        folder = Path.GetFullPath(notebookFolder);
        this.packageCache = packageCache;
        options = KernelOptions.Create(folder);
        requests = PackageRequests.None(folder);
        // A fresh kernel has the default formatters: registrations made by the previous notebook must not leak in.
        Formatter.ResetToDefault();
    }

    /// <summary>Runs one cell's C# code. Failures become error outputs; the result says whether the cell succeeded.</summary>
    public async Task<CellResult> RunAsync(string code, string cellName, CellOutputs outputs, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var (stdout, stderr, cwd) = (Console.Out, Console.Error, Environment.CurrentDirectory);
        CellOutputs.Current = outputs;
        Console.SetOut(new CellConsole("stdout", stdout));
        Console.SetError(new CellConsole("stderr", stderr));
        Environment.CurrentDirectory = folder;
        try
        {
            state ??= await CSharpScript.RunAsync(KernelOptions.Prelude, options);
            var directives = CellDirectives.Parse(code);
            AddPackages(directives);
            NoteReferencedFolders(directives.Code);
            // On the pool: a script runs synchronously until its first await, so the timeout could not interrupt the wait.
            var previous = state;
            var submission = Task.Run(() => previous.ContinueWithAsync(directives.Code, options.WithFilePath(cellName), catchException: _ => true));
            if (timeout is { } limit && await Task.WhenAny(submission, Task.Delay(limit)) != submission)
            {
                outputs.Error("Error", $"the cell did not finish within {limit.TotalSeconds:0.###} s", []);
                return new CellResult(false, clock.Elapsed, $"timed out after {limit.TotalSeconds:0.###} s") { TimedOut = true };
            }
            var next = await submission;
            if (next.Exception is { } exception)
            {
                var error = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
                outputs.Error("Error", $"{error.GetType().FullName}: {error.Message}", error.ToString().Split('\n').Select(l => l.TrimEnd('\r')));
                return new CellResult(false, clock.Elapsed, $"{error.GetType().Name}: {FirstLine(error.Message)}");
            }
            state = next;
            if (next.ReturnValue is { } value && HasTrailingExpression(directives.Code))
                outputs.Display(value);
            return new CellResult(true, clock.Elapsed, null);
        }
        catch (CompilationErrorException e)
        {
            var errors = e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
            outputs.Error("Error", string.Join("\n", errors), errors);
            return new CellResult(false, clock.Elapsed, errors.FirstOrDefault() ?? e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            outputs.Error("Error", e.Message, [e.Message]);
            return new CellResult(false, clock.Elapsed, e.Message);
        }
        finally
        {
            Console.Out.Flush();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Environment.CurrentDirectory = cwd;
            CellOutputs.Current = null;
        }
    }

    /// <summary>True when the code ends in an expression without a semicolon, which the kernel shows as the cell's value.</summary>
    public static bool HasTrailingExpression(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        return tree.GetCompilationUnitRoot().Members.LastOrDefault() is GlobalStatementSyntax
        {
            Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true },
        };
    }

    private void AddPackages(CellDirectives directives)
    {
        var next = requests.With(directives);
        if (next.Packages.Count > requests.Packages.Count)
        {
            var fresh = packageCache.Resolve(next.Packages, next.Sources).Where(packageAssemblies.Add).ToList();
            options = options.AddReferences(fresh);
            foreach (var dir in fresh.Select(a => Path.GetDirectoryName(a)!).Distinct()) ProbeFolders.Add(dir);
        }
        requests = next;
    }

    // Roslyn loads a #r'd assembly itself; its dependencies (TorchSharp.dll beside Vcmr.dll) are found here.
    private void NoteReferencedFolders(string code)
    {
        foreach (Match m in FileReference().Matches(code))
            ProbeFolders.Add(Path.GetDirectoryName(Path.GetFullPath(Path.Combine(folder, m.Groups["path"].Value)))!);
    }

    /// <summary>
    /// Folders of #r'd assemblies, probed for their dependencies for the rest of the process: an assembly loaded into the
    /// default context stays loaded and resolves its dependencies lazily (TorchSharp at first use), possibly after its
    /// notebook finished, as in the kernel's own long-lived process. A per-session resolver removed at the end of a
    /// notebook left a later script unable to find TorchSharp beside an already loaded Vcmr.dll.
    /// </summary>
    private static readonly ProbedFolders ProbeFolders = new();

    private sealed class ProbedFolders
    {
        private readonly List<string> _folders = [];

        public ProbedFolders() => AssemblyLoadContext.Default.Resolving += Resolve;

        public void Add(string folder)
        {
            lock (_folders)
                if (!_folders.Contains(folder)) _folders.Add(folder);
        }

        private Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
        {
            string[] folders;
            lock (_folders) folders = [.. _folders];
            foreach (var dir in folders)
            {
                string candidate = Path.Combine(dir, name.Name + ".dll");
                if (File.Exists(candidate)) return context.LoadFromAssemblyPath(candidate);
            }
            return null;
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');

    [GeneratedRegex("""^\s*#r\s+"(?!nuget:)(?<path>[^"]+)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex FileReference();
}
