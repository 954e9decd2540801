using MathNet.Numerics.LinearAlgebra;
using Attention.Training;

namespace Attention.Tests;

/// <summary>
/// Random bad calls at the public API — wrong shapes, sizes up to int overflow, NaN and ±∞ parameters, masks of the
/// wrong shape, nulls — must end in a documented exception that names the argument, never in a crash, and a call that
/// turns out to be valid must not return NaN from finite input. The seed is fixed and printed with every failure.
/// </summary>
public class BadInputFuzzTests
{
    private const int Seed = 20261204;
    private const int Calls = 400;

    private static readonly int[] Sizes = [-7, -1, 0, 1, 2, 3, 5, 8, 46341, 65536, int.MaxValue, int.MinValue];
    private static readonly double[] Reals = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -1, 1e-310, 1, 2.5, 1e308, -0.0];

    private sealed record Call(string Name, Func<object?> Run);

    private sealed class Picker(Random rng)
    {
        public int Size() => rng.Next(3) == 0 ? rng.Next(1, 6) : Sizes[rng.Next(Sizes.Length)];
        public int Small() => rng.Next(-2, 7);
        /// <summary>True once this call's inputs hold NaN, ±∞ or an extreme value, where NaN in the result can be right.</summary>
        public bool Special { get; set; }

        public double Real()
        {
            var v = Reals[rng.Next(Reals.Length)];
            if (!double.IsFinite(v) || Math.Abs(v) > 1e300 || (v != 0 && Math.Abs(v) < 1e-300)) Special = true;
            return v;
        }
        public bool Coin() => rng.Next(2) == 0;

        /// <summary>A matrix of small random shape (sometimes null, sometimes holding NaN or ∞).</summary>
        public Matrix<double>? Matrix(int? rows = null, int? cols = null)
        {
            if (rng.Next(12) == 0) return null;
            int r = rows ?? rng.Next(0, 6), c = cols ?? rng.Next(0, 6);
            var m = Init.Uniform(Math.Max(r, 0), Math.Max(c, 0), rng.Next());
            if (m.RowCount > 0 && m.ColumnCount > 0 && rng.Next(6) == 0) m[0, 0] = Real();
            return m;
        }

        public bool[,]? Mask()
        {
            if (rng.Next(4) == 0) return null;
            var m = new bool[rng.Next(0, 6), rng.Next(0, 6)];
            for (int i = 0; i < m.GetLength(0); i++)
                for (int j = 0; j < m.GetLength(1); j++) m[i, j] = Coin();
            return m;
        }

        public double[]? Array() => rng.Next(10) == 0 ? null : [.. Enumerable.Range(0, rng.Next(0, 6)).Select(_ => Coin() ? Real() : rng.NextDouble())];
    }

    private static Call Next(Random rng, Picker p)
    {
        switch (rng.Next(24))
        {
            case 0: { var x = p.Matrix(); var t = p.Real(); return new("Softmax.Rows", () => Softmax.Rows(x!, t)); }
            case 1: { var x = p.Array(); var t = p.Real(); return new("Softmax.Of", () => Softmax.Of(x!, t)); }
            case 2: { var x = p.Matrix(); var m = p.Mask(); var t = p.Coin() ? 1 : p.Real(); return new("Softmax.Masked", () => Softmax.Masked(x!, m!, t)); }
            case 3: { var x = new double[p.Small() is var a && a > 0 ? a : 0]; var y = new double[p.Small() is var b && b > 0 ? b : 0]; var c = p.Size(); var t = p.Real();
                      return new("Softmax.Rows(span)", () => { Softmax.Rows(x, y, c, t); return y; }); }
            case 4: { var q = p.Matrix(); var k = p.Matrix(); return new("Scores.ScaledDot", () => Scores.ScaledDot(q!, k!)); }
            case 5: { var n = p.Size(); var m = p.Size(); return new("Masks.Causal", () => Masks.Causal(n, m)); }
            case 6: { var n = p.Size(); var m = p.Size(); var v = p.Size(); return new("Masks.KeyPadding", () => Masks.KeyPadding(n, m, v)); }
            case 7: { var n = p.Size(); var w = p.Size(); var c = p.Coin(); return new("Masks.SlidingWindow", () => Masks.SlidingWindow(n, w, c)); }
            case 8: { var q = p.Matrix(); var k = p.Matrix(); var v = p.Matrix(); var m = p.Mask();
                      return new("ScaledDotProductAttention.Compute", () => ScaledDotProductAttention.Compute(q!, k!, v!, m)); }
            case 9: { var n = p.Size(); var d = p.Size(); var x = n is > 0 and <= 65536 && d is > 0 and <= 8 ? Init.Normal(n, d, 1) : p.Matrix();
                      return new("ScaledDotProductAttention.Compute(self, large)", () => ScaledDotProductAttention.Compute(x!)); }
            case 10: { var d = p.Size(); var h = p.Size(); return new("MultiHeadAttention.Random", () => MultiHeadAttention.Random(d, h, 1)); }
            case 11: { var x = p.Matrix(); var m = p.Mask(); var d = 4; var h = p.Coin() ? 2 : 1;
                       return new("MultiHeadAttention.Forward", () => MultiHeadAttention.Random(d, h, 1).Forward(x!, m)); }
            case 12: { var q = p.Matrix(); var k = p.Matrix(); var v = p.Matrix(); var c = p.Coin(); bool[]? km = p.Coin() ? null : new bool[p.Small() is var s && s > 0 ? s : 0];
                       return new("StreamingAttention.Compute", () => StreamingAttention.Compute(q!, k!, v!, c, km)); }
            case 13: { var x = p.Matrix(); var w = p.Size(); var c = p.Coin(); return new("LocalAttention.Compute", () => LocalAttention.Compute(x!, w, c)); }
            case 14: { var n = p.Size(); var d = p.Size(); var b = p.Coin() ? 10000 : p.Real(); return new("PositionalEncoding.Sinusoidal", () => PositionalEncoding.Sinusoidal(n, d, b)); }
            case 15: { var n = p.Size(); var d = p.Size(); var dest = new double[p.Small() is var s && s > 0 ? s : 0]; var b = p.Coin() ? 10000 : p.Real();
                       return new("PositionalEncoding.Sinusoidal(span)", () => { PositionalEncoding.Sinusoidal(dest, n, d, b); return dest; }); }
            case 16: { var o = p.Size(); var d = p.Size(); var b = p.Coin() ? 10000 : p.Real(); return new("PositionalEncoding.RotationFor", () => PositionalEncoding.RotationFor(o, d, b)); }
            case 17: { var x = p.Matrix(cols: p.Coin() ? 4 : null); var s = p.Size(); var b = p.Coin() ? 10000 : p.Real(); return new("Rotary.Apply", () => Rotary.Apply(x!, s, b)); }
            case 18: { var h = p.Size(); return new("Alibi.Slopes", () => Alibi.Slopes(h)); }
            case 19: { var n = p.Size(); var m = p.Size(); var s = p.Real(); return new("Alibi.Bias", () => Alibi.Bias(n, m, s)); }
            case 20: { var r = p.Size(); var c = p.Size(); var s = p.Coin() ? 1 : p.Real(); return new("Init.Normal", () => Init.Normal(r, c, 1, s)); }
            case 21: { var r = p.Size(); var c = p.Size(); return new("RowMatrix", () => new RowMatrix(r, c)); }
            case 22: { var n = p.Size(); var d = p.Size(); return new("LearnedPositionalTable", () => new LearnedPositionalTable(n, d, 1)); }
            default: { var x = p.Array(); return new("Softmax.Jacobian", () => Softmax.Jacobian(x!)); }
        }
    }

    [Fact]
    public void Hundreds_of_random_bad_calls_end_in_documented_exceptions_that_name_the_argument()
    {
        var rng = new Random(Seed);
        var p = new Picker(rng);
        var refused = 0;
        var failures = new List<string>();
        for (int i = 0; i < Calls; i++)
        {
            p.Special = false;
            var call = Next(rng, p);
            try
            {
                var result = call.Run();
                if (!p.Special && HasNaN(result)) failures.Add($"call {i} {call.Name}: returned NaN from finite input");
            }
            catch (ArgumentException e)
            {
                refused++;
                var named = !string.IsNullOrEmpty(e.ParamName) || e is ArgumentNullException;
                if (!named) failures.Add($"call {i} {call.Name}: {e.GetType().Name} without the argument's name: {e.Message}");
                if (string.IsNullOrWhiteSpace(e.Message)) failures.Add($"call {i} {call.Name}: empty message");
            }
            catch (Exception e)
            {
                failures.Add($"call {i} {call.Name}: {e.GetType().FullName}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed}:\n" + string.Join("\n", failures));
        Assert.True(refused >= 200, $"seed {Seed}: only {refused} of {Calls} calls were bad; the fuzz must try at least 200 bad calls");
    }

    private static bool HasNaN(object? result) => result switch
    {
        Matrix<double> m => m.Enumerate().Any(double.IsNaN),
        double[] a => a.Any(double.IsNaN),
        double[][] rows => rows.Any(r => r.Any(double.IsNaN)),
        AttentionResult r => HasNaN(r.Output) || HasNaN(r.Weights),
        MultiHeadResult r => HasNaN(r.Output),
        LocalAttentionResult r => HasNaN(r.Output),
        _ => false,
    };
}
