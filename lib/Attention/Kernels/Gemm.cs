using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Attention;

/// <summary>
/// The matrix-product core of the fast kernels: a register-blocked micro-kernel that computes a
/// <c>6 × (2 vectors)</c> tile of <c>C = α·A·B</c> with fused multiply-adds, and the packing that puts B in
/// the layout it reads (rows of <c>2·lanes</c> consecutive values, so one tile's B is two vector loads per step).
/// </summary>
/// <remarks>
/// <para>A is read in place: element <c>(r, t)</c> at <c>a[r·lda + t]</c> (queries, or rows of weights).
/// B row <c>t</c> of a panel starts at <c>b[t·ldb]</c> and holds <c>2·lanes</c> values: either a packed
/// panel of <c>Kᵀ</c> (<see cref="PackTransposed{T}"/>, <c>ldb = 2·lanes</c>) or a slice of V read in
/// place (<c>ldb = d_v</c>, when d_v is a multiple of the panel width) or packed (<see cref="PackColumns{T}"/>).</para>
/// <para>The tile keeps its 12 accumulators in registers for the whole inner dimension, so each step costs
/// two loads of B, six broadcasts of A and twelve FMAs.</para>
/// </remarks>
internal static class Gemm
{
    /// <summary>Rows of a micro-tile.</summary>
    public const int MR = 6;

    /// <summary>One micro-tile: <c>C[6 × 2·lanes] = α·A·B</c>, or <c>C += A·B</c> when <paramref name="accumulate"/>
    /// (then α must be 1). All six rows and both vectors of C are written; <see cref="Block{T, V, S}"/> gives edge tiles
    /// a scratch C. Rows of A past <paramref name="rows"/> alias row 0 (computed, never used). B must be readable for the
    /// full panel width (packing pads with zeros).</summary>
    /// <remarks>Nothing but the loop and the stores lives here: with no other paths in the method the register
    /// allocator keeps all twelve accumulators in registers for the whole loop, with or without profile data.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<T, V, S>(ref T a, int lda, ref T b, int ldb, int kc, ref T c, int ldc, int rows, T alpha, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct
        where S : struct, ISimd<T, V>
    {
        int w = S.Count;
        ref T a0 = ref a;
        ref T a1 = ref Unsafe.Add(ref a, rows > 1 ? lda : 0);
        ref T a2 = ref Unsafe.Add(ref a, rows > 2 ? 2 * lda : 0);
        ref T a3 = ref Unsafe.Add(ref a, rows > 3 ? 3 * lda : 0);
        ref T a4 = ref Unsafe.Add(ref a, rows > 4 ? 4 * lda : 0);
        ref T a5 = ref Unsafe.Add(ref a, rows > 5 ? 5 * lda : 0);
        V c00 = S.Zero, c01 = S.Zero, c10 = S.Zero, c11 = S.Zero, c20 = S.Zero, c21 = S.Zero;
        V c30 = S.Zero, c31 = S.Zero, c40 = S.Zero, c41 = S.Zero, c50 = S.Zero, c51 = S.Zero;
        ref T bt = ref b;
        for (nint t = 0; t < kc; t++)
        {
            V b0 = S.Load(ref bt);
            V b1 = S.Load(ref Unsafe.Add(ref bt, w));
            bt = ref Unsafe.Add(ref bt, ldb);
            V x = S.Splat(Unsafe.Add(ref a0, t));
            c00 = S.MulAdd(x, b0, c00); c01 = S.MulAdd(x, b1, c01);
            x = S.Splat(Unsafe.Add(ref a1, t));
            c10 = S.MulAdd(x, b0, c10); c11 = S.MulAdd(x, b1, c11);
            x = S.Splat(Unsafe.Add(ref a2, t));
            c20 = S.MulAdd(x, b0, c20); c21 = S.MulAdd(x, b1, c21);
            x = S.Splat(Unsafe.Add(ref a3, t));
            c30 = S.MulAdd(x, b0, c30); c31 = S.MulAdd(x, b1, c31);
            x = S.Splat(Unsafe.Add(ref a4, t));
            c40 = S.MulAdd(x, b0, c40); c41 = S.MulAdd(x, b1, c41);
            x = S.Splat(Unsafe.Add(ref a5, t));
            c50 = S.MulAdd(x, b0, c50); c51 = S.MulAdd(x, b1, c51);
        }

        if (accumulate)
        {
            AddRow<T, V, S>(ref c, c00, c01);
            AddRow<T, V, S>(ref Unsafe.Add(ref c, ldc), c10, c11);
            AddRow<T, V, S>(ref Unsafe.Add(ref c, 2 * ldc), c20, c21);
            AddRow<T, V, S>(ref Unsafe.Add(ref c, 3 * ldc), c30, c31);
            AddRow<T, V, S>(ref Unsafe.Add(ref c, 4 * ldc), c40, c41);
            AddRow<T, V, S>(ref Unsafe.Add(ref c, 5 * ldc), c50, c51);
        }
        else
        {
            V s = S.Splat(alpha);
            SetRow<T, V, S>(ref c, c00, c01, s);
            SetRow<T, V, S>(ref Unsafe.Add(ref c, ldc), c10, c11, s);
            SetRow<T, V, S>(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, s);
            SetRow<T, V, S>(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, s);
            SetRow<T, V, S>(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, s);
            SetRow<T, V, S>(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, s);
        }
    }

