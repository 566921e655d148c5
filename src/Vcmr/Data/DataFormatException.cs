namespace Vcmr.Data;

/// <summary>Bad input data; the message names the file and the line or key.</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner);
