using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 08 (porting between this library, PyTorch and Keras).</summary>
public static class ToolsExercises
{
    private static readonly (bool[] Padding, int Queries)[] PaddingCases =
    [
        ([false, false, true], 2),
        ([false, false, false, false], 3),
        ([false, true, true, true, true], 1),
        ([true, true], 2), // a sequence that is all padding
    ];

    /// <summary>
    /// Exercise 1: convert a PyTorch <c>nn.MultiheadAttention</c> <c>key_padding_mask</c> for one sequence
    /// (one flag per key, <b>true = padding, ignore</b>) into this library's mask <c>bool[queries, keys]</c>
    /// (<b>true = may attend</b>).
    /// </summary>
    /// <param name="convert">The learner's function: (keyPaddingMask, queries) → mask.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckKeyPaddingConversion(Func<bool[], int, bool[,]> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        const string what = "key_padding_mask → this library's mask";
        const string hint = "PyTorch's flag answers \"is this key padding?\", ours answers \"may this query look at this key?\".";
        return Grade.Guard(what, () =>
        {
            foreach (var (padding, queries) in PaddingCases)
            {
                var actual = convert((bool[])padding.Clone(), queries);
                string input = $"[{string.Join(", ", padding.Select(p => p ? "True" : "False"))}] with {queries} queries";
                if (actual is null) return Grade.Fail(what, $"for {input} your function returned null", hint);
                if (actual.GetLength(0) != queries || actual.GetLength(1) != padding.Length)
                    return Grade.Fail(what, $"for {input} your mask is {actual.GetLength(0)}×{actual.GetLength(1)}, expected {queries}×{padding.Length} ([queries, keys])", hint);
                for (int i = 0; i < queries; i++)
                    for (int j = 0; j < padding.Length; j++)
                        if (actual[i, j] == padding[j])
                            return Grade.Fail(what, $"for {input}, entry [{i}, {j}] is {actual[i, j]} but key {j} {(padding[j] ? "is padding" : "is real")}", hint);
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Exercise 2: reproduce what <c>keras.layers.Attention()</c> computes with its defaults
    /// (<c>use_scale=False</c>, <c>score_mode="dot"</c>) for inputs given in Keras' order
    /// <c>[query, value, key]</c>: <c>softmax(query · keyᵀ) · value</c> — no division by √d.
    /// </summary>
    /// <param name="attention">The learner's function: (query, value, key) → output.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckKerasAttention(Func<Matrix<double>, Matrix<double>, Matrix<double>, Matrix<double>> attention)
    {
        ArgumentNullException.ThrowIfNull(attention);
        const string what = "Keras Attention() with its defaults";
        const string hint = "with its defaults Keras' Attention layer does not divide the scores by √d (use_scale=True would add a learned factor, not 1/√d); build it from Scores, Softmax and a matrix product.";
        return Grade.Guard(what, () =>
        {
            var query = Init.Normal(3, 16, seed: 81);
            var key = Init.Normal(5, 16, seed: 82);
            var value = Init.Normal(5, 4, seed: 83);
            var expected = Softmax.Rows(Scores.Dot(query, key)) * value;
            var scaled = ScaledDotProductAttention.Compute(query, key, value).Output;
            var actual = attention(query, value, key);
            if (actual is not null && actual.RowCount == scaled.RowCount && actual.ColumnCount == scaled.ColumnCount
                && (actual - scaled).Enumerate().All(x => Math.Abs(x) < 1e-9))
                return Grade.Fail(what, "this is scaled dot-product attention, which divides the scores by √16", hint);
            return Grade.Matrix(what, expected, actual, hint);
        }, hint);
    }

    /// <summary>
    /// Exercise 3: PyTorch's <c>nn.MultiheadAttention</c> defaults to <c>batch_first=False</c>: a batch is a
    /// tensor of shape <c>(L, N, E)</c> (sequence length, batch, features), stored row-major, so element
    /// <c>(l, n, e)</c> sits at index <c>l·N·E + n·E + e</c>. Extract sequence <c>b</c> as this library's
    /// <c>[L, E]</c> matrix.
    /// </summary>
    /// <param name="extract">The learner's function: (data, L, N, E, b) → matrix <c>[L, E]</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckSequenceFirstExtraction(Func<double[], int, int, int, int, Matrix<double>> extract)
    {
        ArgumentNullException.ThrowIfNull(extract);
        const string what = "one sequence out of an (L, N, E) batch";
        const string hint = "in (L, N, E) the batch index is the middle one: consecutive tokens of one sequence are N·E numbers apart.";
        return Grade.Guard(what, () =>
        {
            foreach (var (l, n, e, b) in new[] { (4, 3, 2, 1), (5, 2, 3, 0), (3, 4, 5, 3) })
            {
                var data = Enumerable.Range(0, l * n * e).Select(i => (double)i).ToArray();
                var expected = Matrix<double>.Build.Dense(l, e, (t, f) => data[t * n * e + b * e + f]);
                var verdict = Grade.Matrix($"{what} (L = {l}, N = {n}, E = {e}, b = {b})", expected, extract(data, l, n, e, b), hint, 0);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass(what);
        }, hint);
    }
}
