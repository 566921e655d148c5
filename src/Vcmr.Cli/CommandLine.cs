using System.CommandLine;
using Vcmr.Data;

namespace Vcmr.Cli;

/// <summary>
/// The `vcmr` entry point and its exit codes: every outcome ends in one line a user can act on, never a stack trace.
/// Input files are checked to exist and outputs to be writable (not a folder, not below a file, not an input) before
/// any work, so a bad --out never costs a run, and no command writes over one of its own inputs.
/// </summary>
internal static class CommandLine
{
    /// <summary>The command did its work.</summary>
    public const int Success = 0;
    /// <summary>Bad usage, a missing or malformed input, an output that cannot be written: the message says what to fix.</summary>
    public const int InputError = 1;
    /// <summary>A bug in the suite: the message names the exception; please report it.</summary>
    public const int InternalError = 3;

    /// <param name="terminalWidth">the width of the terminal the console is (null: redirected): long commands redraw a
    /// progress bar in place, cut to that width, instead of writing plain lines.</param>
    public static int Run(string[] args, TextWriter console, int? terminalWidth = null)
    {
        var root = new RootCommand("vcmr: video corpus moment retrieval tools (TVR formats). Exit codes: 0 done, 1 bad input or usage, 3 internal error.")
        {
            EvalCommand.Create(console), RetrievalEvalCommand.Create(console), ConvertCommand.Create(console), SynthCommand.Create(console),
            TrainCommand.Create(console, terminalWidth), InferCommand.Create(console),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) console.WriteLine($"error: {error.Message.ReplaceLineEndings(" ")}");
            var command = parse.CommandResult.Command;
            console.WriteLine($"usage: {(command == root ? "vcmr" : $"vcmr {command.Name}")} --help");
            return InputError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console });
        }
        catch (Exception e)
        {
            console.WriteLine($"error: internal error, please report it: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return InternalError;
        }
    }

    /// <summary>Runs a command body; bad input (the suite's own exceptions, I/O and access errors, an option the library
    /// rejects, a missing system library such as LMDB) becomes one "error:" line and exit code 1.</summary>
    public static int Guard(TextWriter console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException
            or DllNotFoundException)
        {
            console.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return InputError;
        }
    }

    /// <summary>An option with a default value (shown in --help).</summary>
    public static Option<T> WithDefault<T>(string name, T fallback, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    /// <summary>The required <c>--corpus</c> folder of the commands that read a corpus.</summary>
    public static Option<DirectoryInfo> CorpusOption() => new("--corpus")
    {
        Description = "corpus folder: a synthetic corpus (vcmr synth), a TVR release's data/ folder or CONQUER's tvr_feature_release/ (data/README.md)", Required = true,
    };

    /// <summary>The <c>--layout</c> of the <c>--corpus</c> folder (<see cref="CorpusLayout"/>).</summary>
    public static Option<CorpusLayout> LayoutOption() =>
        WithDefault("--layout", CorpusLayout.Auto, "layout of the --corpus folder (Auto: told from its contents)");

    /// <summary>The <c>--device</c> option (<see cref="Runtime.TorchDevice.Resolve"/>).</summary>
    public static Option<string?> DeviceOption() => new("--device") { Description = "cpu, cuda, cuda:N or auto (default: VCMR_DEVICE, else auto)" };

    /// <summary>Throws naming <paramref name="option"/> unless <paramref name="file"/> is an existing file.</summary>
    public static void CheckInput(FileInfo file, string option)
    {
        if (Directory.Exists(file.FullName)) throw new IOException($"{option} {file.FullName}: is a folder, not a file");
        if (!file.Exists) throw new IOException($"{option} {file.FullName}: does not exist");
    }

    /// <summary>Throws naming <paramref name="option"/> unless <paramref name="file"/> can be written and is none of the inputs.</summary>
    public static void CheckOutput(FileInfo file, string option, params (FileInfo File, string Option)[] inputs)
    {
        try
        {
            OutputTarget.CheckFile(file.FullName, [.. inputs.Select(i => (i.File.FullName, $"{i.Option} file"))]);
            OutputTarget.CheckWritable(file.FullName);
        }
        catch (IOException e)
        {
            throw new IOException($"{option} {e.Message}", e);
        }
    }

    /// <summary>Throws naming <paramref name="option"/> unless <paramref name="folder"/> can be a folder (not a file, not below one) and be written.</summary>
    public static void CheckOutputFolder(DirectoryInfo folder, string option)
    {
        try
        {
            OutputTarget.CheckFolder(folder.FullName);
            OutputTarget.CheckWritable(Path.Combine(folder.FullName, "manifest.json"));
        }
        catch (IOException e)
        {
            throw new IOException($"{option} {e.Message}", e);
        }
    }
}
