using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Attention.Training;

/// <summary>
/// The few matrix products a backward pass needs, on row-major <see cref="RowMatrix"/> values. Small products are the
/// obvious loop over rows with a vectorised row update; from <see cref="RowGemm.MinWork"/> multiply-adds on (a padded
/// batch) they run on the register-blocked micro-kernel. The order of every sum is fixed either way, so results do not
/// depend on threads.
/// </summary>
internal static class RowOps
{
    /// <summary><c>a · b</c>: <c>[n, k] · [k, m] → [n, m]</c>.</summary>
    public static RowMatrix MatMul(RowMatrix a, RowMatrix b)
    {
        var y = new RowMatrix(a.Rows, b.Cols);
        MatMulAdd(a, b, y);
        return y;
    }

    /// <summary><c>y += a · b</c>.</summary>
    public static void MatMulAdd(RowMatrix a, RowMatrix b, RowMatrix y)
    {
        if (RowGemm.Applies(a.Rows, a.Cols, b.Cols))
        {
            RowGemm.Multiply(a.Data, a.Rows, a.Cols, b.Data, b.Cols, y.Data, accumulate: true);
            return;
        }
        for (int i = 0; i < a.Rows; i++)
        {
            var yi = y.Row(i);
            var ai = a.Row(i);
            for (int k = 0; k < a.Cols; k++)
            {
                double aik = ai[k];
                if (aik != 0) AddScaled(aik, b.Row(k), yi);
            }
        }
    }

    /// <summary><c>y = a · b</c> into an existing <c>[n, m]</c> matrix (every entry overwritten).</summary>
    public static void MatMulInto(RowMatrix a, RowMatrix b, RowMatrix y)
    {
        Array.Clear(y.Data);
        MatMulAdd(a, b, y);
    }

    /// <summary><c>a · bᵀ</c>: <c>[n, k] · [m, k]ᵀ → [n, m]</c>.</summary>
    public static RowMatrix MatMulTransposeB(RowMatrix a, RowMatrix b)
    {
        var y = new RowMatrix(a.Rows, b.Rows);
        MatMulTransposeBInto(a, b, y);
        return y;
    }

    /// <summary><c>y = a · bᵀ</c> into an existing <c>[n, m]</c> matrix (every entry overwritten).</summary>
    public static void MatMulTransposeBInto(RowMatrix a, RowMatrix b, RowMatrix y)
    {
        if (RowGemm.Applies(a.Rows, a.Cols, b.Rows))
        {
            RowGemm.MultiplyTransposed(a.Data, a.Rows, a.Cols, b.Data, b.Rows, y.Data);
            return;
        }
        for (int i = 0; i < a.Rows; i++)
        {
            var ai = a.Row(i);
            for (int j = 0; j < b.Rows; j++) y[i, j] = TensorPrimitives.Dot(ai, b.Row(j));
        }
    }

    /// <summary><c>y += aᵀ · b</c>: <c>[n, k]ᵀ · [n, m] → [k, m]</c> (the weight gradient <c>Xᵀ·dY</c>).</summary>
    public static void MatMulTransposeAAdd(RowMatrix a, RowMatrix b, RowMatrix y)
    {
        if (RowGemm.Applies(a.Cols, a.Rows, b.Cols))
        {
            // aᵀ in a pooled buffer (every entry written before it is read): the backward pass calls this for every
            // weight gradient, and a fresh array each time was a good part of what the garbage collector had to do.
            var at = ArrayPool<double>.Shared.Rent(a.Data.Length);
            for (int i = 0; i < a.Rows; i++)
                for (int k = 0; k < a.Cols; k++) at[k * a.Rows + i] = a.Data[i * a.Cols + k];
            RowGemm.Multiply(at, a.Cols, a.Rows, b.Data, b.Cols, y.Data, accumulate: true);
            ArrayPool<double>.Shared.Return(at);
            return;
        }
        for (int i = 0; i < a.Rows; i++)
        {
            var ai = a.Row(i);
            var bi = b.Row(i);
            for (int k = 0; k < a.Cols; k++)
            {
                double aik = ai[k];
                if (aik != 0) AddScaled(aik, bi, y.Row(k));
            }
        }
    }

    /// <summary>
    /// <c>y[j] += alpha · x[j]</c>, multiply then add (not fused), exactly what <c>TensorPrimitives.MultiplyAdd</c>
    /// computes. Inlined: the small products of attention's backward pass call it for rows of one head's width (8
    /// values), where a library call costs more than the arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, j = 0;
        if (y.Length < n) throw new ArgumentException($"The destination has {y.Length} values, the source {n}.", nameof(y));
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(alpha);
            for (; j <= n - Vector<double>.Count; j += Vector<double>.Count)
                (va * Vector.LoadUnsafe(ref rx, (nuint)j) + Vector.LoadUnsafe(ref ry, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
        }
        for (; j < n; j++) Unsafe.Add(ref ry, j) += alpha * Unsafe.Add(ref rx, j);
    }

    /// <summary>The column of each row's largest value (the first one on a tie): the predicted class per row.</summary>
    public static int[] ArgMaxRows(RowMatrix m)
    {
        var result = new int[m.Rows];
        for (int r = 0; r < m.Rows; r++) result[r] = ArgMax(m.Row(r));
        return result;
    }

    /// <summary>The index of the largest value (the first one on a tie).</summary>
    public static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary><c>a + b</c> as a new matrix.</summary>
    public static RowMatrix Add(RowMatrix a, RowMatrix b)
    {
        var y = new RowMatrix(a.Rows, a.Cols);
        TensorPrimitives.Add(a.Data, b.Data, y.Data);
        return y;
    }

    /// <summary><c>y += x</c>.</summary>
    public static void AddInPlace(RowMatrix y, RowMatrix x) => TensorPrimitives.Add(y.Data, x.Data, y.Data);

    /// <summary>Copies columns <c>start … start + width − 1</c> of <paramref name="src"/> into a new <c>[rows, width]</c> matrix.</summary>
    public static RowMatrix Columns(RowMatrix src, int start, int width)
    {
        var y = new RowMatrix(src.Rows, width);
        for (int r = 0; r < src.Rows; r++) src.Data.AsSpan(r * src.Cols + start, width).CopyTo(y.Row(r));
        return y;
    }

    /// <summary>Writes <paramref name="block"/> into columns <c>start …</c> of <paramref name="dst"/>.</summary>
    public static void SetColumns(RowMatrix dst, RowMatrix block, int start)
    {
        for (int r = 0; r < dst.Rows; r++) block.Row(r).CopyTo(dst.Data.AsSpan(r * dst.Cols + start, block.Cols));
    }
}
