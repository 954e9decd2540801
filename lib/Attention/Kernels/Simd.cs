using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Attention;

/// <summary>
/// The vector operations the fast kernels are written against, for one element type and one vector width.
/// The kernels are generic over an implementing struct, so the JIT compiles one specialised copy per
/// (type, width) and every call below inlines to one or a few instructions. Four implementations:
/// 256-bit (AVX2 + FMA) and 512-bit (AVX-512) vectors of <c>float</c> and <c>double</c>.
/// </summary>
internal interface ISimd<T, V>
    where T : unmanaged, IFloatingPointIeee754<T>
    where V : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract V Zero { get; }

    static abstract V Load(ref readonly T source);

    static abstract void Store(V value, ref T destination);

    static abstract V Splat(T value);

    /// <summary><c>a·b + c</c>, fused where the hardware has FMA.</summary>
    static abstract V MulAdd(V a, V b, V c);

    static abstract V Mul(V a, V b);

    static abstract V Add(V a, V b);

    static abstract V Sub(V a, V b);

    /// <summary>Lane-wise: <paramref name="x"/> where it is greater than <paramref name="acc"/>, else
    /// <paramref name="acc"/>. A NaN lane of <paramref name="x"/> never wins (the comparison is false).</summary>
    static abstract V MaxKeep(V acc, V x);

    /// <summary>All bits set in the lanes where <paramref name="x"/> is NaN.</summary>
    static abstract V NaNLanes(V x);

    static abstract V Or(V a, V b);

    /// <summary>Whether any lane of a comparison result is set.</summary>
    static abstract bool Any(V mask);

    /// <summary><c>e^x</c> for <c>x ≤ 0</c> (the only arguments softmax needs once the row maximum is
    /// subtracted); −∞ and arguments below the smallest normal result give exactly 0. Relative error about
    /// 2 units in the last place. A NaN lane gives an unspecified value: callers detect NaN separately.</summary>
    static abstract V ExpNonPositive(V x);

    /// <summary>Sum of the lanes.</summary>
    static abstract T Sum(V v);

    /// <summary>Largest lane of a vector with no NaN lanes.</summary>
    static abstract T Max(V v);
}

/// <summary>Shared constants of the exponential: Cody–Waite reduction <c>x = n·ln 2 + r</c>, <c>|r| ≤ ln2/2</c>,
/// then a polynomial for <c>e^r</c> and the exponent bits for <c>2^n</c>.</summary>
internal static class ExpConstants
{
    // float: the minimax polynomial of Cephes' expf (error about 1 ulp on the reduced range).
    public const float Log2EF = 1.44269504088896341f;
    public const float Ln2HiF = 0.693359375f;
    public const float Ln2LoF = -2.12194440e-4f;
    public const float RoundF = 12582912f;            // 1.5·2²³: adding it rounds to an integer kept in the low bits
    public const float UnderflowF = -87.33654f;       // e^x below this is no longer a normal float
    public const float P0F = 1.9875691500e-4f, P1F = 1.3981999507e-3f, P2F = 8.3334519073e-3f,
        P3F = 4.1665795894e-2f, P4F = 1.6666665459e-1f, P5F = 5.0000001201e-1f;

    // double: the Taylor series to degree 13 (truncation below 1e-17 on |r| ≤ ln2/2).
    public const double Log2ED = 1.4426950408889634;
    public const double Ln2HiD = 6.93147180369123816490e-01;
    public const double Ln2LoD = 1.90821492927058770002e-10;
    public const double RoundD = 6755399441055744.0;  // 1.5·2⁵²
    public const double UnderflowD = -708.3964185322641;
}

