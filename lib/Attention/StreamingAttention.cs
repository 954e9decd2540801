using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MathNet.Numerics.LinearAlgebra;

namespace Attention;

/// <summary>
/// Exact scaled dot-product attention that never stores the <c>n × m</c> score matrix (the FlashAttention
/// scheme, Dao et al. 2022): queries in blocks of rows, keys in blocks, and for each query a running maximum
/// <c>mᵢ</c>, a running sum <c>ℓᵢ</c> and a running output, rescaled by <c>e^(m_old − m_new)</c> whenever a key
/// block raises the maximum. The result equals <see cref="ScaledDotProductAttention"/>'s output (up to rounding);
/// the extra memory is the keys packed once (<c>m × d_k</c>) plus a few small blocks per thread — O(n·d), not O(n²).
/// </summary>
/// <remarks>
/// <para>Shapes (row-major): Q <c>[queries, heads·d_k]</c>, K <c>[keys, heads·d_k]</c>, V <c>[keys, heads·d_v]</c>,
/// output <c>[queries, heads·d_v]</c>; head h uses columns <c>h·d_k … (h+1)·d_k − 1</c> of Q and K and
/// <c>h·d_v …</c> of V and the output (as <see cref="MultiHeadAttention"/> splits them; no projections here).
/// Work is split over heads and query blocks on up to <see cref="KernelSettings.MaxDegreeOfParallelism"/> threads.</para>
/// <para>Masks: <c>causal</c> lets query i see keys <c>j ≤ i + (keys − queries)</c>, as <see cref="Masks.Causal(int, int)"/>;
/// key blocks entirely in the future are skipped, so causal attention costs about half. <c>keyMask</c>
/// (length <c>keys</c>, true = may attend) removes padding keys for every query.</para>
/// <para>Special values follow <see cref="Softmax"/>: a query that may attend to nothing gets the zero vector; a NaN
/// score among its allowed keys makes its output NaN; +∞ scores share the weight. Such rows (and every row when V holds
/// ±∞ or NaN, where a zero weight must contribute nothing) are recomputed one at a time with the plain kernel, with
/// O(keys) extra memory.</para>
/// </remarks>
public static class StreamingAttention
{
    /// <summary>Streaming attention on MathNet matrices: <c>softmax(Q·Kᵀ/√d_k, masked)·V</c> without the weights.</summary>
    /// <param name="q">Queries, <c>[n, d_k]</c>.</param>
    /// <param name="k">Keys, <c>[m, d_k]</c>.</param>
    /// <param name="v">Values, <c>[m, d_v]</c>.</param>
    /// <param name="causal">Query i sees only keys <c>j ≤ i + (m − n)</c>.</param>
    /// <param name="keyMask">Optional, one flag per key; true = may attend.</param>
    /// <returns>The output, <c>[n, d_v]</c>.</returns>
    public static Matrix<double> Compute(Matrix<double> q, Matrix<double> k, Matrix<double> v, bool causal = false, bool[]? keyMask = null)
    {
        Check.NotNull(q, nameof(q));
        Check.NotNull(k, nameof(k));
        Check.NotNull(v, nameof(v));
        Scores.CheckQK(q, k);
        if (k.RowCount != v.RowCount)
            throw new ArgumentException(
                $"K is {Check.Shape(k)} but V is {Check.Shape(v)}: keys have {k.RowCount} rows but values have {v.RowCount}. Every key needs exactly one value.",
                nameof(v));
        int n = q.RowCount, m = k.RowCount, dk = q.ColumnCount, dv = v.ColumnCount;
        CheckKeyMask(keyMask?.Length ?? 0, m);
        var output = Check.Allocate<double>(n, dv, nameof(v), "The output (queries × value width)");
        Kernel<double>(Layout.ToRowMajor(q), Layout.ToRowMajor(k), Layout.ToRowMajor(v), output, n, m, dk, dv, 1, causal, keyMask);
        return Layout.FromRowMajor(output, n, dv);
    }

