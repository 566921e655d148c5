namespace Vcmr.Data;

/// <summary>Bad input data; the message names the file and the line or key.</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Throws naming <paramref name="path"/> unless it is an existing file; <paramref name="what"/> says what it should hold.</summary>
    public static void RequireFile(string path, string what)
    {
        if (Directory.Exists(path)) throw new DataFormatException($"{path}: is a folder, not a {what} file");
        if (!File.Exists(path)) throw new DataFormatException($"{path}: {what} file not found");
    }
}
