namespace Vcmr.Notebooks.Execution;

/// <summary>HTML shown as is (the kernel's HTML(...) helper returns such a value).</summary>
public sealed record RawHtml(string Html)
{
    /// <inheritdoc />
    public override string ToString() => Html;
}