internal readonly struct Simd256F : ISimd<float, Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref readonly float source) => Vector256.LoadUnsafe(in source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MaxKeep(Vector256<float> acc, Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, acc), x, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> NaNLanes(Vector256<float> x) => ~Vector256.Equals(x, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<float> mask) => Vector256.ExtractMostSignificantBits(mask) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);

    public static float Max(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        return MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        var xc = Vector256.MaxNative(x, Vector256.Create(ExpConstants.UnderflowF));
        var t = Vector256.MultiplyAddEstimate(xc, Vector256.Create(ExpConstants.Log2EF), Vector256.Create(ExpConstants.RoundF));
        var n = t - Vector256.Create(ExpConstants.RoundF);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-ExpConstants.Ln2HiF), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-ExpConstants.Ln2LoF), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(ExpConstants.P0F), r, Vector256.Create(ExpConstants.P1F));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(ExpConstants.P2F));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(ExpConstants.P3F));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(ExpConstants.P4F));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(ExpConstants.P5F));
        var y = Vector256.MultiplyAddEstimate(p, r * r, r + Vector256<float>.One);
        var scale = Vector256.ShiftLeft(t.AsInt32() + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpConstants.UnderflowF)), Vector256<float>.Zero, y * scale);
    }
}

internal readonly struct Simd512F : ISimd<float, Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref readonly float source) => Vector512.LoadUnsafe(in source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MaxKeep(Vector512<float> acc, Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, acc), x, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> NaNLanes(Vector512<float> x) => ~Vector512.Equals(x, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<float> mask) => Vector512.ExtractMostSignificantBits(mask) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);

    public static float Max(Vector512<float> v) => Simd256F.Max(Vector256.Max(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        var xc = Vector512.MaxNative(x, Vector512.Create(ExpConstants.UnderflowF));
        var t = Vector512.MultiplyAddEstimate(xc, Vector512.Create(ExpConstants.Log2EF), Vector512.Create(ExpConstants.RoundF));
        var n = t - Vector512.Create(ExpConstants.RoundF);
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-ExpConstants.Ln2HiF), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-ExpConstants.Ln2LoF), r);
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(ExpConstants.P0F), r, Vector512.Create(ExpConstants.P1F));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(ExpConstants.P2F));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(ExpConstants.P3F));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(ExpConstants.P4F));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(ExpConstants.P5F));
        var y = Vector512.MultiplyAddEstimate(p, r * r, r + Vector512<float>.One);
        var scale = Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpConstants.UnderflowF)), Vector512<float>.Zero, y * scale);
    }
}

internal readonly struct Simd256D : ISimd<double, Vector256<double>>
{
    public static int Count => Vector256<double>.Count;
    public static Vector256<double> Zero => Vector256<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ref readonly double source) => Vector256.LoadUnsafe(in source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Splat(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MulAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Mul(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Sub(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MaxKeep(Vector256<double> acc, Vector256<double> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, acc), x, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> NaNLanes(Vector256<double> x) => ~Vector256.Equals(x, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Or(Vector256<double> a, Vector256<double> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<double> mask) => Vector256.ExtractMostSignificantBits(mask) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(Vector256<double> v) => Vector256.Sum(v);

    public static double Max(Vector256<double> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        return Math.Max(m[0], m[1]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpNonPositive(Vector256<double> x)
    {
        var xc = Vector256.MaxNative(x, Vector256.Create(ExpConstants.UnderflowD));
        var t = Vector256.MultiplyAddEstimate(xc, Vector256.Create(ExpConstants.Log2ED), Vector256.Create(ExpConstants.RoundD));
        var n = t - Vector256.Create(ExpConstants.RoundD);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-ExpConstants.Ln2HiD), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-ExpConstants.Ln2LoD), r);
        var p = Vector256.Create(1.0 / 6227020800.0); // 1/13!
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 479001600.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 39916800.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 3628800.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 362880.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 40320.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 5040.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 720.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 120.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 24.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 6.0));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5));
        var y = Vector256.MultiplyAddEstimate(p, r * r, r + Vector256<double>.One);
        var scale = Vector256.ShiftLeft(t.AsInt64() + Vector256.Create(1023L), 52).AsDouble();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpConstants.UnderflowD)), Vector256<double>.Zero, y * scale);
    }
}

