using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// The fused vector softmax of one row: one pass for the maximum (and whether a NaN is present), one pass that
/// writes <c>e^((x − max)/T)</c> and sums it, one pass that scales by the reciprocal of the sum. A row of a few
/// thousand values stays in L1/L2 across the three passes, so memory is touched once on the way in and once on the
/// way out. Special values follow <see cref="Softmax"/>'s documented rules exactly.
/// </summary>
internal static class RowSoftmax
{
    /// <summary>Softmax of every <paramref name="cols"/>-long row of <paramref name="x"/> into <paramref name="y"/>
    /// (may alias exactly), rows spread over threads. Falls back to the plain per-row code without vector hardware.</summary>
    public static void Rows<T>(ReadOnlySpan<T> x, Span<T> y, int cols, T temperature)
        where T : IFloatingPointIeee754<T>
    {
        int rows = x.Length / cols;
        // A temperature so small that its reciprocal overflows (1e-310) would make (x − max)·∞ = NaN at the maximum: the
        // plain code divides instead, which gives the limit (the maximum entries share the weight) without a NaN.
        if (!Simd.Use256 || (typeof(T) != typeof(float) && typeof(T) != typeof(double)) || !T.IsFinite(T.One / temperature))
        {
            for (int r = 0; r < rows; r++) Softmax.Row(x.Slice(r * cols, cols), y.Slice(r * cols, cols), temperature);
            return;
        }
        T inverse = T.One / temperature;
        if (typeof(T) == typeof(float))
        {
            var xf = Cast<T, float>(x); var yf = Cast<T, float>(y);
            float s = float.CreateTruncating(inverse);
            if (Simd.Use512) Run<float, Vector512<float>, Simd512F>(xf, yf, rows, cols, s);
            else Run<float, Vector256<float>, Simd256F>(xf, yf, rows, cols, s);
        }
        else
        {
            var xd = Cast<T, double>(x); var yd = Cast<T, double>(y);
            double s = double.CreateTruncating(inverse);
            if (Simd.Use512) Run<double, Vector512<double>, Simd512D>(xd, yd, rows, cols, s);
            else Run<double, Vector256<double>, Simd256D>(xd, yd, rows, cols, s);
        }
    }

