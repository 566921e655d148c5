using System.Numerics;

namespace Vcmr.Data;

/// <summary>A (Rows, Cols) float32 matrix stored row-major: the features of one video, subtitle track or query.</summary>
public sealed record FeatureMatrix(float[] Data, int Rows, int Cols)
{
    /// <summary>First <paramref name="maxRows"/> rows (the reference's h5[key][:max_l]).</summary>
    public FeatureMatrix Truncate(int maxRows) =>
        Rows <= maxRows ? this : new FeatureMatrix(Data[..(maxRows * Cols)], maxRows, Cols);

    /// <summary>Per-row x/(||x||+1e-5), as the reference loader does; zero rows stay zero.</summary>
    public FeatureMatrix L2NormalizeRows() => new FeatureMatrix((float[])Data.Clone(), Rows, Cols).L2NormalizeRowsInPlace();

    /// <summary><see cref="L2NormalizeRows()"/> overwriting this matrix: for matrices just read from a store, whose array nobody else holds.</summary>
    internal FeatureMatrix L2NormalizeRowsInPlace()
    {
        L2NormalizeRows(Data, Rows, Cols, Cols);
        return this;
    }

    /// <summary>Appends the temporal endpoint feature columns [i/L, (i+1)/L] (D becomes D+2).</summary>
    public FeatureMatrix AppendTef()
    {
        int cols = Cols + 2;
        var result = new float[Rows * cols];
        for (int r = 0; r < Rows; r++) Data.AsSpan(r * Cols, Cols).CopyTo(result.AsSpan(r * cols, Cols));
        WriteTef(result, Rows, Cols, cols);
        return new FeatureMatrix(result, Rows, cols);
    }

    /// <summary>x/(||x||+1e-5) on the first <paramref name="cols"/> values of each of <paramref name="rows"/> rows <paramref name="stride"/> apart.</summary>
    internal static void L2NormalizeRows(Span<float> data, int rows, int cols, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = data.Slice(r * stride, cols);
            float scale = (float)(1.0 / (Math.Sqrt(SumOfSquares(row)) + 1e-5));
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= cols - Vector<float>.Count; i += Vector<float>.Count)
                    (new Vector<float>(row[i..]) * scale).CopyTo(row[i..]);
            for (; i < cols; i++) row[i] *= scale;
        }
    }

    // Accumulated in double (as the scalar loop this replaced), SIMD-wide.
    private static double SumOfSquares(ReadOnlySpan<float> row)
    {
        var acc = Vector<double>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(row[i..]), out var lo, out var hi);
                acc += lo * lo + hi * hi;
            }
        double sum = Vector.Sum(acc);
        for (; i < row.Length; i++) sum += (double)row[i] * row[i];
        return sum;
    }

    /// <summary>Writes [i/L, (i+1)/L] into columns <paramref name="cols"/> and cols+1 of each row (L = <paramref name="rows"/>).</summary>
    internal static void WriteTef(Span<float> data, int rows, int cols, int stride)
    {
        for (int r = 0; r < rows; r++)
        {
            data[r * stride + cols] = (float)r / rows;
            data[r * stride + cols + 1] = (float)(r + 1) / rows;
        }
    }
}
