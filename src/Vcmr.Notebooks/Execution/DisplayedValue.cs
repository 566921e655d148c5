namespace Vcmr.Notebooks.Execution;

/// <summary>The handle display(x) returns: Update(y) replaces that output in place (progress in long cells).</summary>
public sealed class DisplayedValue
{
    private readonly CellOutputs outputs;
    private readonly int index;
    private readonly string[] mimeTypes;

    internal DisplayedValue(CellOutputs outputs, int index, string[] mimeTypes)
    {
        this.outputs = outputs;
        this.index = index;
        this.mimeTypes = mimeTypes;
    }

    /// <summary>Replaces the displayed value.</summary>
    public void Update(object? value) => outputs.Replace(index, value, mimeTypes);
}
