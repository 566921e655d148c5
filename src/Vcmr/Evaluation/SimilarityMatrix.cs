namespace Vcmr.Evaluation;

/// <summary>
/// A dense query-by-item similarity matrix, row-major (C order), float32 or float64 as it came from the model or a
/// <c>.npy</c> file: S[text x, video y] in the TextVR layout. Exactly one of <see cref="Float32"/> and
/// <see cref="Float64"/> is set; the precision is kept because narrowing float64 to float32 can create ties.
/// </summary>
public sealed class SimilarityMatrix
{
    public int Rows { get; }
    public int Cols { get; }
    public float[]? Float32 { get; }
    public double[]? Float64 { get; }

    public SimilarityMatrix(float[] data, int rows, int cols) : this(rows, cols, data.Length) => Float32 = data;

    public SimilarityMatrix(double[] data, int rows, int cols) : this(rows, cols, data.Length) => Float64 = data;

    private SimilarityMatrix(int rows, int cols, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if ((long)rows * cols != length)
            throw new ArgumentException($"a {rows} x {cols} matrix needs {(long)rows * cols} values, got {length}");
        (Rows, Cols) = (rows, cols);
    }

    /// <summary>"float32" or "float64".</summary>
    public string DType => Float32 != null ? "float32" : "float64";

    public double this[int row, int col] => Float32 != null ? Float32[(long)row * Cols + col] : Float64![(long)row * Cols + col];

    /// <summary>The transpose (rows = videos), same precision; the video-to-text direction is text-to-video on it.</summary>
    public SimilarityMatrix Transpose() =>
        Float32 != null ? new SimilarityMatrix(Transpose(Float32), Cols, Rows) : new SimilarityMatrix(Transpose(Float64!), Cols, Rows);

    private T[] Transpose<T>(T[] data)
    {
        var t = new T[data.Length];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Cols; c++)
                t[(long)c * Rows + r] = data[(long)r * Cols + c];
        return t;
    }
}
