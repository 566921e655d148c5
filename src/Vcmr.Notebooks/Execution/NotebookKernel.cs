using Markdig;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Vcmr.Notebooks.Execution;

/// <summary>
/// The kernel a notebook runs in: the real .NET Interactive C# kernel, composed as VS Code's kernel
/// (Microsoft.dotnet-interactive) and dotnet-repl compose it: `#r "nuget:"` and `#i`, the kernel helpers (display,
/// HTML, ...), #!who, value sharing and #!import, plus a markdown kernel for `#!markdown` cells.
/// </summary>
public static class NotebookKernel
{
    /// <summary>Name of the C# kernel (cells without a kernel name go there).</summary>
    public const string CSharp = "csharp";

    /// <summary>Name of the markdown kernel.</summary>
    public const string Markdown = "markdown";

    /// <summary>
    /// A fresh kernel with the default formatters: formatters registered by an earlier notebook are process-wide in
    /// the formatting library and must not leak in, exactly as a new VS Code kernel starts without them.
    /// </summary>
    public static CompositeKernel Create()
    {
        Formatter.ResetToDefault();
        // VS Code's front end: HTML unless a type prefers otherwise, strings as plain text
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);

        var csharp = new CSharpKernel()
            .UseNugetDirective((kernel, packages) =>
            {
                kernel.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        var composite = new CompositeKernel();
        composite.Add(csharp, ["c#", "C#"]);
        composite.Add(new MarkdownKernel());
        composite.UseImportMagicCommand();
        composite.DefaultKernelName = CSharp;
        return composite;
    }

    /// <summary>The kernel names and magic commands (`#!name`) that <paramref name="kernel"/> and its subkernels understand.</summary>
    public static IReadOnlySet<string> MagicCommands(CompositeKernel kernel)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var k in kernel.ChildKernels.Append(kernel))
        {
            names.UnionWith(k.KernelInfo.SupportedDirectives.Select(d => d.Name).Where(n => n.StartsWith("#!", StringComparison.Ordinal)));
            if (k != kernel) names.UnionWith(k.KernelInfo.Aliases.Append(k.Name).Select(n => "#!" + n));
        }
        return names;
    }

    /// <summary>Markdown rendered to HTML, as VS Code's kernel renders a `#!markdown` cell.</summary>
    private sealed class MarkdownKernel() : Kernel(Markdown), IKernelCommandHandler<SubmitCode>
    {
        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

        public Task HandleAsync(SubmitCode command, KernelInvocationContext context)
        {
            string html = Markdig.Markdown.ToHtml(command.Code, Pipeline);
            context.Publish(new DisplayedValueProduced(html, command, [new FormattedValue(HtmlFormatter.MimeType, html)]));
            return Task.CompletedTask;
        }
    }
}
