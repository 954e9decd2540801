using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Graders for the exercises of notebook 06 (applications).</summary>
public static class ApplicationsExercises
{
    /// <summary>The sentence of exercise 1.</summary>
    public const string CrashSentence = "the app crashed again after the update";

    /// <summary>
    /// Exercise 1: a pooling query that puts more than half of the weight of <see cref="CrashSentence"/> on "crashed".
    /// </summary>
    /// <param name="query">The learner's query over the lexicon's features.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckPoolingQuery(Vector<double>? query)
    {
        const string what = "a pooling query that puts more than half the weight on 'crashed'";
        const string hint = "which feature does 'crashed' have that 'app' and 'update' do not (look at lexicon.VectorOf(\"crashed\"))? "
            + "Point the query along it, with a value large enough to make the softmax peak";
        return Grade.Guard(what, () =>
        {
            if (query is null) return Grade.Fail(what, "your query is null", hint);
            var lexicon = Applications.LoadLexicon();
            if (query.Count != lexicon.Dimension)
                return Grade.Fail(what, $"your query has {query.Count} entries, the lexicon has {lexicon.Dimension} features", "build it with lexicon.Direction(…)");
            var tokens = Lexicon.Tokenize(CrashSentence);
            var pooled = AttentionPooling.Pool(lexicon.Embed(tokens), query);
            double w = pooled.Weights[Array.IndexOf(tokens, "crashed")];
            int top = Array.IndexOf(pooled.Weights, pooled.Weights.Max());
            return Grade.That(w > 0.5, what + $" ('crashed' gets {w:F2}, the most goes to '{tokens[top]}')", hint);
        }, hint);
    }

    /// <summary>
    /// Exercise 2: the answer span around the peak: extend left and right while the neighbour's weight is at least
    /// half the peak. Checked on several weight lists.
    /// </summary>
    /// <param name="peakSpan">The learner's function <c>weights → (start, end)</c>, end inclusive.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckPeakSpan(Func<double[], (int Start, int End)> peakSpan)
    {
        ArgumentNullException.ThrowIfNull(peakSpan);
        const string what = "span around the peak (neighbours with at least half the peak weight)";
        const string hint = "find the index of the largest weight, then move start left while weights[start - 1] >= peak / 2 "
            + "and end right while weights[end + 1] >= peak / 2; stay inside the array";
        double[][] cases =
        [
            [0.05, 0.40, 0.30, 0.05, 0.20],
            [0.60, 0.10, 0.30],
            [0.10, 0.10, 0.35, 0.45],
            [1.0],
            [0.20, 0.25, 0.25, 0.10, 0.20],
        ];
        return Grade.Guard(what, () =>
        {
            foreach (var c in cases)
            {
                var expected = SpanReader.PeakSpan(c);
                var actual = peakSpan((double[])c.Clone());
                if (actual != expected)
                    return Grade.Fail(what, $"for weights [{string.Join(", ", c)}] you give ({actual.Start}, {actual.End}), expected ({expected.Start}, {expected.End})", hint);
            }
            return Grade.Pass(what);
        }, hint);
    }

    /// <summary>
    /// Exercise 3: the causal mask built by hand, <c>mask[i, j] = true</c> when query i may attend to key j.
    /// Checked for sizes 1 to 6; an upper triangle or a missing diagonal gets its own hint.
    /// </summary>
    /// <param name="causalMask">The learner's function <c>n → bool[n, n]</c>.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckCausalMask(Func<int, bool[,]> causalMask)
    {
        ArgumentNullException.ThrowIfNull(causalMask);
        const string what = "causal mask: query i may attend to keys j ≤ i";
        const string hint = "row i is the query and column j the key; a token may see itself and the tokens before it, nothing after";
        return Grade.Guard(what, () =>
        {
            for (int n = 1; n <= 6; n++)
            {
                var m = causalMask(n);
                if (m is null) return Grade.Fail(what, "your mask is null", hint);
                if (m.GetLength(0) != n || m.GetLength(1) != n)
                    return Grade.Fail(what, $"for n = {n} your mask is {m.GetLength(0)}×{m.GetLength(1)}", hint);
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                    {
                        if (m[i, j] == (j <= i)) continue;
                        if (i == j) return Grade.Fail(what, $"token {i} may not attend to itself", "a token may always see itself: the diagonal is allowed");
                        if (j > i) return Grade.Fail(what, $"query {i} may see the later key {j}", "a token must not see the future: nothing to the right of the diagonal");
                        return Grade.Fail(what, $"query {i} may not see the earlier key {j}", hint);
                    }
            }
            return Grade.Pass(what);
        }, hint);
    }
}
