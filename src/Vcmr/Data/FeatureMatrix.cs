namespace Vcmr.Data;

/// <summary>A (Rows, Cols) float32 matrix stored row-major: the features of one video, subtitle track or query.</summary>
public sealed record FeatureMatrix(float[] Data, int Rows, int Cols)
{
    /// <summary>First <paramref name="maxRows"/> rows (the reference's h5[key][:max_l]).</summary>
    public FeatureMatrix Truncate(int maxRows) =>
        Rows <= maxRows ? this : new FeatureMatrix(Data[..(maxRows * Cols)], maxRows, Cols);

    /// <summary>Per-row x/(||x||+1e-5), as the reference loader does; zero rows stay zero.</summary>
    public FeatureMatrix L2NormalizeRows() => new FeatureMatrix((float[])Data.Clone(), Rows, Cols).L2NormalizeRowsInPlace();

    /// <summary>
    /// <see cref="L2NormalizeRows"/> overwriting this matrix: for matrices just read from a store, whose array nobody
    /// else holds (a fresh large array costs page faults on first touch, which dominate a store scan).
    /// </summary>
    internal FeatureMatrix L2NormalizeRowsInPlace()
    {
        for (int r = 0; r < Rows; r++)
        {
            var row = Data.AsSpan(r * Cols, Cols);
            double sum = 0;
            foreach (float x in row) sum += (double)x * x;
            float scale = (float)(1.0 / (Math.Sqrt(sum) + 1e-5));
            for (int c = 0; c < Cols; c++) row[c] *= scale;
        }
        return this;
    }

    /// <summary>Appends the temporal endpoint feature columns [i/L, (i+1)/L] (D becomes D+2).</summary>
    public FeatureMatrix AppendTef()
    {
        int cols = Cols + 2;
        var result = new float[Rows * cols];
        for (int r = 0; r < Rows; r++)
        {
            Data.AsSpan(r * Cols, Cols).CopyTo(result.AsSpan(r * cols, Cols));
            result[r * cols + Cols] = (float)r / Rows;
            result[r * cols + Cols + 1] = (float)(r + 1) / Rows;
        }
        return new FeatureMatrix(result, Rows, cols);
    }
}
