namespace Vcmr.Notebooks.Document;

/// <summary>A notebook that cannot be run; the message names the notebook, the cell (when known) and the cause.</summary>
public sealed class NotebookFormatException(string message) : Exception(message);
