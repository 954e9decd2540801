using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Checkers for the exercises of notebook 06b (watch attention learn: gradients, expected alignments, the alignment score).</summary>
public static class TrainingExercises
{
    private static readonly double[][] Logits = [[2.0, -1.0, 0.5], [0.0, 0.0, 0.0, 0.0], [10.0, 9.0, -3.0, 1.0, 0.25]];
    private static readonly int[] Targets = [0, 2, 1];

    /// <summary>
    /// Exercise 1: the gradient of the cross-entropy <c>−log softmax(z)[t]</c> with respect to the logits z of one output.
    /// Checked on three logit vectors against the library's <see cref="CrossEntropyLoss"/>.
    /// </summary>
    /// <param name="gradient">The learner's function: (logits, target class) → ∂loss/∂logits.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckCrossEntropyGradient(Func<double[], int, double[]> gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        const string what = "cross-entropy gradient";
        const string hint = "write p = softmax(z) (Softmax.Of); the derivative of −log p_t with respect to z_i is p_i − 1 for i = t and p_i otherwise.";
        return Grade.Guard(what, () =>
        {
            for (int c = 0; c < Logits.Length; c++)
            {
                var z = Logits[c];
                var loss = new CrossEntropyLoss();
                loss.Forward(new RowMatrix(1, z.Length, (double[])z.Clone()), [Targets[c]]);
                var expected = loss.Backward().Data;
                var actual = gradient((double[])z.Clone(), Targets[c]);
                if (actual is not null && actual.Length == z.Length)
                {
                    var p = Softmax.Of(z);
                    if (actual.Zip(p, (a, b) => Math.Abs(a - b)).Max() < 1e-9)
                        return Grade.Fail(what, "you returned the probabilities softmax(z)", "subtract 1 at the target class: the loss falls when the target's probability rises.");
                    if (actual.Zip(expected, (a, b) => Math.Abs(a + b)).Max() < 1e-9)
                        return Grade.Fail(what, "your gradient has the wrong sign", hint);
                }
                var verdict = Grade.Values($"{what} for z = [{string.Join(", ", z)}], target {Targets[c]}", expected, actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: softmax minus the one-hot target, the error signal every output layer sends back");
        }, hint);
    }

    /// <summary>
    /// Exercise 2: the alignment a perfect sorter uses: for each output position j, the source position of the j-th
    /// smallest letter. Checked on the sort task's own examples.
    /// </summary>
    /// <param name="alignment">The learner's function: source letters → one source position per output.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckSortAlignment(Func<string[], int[]> alignment)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        const string what = "sort alignment";
        const string hint = "list the source positions 0 … 7 ordered by the letter each holds (Enumerable.Range(0, n).OrderBy(i => letters[i]) …); the j-th of them is where output j must look.";
        return Grade.Guard(what, () =>
        {
            var task = AlignmentTask.Sort;
            foreach (var e in task.Samples(seed: 31, count: 5))
            {
                var letters = task.SourceTokens(e);
                var actual = alignment((string[])letters.Clone());
                var rank = new int[e.Alignment.Length]; // rank[i]: where source i ends up, the inverse of the alignment
                for (int j = 0; j < rank.Length; j++) rank[e.Alignment[j]] = j;
                if (actual is not null && actual.SequenceEqual(rank) && !rank.SequenceEqual(e.Alignment))
                    return Grade.Fail(what, $"for [{string.Join(" ", letters)}] you gave where each source letter ends up, not where each output looks",
                        "invert it: output j looks at the source position whose letter has rank j.");
                var verdict = Grade.Values($"{what} for [{string.Join(" ", letters)}]", e.Alignment.Select(a => (double)a).ToArray(),
                    actual?.Select(a => (double)a).ToArray(), hint, 0);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: unlike copy and reverse, it depends on the letters, so the model must find it by content");
        }, hint);
    }

    /// <summary>
    /// Exercise 3: the alignment score of one attention matrix, as <see cref="AlignmentTraining.AlignmentScore"/> defines it.
    /// Checked on matrices that include outputs with no expected source (−1).
    /// </summary>
    /// <param name="score">The learner's function: (weights [outputs, sources], expected source per output or −1) → score.</param>
    /// <returns>The verdict.</returns>
    public static CheckResult CheckAlignmentScore(Func<Matrix<double>, int[], double> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        const string what = "alignment score";
        const string hint = "for every output j with alignment[j] ≥ 0 take weights[j, alignment[j]]; average over those outputs only (skip the −1 rows, and do not count them).";
        var cases = new (Matrix<double> W, int[] A)[]
        {
            (Matrix<double>.Build.DenseOfArray(new[,] { { 0.9, 0.1 }, { 0.2, 0.8 } }), [0, 1]),
            (Matrix<double>.Build.DenseOfArray(new[,] { { 0.6, 0.3, 0.1 }, { 0.5, 0.25, 0.25 }, { 0.0, 0.3, 0.7 } }), [0, -1, 1]),
            (Matrix<double>.Build.DenseOfArray(new[,] { { 0.1, 0.9 }, { 0.5, 0.5 }, { 0.5, 0.5 }, { 0.7, 0.3 } }), [1, -1, -1, 0]),
        };
        return Grade.Guard(what, () =>
        {
            foreach (var (w, a) in cases)
            {
                double expected = AlignmentTraining.AlignmentScore(w, a);
                double actual = score(w.Clone(), (int[])a.Clone());
                double countingSkipped = Enumerable.Range(0, a.Length).Where(j => a[j] >= 0).Sum(j => w[j, a[j]]) / a.Length;
                if (a.Contains(-1) && Math.Abs(actual - countingSkipped) < 1e-9)
                    return Grade.Fail(what, $"you have {actual:G4}: the outputs with no expected source were counted in the average", hint);
                var verdict = Grade.Value($"{what} with alignment [{string.Join(", ", a)}]", expected, actual, hint, 1e-9);
                if (!verdict.Correct) return verdict;
            }
            return Grade.Pass($"{what}: 1 when all attention sits where it should, 1/n when it is spread evenly over n sources");
        }, hint);
    }
}
