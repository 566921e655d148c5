using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Vcmr.Notebooks.Report;

/// <summary>
/// plotly.js as bundled in Plotly.NET 6.0.0, read from the package's assembly (embedded in the runner as bytes)
/// with the metadata reader, so no Plotly.NET type is loaded into the process the notebooks share.
/// </summary>
public static class PlotlyJs
{
    /// <summary>The manifest resource name inside Plotly.NET.dll.</summary>
    public const string ResourceName = "Plotly.NET.plotly-2.28.0.min.js";

    private static readonly Lazy<string> Script = new(Read);

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => Script.Value;

    private static string Read()
    {
        using var stream = typeof(PlotlyJs).Assembly.GetManifestResourceStream("Plotly.NET.dll.bin")
            ?? throw new InvalidOperationException("the runner was built without Plotly.NET.dll.bin");
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != ResourceName) continue;
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var reader = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            int length = reader.ReadInt32();
            return Encoding.UTF8.GetString(reader.ReadBytes(length));
        }
        throw new InvalidOperationException($"Plotly.NET.dll has no resource {ResourceName}");
    }
}