internal readonly struct Simd512D : ISimd<double, Vector512<double>>
{
    public static int Count => Vector512<double>.Count;
    public static Vector512<double> Zero => Vector512<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ref readonly double source) => Vector512.LoadUnsafe(in source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Splat(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MulAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Mul(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Sub(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MaxKeep(Vector512<double> acc, Vector512<double> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, acc), x, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> NaNLanes(Vector512<double> x) => ~Vector512.Equals(x, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Or(Vector512<double> a, Vector512<double> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<double> mask) => Vector512.ExtractMostSignificantBits(mask) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(Vector512<double> v) => Vector512.Sum(v);

    public static double Max(Vector512<double> v) => Simd256D.Max(Vector256.Max(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        var xc = Vector512.MaxNative(x, Vector512.Create(ExpConstants.UnderflowD));
        var t = Vector512.MultiplyAddEstimate(xc, Vector512.Create(ExpConstants.Log2ED), Vector512.Create(ExpConstants.RoundD));
        var n = t - Vector512.Create(ExpConstants.RoundD);
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-ExpConstants.Ln2HiD), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-ExpConstants.Ln2LoD), r);
        var p = Vector512.Create(1.0 / 6227020800.0);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 479001600.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 39916800.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 3628800.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 362880.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 40320.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 5040.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 720.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 120.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 24.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.0 / 6.0));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(0.5));
        var y = Vector512.MultiplyAddEstimate(p, r * r, r + Vector512<double>.One);
        var scale = Vector512.ShiftLeft(t.AsInt64() + Vector512.Create(1023L), 52).AsDouble();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpConstants.UnderflowD)), Vector512<double>.Zero, y * scale);
    }
}

/// <summary>Which vector width the fast kernels use, and the row-block parallel loop they share.</summary>
internal static class Simd
{
    /// <summary>Set by tests to run the 256-bit code on a machine that has 512-bit vectors (both must be right).</summary>
    internal static bool Disable512;

    /// <summary>Set by tests and benchmarks to run the plain (pre-SIMD) kernels.</summary>
    internal static bool DisableAll;

    public static bool Use512 => !DisableAll && !Disable512 && Vector512.IsHardwareAccelerated;

    public static bool Use256 => !DisableAll && Vector256.IsHardwareAccelerated;

    public static int Width => Use512 ? 512 : Use256 ? 256 : 0;

    /// <summary>Runs <paramref name="body"/> for 0 … count − 1, over up to <see cref="KernelSettings.MaxDegreeOfParallelism"/>
    /// threads when the total work (in multiply-adds or similar) is worth it.</summary>
    public static void For(int count, double work, Action<int> body)
    {
        int degree = Math.Min(KernelSettings.MaxDegreeOfParallelism, count);
        if (degree <= 1 || work < ParallelThreshold)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }

    /// <summary>Like <see cref="For(int, double, Action{int})"/> with per-thread scratch made by <paramref name="scratch"/>.</summary>
    public static void For<TLocal>(int count, double work, Func<TLocal> scratch, Action<int, TLocal> body)
    {
        int degree = Math.Min(KernelSettings.MaxDegreeOfParallelism, count);
        if (degree <= 1 || work < ParallelThreshold)
        {
            if (count == 0) return;
            var local = scratch();
            for (int i = 0; i < count; i++) body(i, local);
            return;
        }
        // A pool rather than Parallel.For's per-task state: at most `degree` items run at once, so `degree` scratch
        // objects are enough however many tasks the scheduler starts. They are made here, on the calling thread, so the
        // memory a call needs is allocated by the caller (ScalingMeasurements.AllocatedBytes sees it).
        var pool = new System.Collections.Concurrent.ConcurrentStack<TLocal>();
        for (int t = 0; t < degree; t++) pool.Push(scratch());
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, i =>
        {
            if (!pool.TryPop(out var local)) local = scratch();
            body(i, local);
            pool.Push(local);
        });
    }

    /// <summary>About 0.1 ms of work (multiply-adds or similar): below this, waking a second thread costs more than it saves.</summary>
    private const double ParallelThreshold = 4_000_000;
}