    private static unsafe void Run<T, V, S>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols, T inverseTemperature)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        // Blocks of rows of about 64 KB each, so a thread's rows are contiguous and the split is independent of the thread count.
        int rowsPerBlock = Math.Max(1, 16384 / Math.Max(1, cols));
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        fixed (T* px = x, py = y)
        {
            T* xp = px, yp = py;
            Simd.For(blocks, 8.0 * rows * cols, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int b) =>
            {
                int r0 = b * rowsPerBlock, r1 = Math.Min(rows, r0 + rowsPerBlock);
                for (int r = r0; r < r1; r++)
                    Row<T, V, S>(new ReadOnlySpan<T>(xp + (long)r * cols, cols), new Span<T>(yp + (long)r * cols, cols), inverseTemperature);
            });
        }
    }

    /// <summary>Softmax of one row, <c>y = softmax(x · inverseTemperature)</c>; <paramref name="x"/> and
    /// <paramref name="y"/> may be the same memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row<T, V, S>(ReadOnlySpan<T> x, Span<T> y, T inverseTemperature)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        var (max, nan) = MaxAndNaN<T, V, S>(x);
        if (!Finish(x, y, max, nan)) return;
        T sum = ExpAndSum<T, V, S>(x, y, max, inverseTemperature);
        Scale<T, V, S>(y, T.One / sum);
    }

    /// <summary>The largest non-NaN entry (−∞ for none) and whether any entry is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T Max, bool NaN) MaxAndNaN<T, V, S>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int n = x.Length, w = S.Count, i = 0;
        ref T p = ref MemoryMarshal.GetReference(x);
        T max = T.NegativeInfinity;
        bool nan = false;
        if (n >= w)
        {
            V m0 = S.Splat(T.NegativeInfinity), m1 = m0, bad = S.Zero;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                V v0 = S.Load(ref Unsafe.Add(ref p, i)), v1 = S.Load(ref Unsafe.Add(ref p, i + w));
                m0 = S.MaxKeep(m0, v0); m1 = S.MaxKeep(m1, v1);
                bad = S.Or(bad, S.Or(S.NaNLanes(v0), S.NaNLanes(v1)));
            }
            for (; i <= n - w; i += w)
            {
                V v = S.Load(ref Unsafe.Add(ref p, i));
                m0 = S.MaxKeep(m0, v);
                bad = S.Or(bad, S.NaNLanes(v));
            }
            max = S.Max(S.MaxKeep(m0, m1));
            nan = S.Any(bad);
        }
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref p, i);
            if (T.IsNaN(v)) nan = true;
            else if (v > max) max = v;
        }
        return (max, nan);
    }

    /// <summary>Handles the special rows; returns true when the row is ordinary (finite maximum, no NaN).</summary>
    public static bool Finish<T>(ReadOnlySpan<T> x, Span<T> y, T max, bool nan) where T : IFloatingPointIeee754<T>
    {
        if (nan) { y.Fill(T.NaN); return false; }
        if (T.IsNegativeInfinity(max)) { y.Clear(); return false; }
        if (T.IsPositiveInfinity(max))
        {
            int count = 0;
            foreach (T v in x) if (T.IsPositiveInfinity(v)) count++;
            T share = T.One / T.CreateChecked(count);
            for (int i = 0; i < x.Length; i++) y[i] = T.IsPositiveInfinity(x[i]) ? share : T.Zero;
            return false;
        }
        return true;
    }

    /// <summary><c>y = e^((x − max)·s)</c>, returning the sum of <c>y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpAndSum<T, V, S>(ReadOnlySpan<T> x, Span<T> y, T max, T s)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int n = x.Length, w = S.Count, i = 0;
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T py = ref MemoryMarshal.GetReference(y);
        T sum = T.Zero;
        if (n >= w)
        {
            V vm = S.Splat(max), vs = S.Splat(s), acc0 = S.Zero, acc1 = S.Zero;
            bool unit = s == T.One;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                V d0 = S.Sub(S.Load(ref Unsafe.Add(ref px, i)), vm), d1 = S.Sub(S.Load(ref Unsafe.Add(ref px, i + w)), vm);
                if (!unit) { d0 = S.Mul(d0, vs); d1 = S.Mul(d1, vs); }
                V e0 = S.ExpNonPositive(d0), e1 = S.ExpNonPositive(d1);
                S.Store(e0, ref Unsafe.Add(ref py, i)); S.Store(e1, ref Unsafe.Add(ref py, i + w));
                acc0 = S.Add(acc0, e0); acc1 = S.Add(acc1, e1);
            }
            for (; i <= n - w; i += w)
            {
                V d = S.Sub(S.Load(ref Unsafe.Add(ref px, i)), vm);
                if (!unit) d = S.Mul(d, vs);
                V e = S.ExpNonPositive(d);
                S.Store(e, ref Unsafe.Add(ref py, i));
                acc0 = S.Add(acc0, e);
            }
            sum = S.Sum(S.Add(acc0, acc1));
        }
        for (; i < n; i++)
        {
            T e = T.Exp((Unsafe.Add(ref px, i) - max) * s);
            Unsafe.Add(ref py, i) = e;
            sum += e;
        }
        return sum;
    }

    /// <summary><c>y *= factor</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale<T, V, S>(Span<T> y, T factor)
        where T : unmanaged, IFloatingPointIeee754<T> where V : struct where S : struct, ISimd<T, V>
    {
        int n = y.Length, w = S.Count, i = 0;
        ref T p = ref MemoryMarshal.GetReference(y);
        V f = S.Splat(factor);
        for (; i <= n - w; i += w) S.Store(S.Mul(S.Load(ref Unsafe.Add(ref p, i)), f), ref Unsafe.Add(ref p, i));
        for (; i < n; i++) Unsafe.Add(ref p, i) *= factor;
    }

    /// <summary>Reinterprets a span of <typeparamref name="TFrom"/> as <typeparamref name="TTo"/> (same size; the
    /// callers check <c>typeof(T)</c> first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> s) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(s)), s.Length);

    /// <inheritdoc cref="Cast{TFrom, TTo}(ReadOnlySpan{TFrom})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> s) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(s)), s.Length);
}