    /// <summary>A tile at the bottom or right edge: computed into a scratch tile, then the part that exists is
    /// written (or added) to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile<T, V, S>(ref T a, int lda, ref T b, int ldb, int kc, ref T c, int ldc,
        int rows, int cols, T alpha, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int tw = 2 * S.Count;
        Span<T> tile = stackalloc T[MR * 2 * S.Count];
        ref T t0 = ref MemoryMarshal.GetReference(tile);
        Tile<T, V, S>(ref a, lda, ref b, ldb, kc, ref t0, tw, rows, alpha, accumulate: false);
        for (int r = 0; r < rows; r++)
        {
            ref T cr = ref Unsafe.Add(ref c, r * ldc);
            ref T tr = ref Unsafe.Add(ref t0, r * tw);
            if (accumulate)
                for (int j = 0; j < cols; j++) Unsafe.Add(ref cr, j) += Unsafe.Add(ref tr, j);
            else
                for (int j = 0; j < cols; j++) Unsafe.Add(ref cr, j) = Unsafe.Add(ref tr, j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, V, S>(ref T c, V lo, V hi)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        S.Store(S.Add(S.Load(ref c), lo), ref c);
        ref T c1 = ref Unsafe.Add(ref c, S.Count);
        S.Store(S.Add(S.Load(ref c1), hi), ref c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetRow<T, V, S>(ref T c, V lo, V hi, V alpha)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        S.Store(S.Mul(lo, alpha), ref c);
        S.Store(S.Mul(hi, alpha), ref Unsafe.Add(ref c, S.Count));
    }

    /// <summary>
    /// <c>C[rows × cols] = α·A·B</c> (or <c>+=</c>) for a block of A rows against consecutive B panels, panel
    /// outer and row groups inner, so each panel of B stays in L1 while all the rows use it.
    /// </summary>
    /// <param name="a">A row 0; row r at <c>r·lda</c>.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="rows">Rows of A and C.</param>
    /// <param name="kc">The inner dimension.</param>
    /// <param name="b">The first panel.</param>
    /// <param name="ldb">Row stride inside a panel.</param>
    /// <param name="panelStride">Distance from one panel to the next.</param>
    /// <param name="cols">Columns of C (the panels cover them, the last one possibly in part).</param>
    /// <param name="c">C row 0; row r at <c>r·ldc</c>.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="alpha">Scale of the product (1 when accumulating).</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block<T, V, S>(ref T a, int lda, int rows, int kc, ref T b, int ldb, int panelStride, int cols,
        ref T c, int ldc, T alpha, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int nr = 2 * S.Count;
        for (int c0 = 0, p = 0; c0 < cols; c0 += nr, p++)
        {
            ref T bp = ref Unsafe.Add(ref b, (nint)p * panelStride);
            int width = Math.Min(nr, cols - c0);
            for (int r0 = 0; r0 < rows; r0 += MR)
            {
                int height = Math.Min(MR, rows - r0);
                ref T ar = ref Unsafe.Add(ref a, (nint)r0 * lda);
                ref T cr = ref Unsafe.Add(ref c, (nint)r0 * ldc + c0);
                if (height == MR && width == nr) Tile<T, V, S>(ref ar, lda, ref bp, ldb, kc, ref cr, ldc, MR, alpha, accumulate);
                else EdgeTile<T, V, S>(ref ar, lda, ref bp, ldb, kc, ref cr, ldc, height, width, alpha, accumulate);
            }
        }
    }

    /// <summary>Number of values <see cref="PackTransposed{T}"/> writes for <paramref name="rows"/> rows.</summary>
    public static long PackedLength(int rows, int depth, int nr) => ((rows + (long)nr - 1) / nr) * nr * depth;

    /// <summary>Length of <paramref name="cols"/> columns packed in panels of <paramref name="nr"/> for <paramref name="rows"/> rows.</summary>
    public static long PackedColumnsLength(int rows, int cols, int nr) => ((cols + (long)nr - 1) / nr) * nr * rows;

    /// <summary>
    /// Working memory for packed panels: <paramref name="count"/> values, uninitialised. Throws
    /// <see cref="ArgumentOutOfRangeException"/> rather than overflow when one array cannot hold them.
    /// </summary>
    public static T[] AllocatePacked<T>(long count, string what) =>
        GC.AllocateUninitializedArray<T>(Check.Elements(count, 1, "k", what));

    /// <summary>
    /// Packs the rows of a row-major matrix (keys) as panels of <c>Bᵀ</c>: panel p holds rows
    /// <c>p·nr … p·nr + nr − 1</c>, laid out <c>[depth][nr]</c> (row t of the panel is element t of each of those
    /// rows), zero-padded past the last row. Then <c>Q·Kᵀ</c> reads each panel with <c>ldb = nr</c>.
    /// </summary>
    /// <param name="src">Source; row j's element t at <c>j·ld + offset + t</c>.</param>
    /// <param name="ld">Row stride of the source.</param>
    /// <param name="offset">Column of the first element (a head's first column).</param>
    /// <param name="rows">Rows to pack.</param>
    /// <param name="depth">Elements per row (d_k).</param>
    /// <param name="nr">Panel width.</param>
    /// <param name="dst">Destination of <see cref="PackedLength"/> values.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposed<T>(ReadOnlySpan<T> src, int ld, int offset, int rows, int depth, int nr, Span<T> dst)
        where T : unmanaged
    {
        int panels = (rows + nr - 1) / nr;
        for (int p = 0; p < panels; p++)
        {
            var panel = dst.Slice(p * nr * depth, nr * depth);
            for (int jj = 0; jj < nr; jj++)
            {
                int j = p * nr + jj;
                if (j < rows)
                {
                    var row = src.Slice(j * ld + offset, depth);
                    for (int t = 0; t < depth; t++) panel[t * nr + jj] = row[t];
                }
                else
                    for (int t = 0; t < depth; t++) panel[t * nr + jj] = default;
            }
        }
    }

    /// <summary>
    /// Packs the columns of a row-major matrix (values) as panels: panel p holds columns <c>p·nr … p·nr + nr − 1</c>
    /// of every row, laid out <c>[rows][nr]</c>, zero-padded past the last column. Used when d_v is not a multiple of
    /// the panel width (otherwise V is read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackColumns<T>(ReadOnlySpan<T> src, int ld, int offset, int rows, int cols, int nr, Span<T> dst)
        where T : unmanaged
    {
        int panels = (cols + nr - 1) / nr;
        for (int p = 0; p < panels; p++)
        {
            var panel = dst.Slice(p * nr * rows, nr * rows);
            int width = Math.Min(nr, cols - p * nr);
            for (int j = 0; j < rows; j++)
            {
                var from = src.Slice(j * ld + offset + p * nr, width);
                var to = panel.Slice(j * nr, nr);
                from.CopyTo(to);
                to[width..].Clear();
            }
        }
    }
}
