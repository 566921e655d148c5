using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The script options of the real C# kernel (CSharpKernel): its six default imports and LanguageVersion.Latest, so a
/// cell that compiles here compiles in VS Code too; #r and #load resolve from the notebook's folder.
/// </summary>
public static class KernelOptions
{
    /// <summary>The kernel's default imports, exactly: a notebook that needs System.IO must say so, as in VS Code.</summary>
    public static readonly IReadOnlyList<string> Imports =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"];

    /// <summary>The hidden first submission that brings display, HTML, CSS and Javascript into scope.</summary>
    public static string Prelude { get; } = $"using static {typeof(Kernel).FullName};";

    /// <summary>Options for a session whose #r / #load base is <paramref name="folder"/>.</summary>
    public static ScriptOptions Create(string folder) => ScriptOptions.Default
        .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(folder))
        .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(folder))
        .AddReferences(typeof(Kernel).Assembly, typeof(Formatter).Assembly, typeof(Enumerable).Assembly,
            typeof(System.Net.Http.HttpClient).Assembly, typeof(System.Text.RegularExpressions.Regex).Assembly)
        .AddImports(Imports)
        .WithEmitDebugInformation(true)
        .WithFileEncoding(System.Text.Encoding.UTF8)
        .WithLanguageVersion(LanguageVersion.Latest);
}
