using System.Numerics;

namespace Vcmr.Evaluation;

/// <summary>
/// The two counts the tie-averaged rank needs for every ground-truth cell (r, gt[r]): how many cells of its row
/// (text-to-video) and of its column (video-to-text) score strictly higher, and how many score the same (itself
/// included). One pass over the matrix per direction, compares vectorised with <see cref="Vector{T}"/>; the counts
/// are accumulated in T, exact because a count never exceeds 2^24 (checked by the caller).
/// </summary>
internal static class TieCounts
{
    /// <summary>Per row r: cells of row r above / equal to S[r, gt[r]]. NaN cells are neither (NumPy sorts them last).</summary>
    public static (int[] Greater, int[] Equal) AlongRows<T>(ReadOnlySpan<T> s, int rows, int cols, int[] gt)
        where T : unmanaged, INumber<T>
    {
        var greater = new int[rows];
        var equal = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = s.Slice(r * cols, cols);
            T value = row[gt[r]];
            Vector<T> target = new(value), above = Vector<T>.Zero, same = Vector<T>.Zero;
            int c = 0;
            for (; c <= cols - Vector<T>.Count; c += Vector<T>.Count)
            {
                var x = new Vector<T>(row.Slice(c));
                above += Vector.GreaterThan(x, target) & Vector<T>.One;
                same += Vector.Equals(x, target) & Vector<T>.One;
            }
            int g = int.CreateTruncating(Vector.Sum(above)), e = int.CreateTruncating(Vector.Sum(same));
            for (; c < cols; c++)
            {
                if (row[c] > value) g++;
                else if (row[c] == value) e++;
            }
            (greater[r], equal[r]) = (g, e);
        }
        return (greater, equal);
    }

    /// <summary>
    /// Per row r: cells of column gt[r] above / equal to S[r, gt[r]]. Streams the matrix row by row (no transpose).
    /// The GT cells are stacked in layers, layer j holding the j-th caption of every video, so that each row is
    /// compared element-wise with each layer (one layer on a square diagonal, k for k captions per video). When the
    /// captions are so unevenly spread that the layers would be mostly empty, each row is instead gathered at gt.
    /// </summary>
    public static (int[] Greater, int[] Equal) AlongColumns<T>(ReadOnlySpan<T> s, int rows, int cols, int[] gt)
        where T : unmanaged, INumber<T>
    {
        var layerOf = new int[rows];
        var perVideo = new int[cols];
        for (int r = 0; r < rows; r++) layerOf[r] = perVideo[gt[r]]++;
        int layers = perVideo.Max();
        bool layered = (long)layers * cols <= 2L * rows;
        int width = layered ? cols : rows;
        int slots = layered ? layers : 1;
        // empty layer cells hold NaN: no cell is above or equal to it
        var target = new T[slots * width];
        if (layered) target.AsSpan().Fill(T.CreateTruncating(double.NaN));
        int Slot(int r) => layered ? layerOf[r] * cols + gt[r] : r;
        for (int r = 0; r < rows; r++) target[Slot(r)] = s[r * cols + gt[r]];
        var above = new T[target.Length];
        var same = new T[target.Length];
        var gathered = layered ? [] : new T[rows];
        for (int i = 0; i < rows; i++)
        {
            var row = s.Slice(i * cols, cols);
            if (!layered)
            {
                for (int r = 0; r < rows; r++) gathered[r] = row[gt[r]];
                row = gathered;
            }
            for (int j = 0; j < slots; j++)
                Accumulate(row, target.AsSpan(j * width, width), above.AsSpan(j * width, width), same.AsSpan(j * width, width));
        }
        var greater = new int[rows];
        var equal = new int[rows];
        for (int r = 0; r < rows; r++) (greater[r], equal[r]) = (int.CreateTruncating(above[Slot(r)]), int.CreateTruncating(same[Slot(r)]));
        return (greater, equal);
    }

    private static void Accumulate<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> target, Span<T> above, Span<T> same)
        where T : unmanaged, INumber<T>
    {
        int n = x.Length, c = 0;
        for (; c <= n - Vector<T>.Count; c += Vector<T>.Count)
        {
            Vector<T> xv = new(x.Slice(c)), tv = new(target.Slice(c));
            (new Vector<T>(above.Slice(c)) + (Vector.GreaterThan(xv, tv) & Vector<T>.One)).CopyTo(above.Slice(c));
            (new Vector<T>(same.Slice(c)) + (Vector.Equals(xv, tv) & Vector<T>.One)).CopyTo(same.Slice(c));
        }
        for (; c < n; c++)
        {
            if (x[c] > target[c]) above[c]++;
            else if (x[c] == target[c]) same[c]++;
        }
    }
}
