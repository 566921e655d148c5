using System.Text;

namespace Vcmr.Notebooks.Execution;

/// <summary>A console writer that records into the running cell's outputs and echoes live for progress.</summary>
internal sealed class CellConsole(string stream, TextWriter echo) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        CellOutputs.Current?.Stream(stream, value);
        echo.Write(value);
    }

    public override void WriteLine(string? value) => Write(value + "\n");
}