    /// <summary>Span kernel: row-major streaming attention for one or more heads.</summary>
    /// <param name="q">Queries, <c>[queries, heads·dk]</c>.</param>
    /// <param name="k">Keys, <c>[keys, heads·dk]</c>.</param>
    /// <param name="v">Values, <c>[keys, heads·dv]</c>.</param>
    /// <param name="output">Destination, <c>[queries, heads·dv]</c>.</param>
    /// <param name="queries">Number of queries.</param>
    /// <param name="keys">Number of keys (and values).</param>
    /// <param name="dk">Query/key width of one head.</param>
    /// <param name="dv">Value width of one head.</param>
    /// <param name="causal">Query i sees only keys <c>j ≤ i + (keys − queries)</c>.</param>
    /// <param name="keyMask">Empty for none, otherwise one flag per key; true = may attend.</param>
    /// <param name="heads">Number of heads side by side in the columns (≥ 1).</param>
    public static void Compute(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int queries, int keys, int dk, int dv, bool causal = false, ReadOnlySpan<bool> keyMask = default, int heads = 1)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, keyMask.Length, queries, keys, dk, dv, heads);
        Kernel(q, k, v, output, queries, keys, dk, dv, heads, causal, keyMask);
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, bool, ReadOnlySpan{bool}, int)"/>
    public static void Compute(ReadOnlySpan<double> q, ReadOnlySpan<double> k, ReadOnlySpan<double> v, Span<double> output,
        int queries, int keys, int dk, int dv, bool causal = false, ReadOnlySpan<bool> keyMask = default, int heads = 1)
    {
        CheckSpans(q.Length, k.Length, v.Length, output.Length, keyMask.Length, queries, keys, dk, dv, heads);
        Kernel(q, k, v, output, queries, keys, dk, dv, heads, causal, keyMask);
    }

    /// <summary>The bytes the kernel allocates besides its inputs and output, by formula: K packed into panels
    /// (<c>keys × heads·dk</c>, rounded up to whole panels), V packed only when <c>dv</c> is not a multiple of the panel
    /// width, a key-mask row, and per thread a score block, an output block and the running statistics.</summary>
    /// <param name="queries">Number of queries.</param>
    /// <param name="keys">Number of keys.</param>
    /// <param name="dk">Query/key width of one head.</param>
    /// <param name="dv">Value width of one head.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="bytesPerValue">4 for float, 8 for double.</param>
    /// <returns>An upper bound of the extra bytes on this machine's vector width and thread setting.</returns>
    public static long ExtraBytes(int queries, int keys, int dk, int dv, int heads = 1, int bytesPerValue = 4)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        Check.Positive(dk, nameof(dk));
        Check.NonNegative(dv, nameof(dv));
        Check.Positive(heads, nameof(heads));
        if (bytesPerValue != 4 && bytesPerValue != 8)
            throw new ArgumentOutOfRangeException(nameof(bytesPerValue), bytesPerValue, "bytesPerValue must be 4 (float) or 8 (double).");
        int nr = 2 * Math.Max(1, (Simd.Use512 ? 64 : 32) / bytesPerValue);
        long packedK = (long)heads * Gemm.PackedLength(keys, dk, nr);
        long packedV = dv % nr == 0 ? 0 : (long)heads * ((dv + nr - 1) / nr) * nr * keys;
        long perThread = (long)QueryBlock * (KeyBlock(bytesPerValue) + dv + 2) + keys;
        int threads = KernelSettings.MaxDegreeOfParallelism; // one block of scratch per thread the call may use
        return bytesPerValue * (packedK + packedV + keys + threads * perThread);
    }

    private static void CheckKeyMask(int length, int keys)
    {
        if (length != 0 && length != keys)
            throw new ArgumentException(
                $"The key mask should be empty (no mask) or hold one flag per key ({keys}), but it holds {length}.", "keyMask");
    }

    private static void CheckSpans(int qLength, int kLength, int vLength, int oLength, int maskLength,
        int queries, int keys, int dk, int dv, int heads)
    {
        Check.NonNegative(queries, nameof(queries));
        Check.NonNegative(keys, nameof(keys));
        Check.Positive(dk, nameof(dk));
        Check.NonNegative(dv, nameof(dv));
        Check.Positive(heads, nameof(heads));
        int qk = checked(heads * dk), vv = checked(heads * dv);
        Check.Span(qLength, queries, qk, "Q");
        Check.Span(kLength, keys, qk, "K");
        Check.Span(vLength, keys, vv, "V");
        Check.Span(oLength, queries, vv, "the output");
        CheckKeyMask(maskLength, keys);
    }

    /// <summary>Query rows per block.</summary>
    internal const int QueryBlock = 48;

    /// <summary>Keys per block: the score block is about 48 KB.</summary>
    internal static int KeyBlock(int bytesPerValue) => bytesPerValue == 4 ? 256 : 128;

    internal static void Kernel<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output,
        int n, int m, int dk, int dv, int heads, bool causal, ReadOnlySpan<bool> keyMask)
        where T : IFloatingPointIeee754<T>
    {
        if (Simd.Use256 && typeof(T) == typeof(float))
        {
            var qf = RowSoftmax.Cast<T, float>(q);
            var kf = RowSoftmax.Cast<T, float>(k);
            var vf = RowSoftmax.Cast<T, float>(v);
            var of = RowSoftmax.Cast<T, float>(output);
            if (Simd.Use512) Run<float, Vector512<float>, Simd512F>(qf, kf, vf, of, n, m, dk, dv, heads, causal, keyMask);
            else Run<float, Vector256<float>, Simd256F>(qf, kf, vf, of, n, m, dk, dv, heads, causal, keyMask);
        }
        else if (Simd.Use256 && typeof(T) == typeof(double))
        {
            var qd = RowSoftmax.Cast<T, double>(q);
            var kd = RowSoftmax.Cast<T, double>(k);
            var vd = RowSoftmax.Cast<T, double>(v);
            var od = RowSoftmax.Cast<T, double>(output);
            if (Simd.Use512) Run<double, Vector512<double>, Simd512D>(qd, kd, vd, od, n, m, dk, dv, heads, causal, keyMask);
            else Run<double, Vector256<double>, Simd256D>(qd, kd, vd, od, n, m, dk, dv, heads, causal, keyMask);
        }
        else
        {
            var row = new T[m];
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < n; i++) ExactRow(q, k, v, output, row, i, h, n, m, dk, dv, heads, causal, keyMask);
        }
    }

    /// <summary>One query of one head, the plain way: all its scores in a row of <c>m</c> values, the plain softmax,
    /// the weighted sum that skips zero weights. For rows with NaN or +∞ scores and for non-finite V.</summary>
    private static void ExactRow<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output, Span<T> row,
        int i, int h, int n, int m, int dk, int dv, int heads, bool causal, ReadOnlySpan<bool> keyMask)
        where T : IFloatingPointIeee754<T>
    {
        int ldq = heads * dk, ldv = heads * dv;
        T scale = Scores.InverseSqrt<T>(dk);
        var qi = q.Slice(i * ldq + h * dk, dk);
        long last = causal ? (long)i + m - n : m - 1;
        for (int j = 0; j < m; j++)
        {
            bool allowed = j <= last && (keyMask.IsEmpty || keyMask[j]);
            row[j] = allowed ? TensorPrimitives.Dot(qi, k.Slice(j * ldq + h * dk, dk)) * scale : T.NegativeInfinity;
        }
        Softmax.Row<T>(row, row, T.One);
        var o = output.Slice(i * ldv + h * dv, dv);
        o.Clear();
        for (int j = 0; j < m; j++)
        {
            T w = row[j];
            if (w == T.Zero) continue;
            TensorPrimitives.MultiplyAdd(v.Slice(j * ldv + h * dv, dv), w, o, o);
        }
    }

    private sealed class Scratch<T>(int queryBlock, int keyBlock, int dv, int keys)
    {
        public readonly T[] Scores = new T[queryBlock * keyBlock];
        public readonly T[] Output = new T[queryBlock * Math.Max(1, dv)];
        public readonly T[] Max = new T[queryBlock];
        public readonly T[] Sum = new T[queryBlock];
        public readonly bool[] Special = new bool[queryBlock];
        private T[]? _row;
        public T[] Row => _row ??= new T[keys];
    }

    private static unsafe void Run<T, V, S>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, Span<T> output,
        int n, int m, int dk, int dv, int heads, bool causal, ReadOnlySpan<bool> keyMask)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        if (n == 0) return;
        if (m == 0 || dv == 0) { output.Clear(); return; }
        var profile = BlockedAttention.Profile;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        int nr = 2 * S.Count, ldq = heads * dk, ldv = heads * dv;
        int mb = QueryBlock, kb = KeyBlock(Unsafe.SizeOf<T>());
        long kPanels = Gemm.PackedLength(m, dk, nr);
        var kPacked = Gemm.AllocatePacked<T>(heads * kPanels, "The packed keys");
        for (int h = 0; h < heads; h++) Gemm.PackTransposed(k, ldq, h * dk, m, dk, nr, kPacked.AsSpan((int)(h * kPanels), (int)kPanels));
        bool vInPlace = dv % nr == 0;
        long vPanels = Gemm.PackedColumnsLength(m, dv, nr);
        if (!vInPlace) Check.Elements(heads, vPanels, "v", "The packed values");
        int vPanelLength = (int)vPanels; // fits: heads × vPanels does
        T[]? vPacked = null;
        if (!vInPlace)
        {
            vPacked = Gemm.AllocatePacked<T>((long)heads * vPanelLength, "The packed values");
            for (int h = 0; h < heads; h++) Gemm.PackColumns(v, ldv, h * dv, m, dv, nr, vPacked.AsSpan(h * vPanelLength, vPanelLength));
        }
        bool vFinite = Finite.All<T, V, S>(v);
        T[]? keyBias = null;
        if (!keyMask.IsEmpty)
        {
            keyBias = new T[m];
            for (int j = 0; j < m; j++) keyBias[j] = keyMask[j] ? T.Zero : T.NegativeInfinity;
        }
        if (profile is not null) Interlocked.Add(ref profile.Packing, System.Diagnostics.Stopwatch.GetTimestamp() - t0);

        T scale = Scores.InverseSqrt<T>(dk);
        int queryBlocks = (n + mb - 1) / mb;
        long offset = (long)m - n; // causal: query i sees keys j ≤ i + offset
        double work = 2.0 * heads * n * m * (dk + dv) * (causal ? 0.5 : 1);
        fixed (T* pq = q, pk = k, pv = v, po = output, pkp = kPacked, pvp = vPacked, pbias = keyBias)
        fixed (bool* pmask = keyMask)
        {
            T* qp = pq, kp = pk, vp = pv, op = po, kpp = pkp, vpp = pvp, biasp = pbias;
            bool* maskp = pmask;
            int maskLength = keyMask.Length;
            Simd.For(heads * queryBlocks, work, () => new Scratch<T>(mb, kb, dv, m), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int item, Scratch<T> scratch) =>
            {
                int h = item / queryBlocks;
                int qb = queryBlocks - 1 - item % queryBlocks; // the longest causal blocks first
                int i0 = qb * mb, rows = Math.Min(mb, n - i0);
                var spanQ = new ReadOnlySpan<T>(qp, n * ldq);
                var spanK = new ReadOnlySpan<T>(kp, m * ldq);
                var spanV = new ReadOnlySpan<T>(vp, m * ldv);
                var spanO = new Span<T>(op, n * ldv);
                var mask = new ReadOnlySpan<bool>(maskp, maskLength);
                if (!vFinite)
                {
                    for (int r = 0; r < rows; r++) ExactRow(spanQ, spanK, spanV, spanO, scratch.Row, i0 + r, h, n, m, dk, dv, heads, causal, mask);
                    return;
                }
                long s0 = profile is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                long scoresTicks = 0, softmaxTicks = 0, sumTicks = 0;
                T[] sBlock = scratch.Scores, oBlock = scratch.Output, mRun = scratch.Max, lRun = scratch.Sum;
                bool[] special = scratch.Special;
                Array.Fill(mRun, T.NegativeInfinity, 0, rows);
                Array.Clear(lRun, 0, rows);
                Array.Clear(special, 0, rows);
                Array.Clear(oBlock, 0, rows * dv);
                long end = causal ? Math.Min(m, i0 + rows - 1 + offset + 1) : m; // keys past this are in every row's future
                ref T q0 = ref Unsafe.AsRef<T>(qp + (long)i0 * ldq + h * dk);
                ref T kHead = ref Unsafe.AsRef<T>(kpp + h * kPanels);
                ref T vHead = ref vInPlace ? ref Unsafe.AsRef<T>(vp + h * dv) : ref Unsafe.AsRef<T>(vpp + (long)h * vPanelLength);
                int ldb = vInPlace ? ldv : nr, panelStride = vInPlace ? nr : nr * m;
                for (int j0 = 0; j0 < end; j0 += kb)
                {
                    int cols = (int)Math.Min(kb, end - j0);
                    long a = profile is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                    Gemm.Block<T, V, S>(ref q0, ldq, rows, dk, ref Unsafe.Add(ref kHead, (nint)(j0 / nr) * dk * nr), nr, dk * nr, cols,
                        ref sBlock[0], kb, scale, accumulate: false);
                    long b = profile is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                    bool diagonal = causal && j0 + cols - 1 > i0 + offset;
                    for (int r = 0; r < rows; r++)
                    {
                        var row = sBlock.AsSpan(r * kb, cols);
                        if (special[r]) { row.Clear(); continue; }
                        if (biasp is not null) TensorPrimitives.Add(row, new ReadOnlySpan<T>(biasp + j0, cols), row);
                        if (diagonal)
                        {
                            long allowed = i0 + r + offset - j0 + 1; // columns of this block query i0 + r may see
                            if (allowed < cols) row[(int)Math.Max(0, allowed)..].Fill(T.NegativeInfinity);
                        }
                        var (max, nan) = RowSoftmax.MaxAndNaN<T, V, S>(row);
                        if (nan || T.IsPositiveInfinity(max)) { special[r] = true; row.Clear(); continue; }
                        T mOld = mRun[r], mNew = T.Max(mOld, max);
                        if (T.IsNegativeInfinity(mNew)) { row.Clear(); continue; } // nothing allowed so far
                        T sum = RowSoftmax.ExpAndSum<T, V, S>(row, row, mNew, T.One);
                        if (mNew != mOld)
                        {
                            T correction = T.IsNegativeInfinity(mOld) ? T.Zero : T.Exp(mOld - mNew);
                            lRun[r] = lRun[r] * correction + sum;
                            RowSoftmax.Scale<T, V, S>(oBlock.AsSpan(r * dv, dv), correction);
                            mRun[r] = mNew;
                        }
                        else lRun[r] += sum;
                    }
                    long c = profile is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
                    Gemm.Block<T, V, S>(ref sBlock[0], kb, rows, cols, ref Unsafe.Add(ref vHead, (nint)j0 * ldb), ldb, panelStride, dv,
                        ref oBlock[0], dv, T.One, accumulate: true);
                    if (profile is not null)
                    {
                        long d = System.Diagnostics.Stopwatch.GetTimestamp();
                        scoresTicks += b - a; softmaxTicks += c - b; sumTicks += d - c;
                    }
                }
                for (int r = 0; r < rows; r++)
                {
                    int i = i0 + r;
                    if (special[r]) { ExactRow(spanQ, spanK, spanV, spanO, scratch.Row, i, h, n, m, dk, dv, heads, causal, mask); continue; }
                    var o = spanO.Slice(i * ldv + h * dv, dv);
                    T l = lRun[r];
                    if (l == T.Zero) { o.Clear(); continue; } // the query may attend to nothing: zeros
                    var acc = oBlock.AsSpan(r * dv, dv);
                    T inverse = T.One / l;
                    for (int c = 0; c < dv; c++) o[c] = acc[c] * inverse;
                }
                if (profile is not null)
                {
                    Interlocked.Add(ref profile.Scores, scoresTicks);
                    Interlocked.Add(ref profile.Softmax, softmaxTicks + (System.Diagnostics.Stopwatch.GetTimestamp() - s0 - scoresTicks - softmaxTicks - sumTicks));
                    Interlocked.Add(ref profile.WeightedSum, sumTicks);
                }
            });
        }
    }
}
