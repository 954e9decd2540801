using Attention.Training;
using MathNet.Numerics.LinearAlgebra;

namespace Lessons;

/// <summary>
/// Notebook 11's task: write a sequence of letters backwards. Its alignment is known exactly: output i (0-based) is
/// source letter k − 1 − i of a k-letter source, and the end token needs no particular source letter.
/// </summary>
public static class ReversalTask
{
    /// <summary>Number of different letters (a … j).</summary>
    public const int Letters = 10;

    /// <summary>The model's vocabulary: padding, start, end, and the letters (ids 3 … 12).</summary>
    public const int Vocabulary = Letters + 3;

    /// <summary>Shortest training sequence.</summary>
    public const int MinLength = 3;

    /// <summary>Longest training sequence.</summary>
    public const int MaxLength = 12;

    /// <summary>Seed of the 500 test sequences (far from the training seed).</summary>
    public const int TestSeed = 11_500;

    /// <summary>Draws a source of <see cref="MinLength"/> … <paramref name="maxLength"/> random letters and its reversal.</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="minLength">Shortest length.</param>
    /// <param name="maxLength">Longest length.</param>
    /// <returns>Source ids and target ids.</returns>
    public static (int[] Source, int[] Target) Draw(Random rng, int minLength = MinLength, int maxLength = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (minLength < 1 || maxLength < minLength)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"Lengths {minLength} … {maxLength}: need 1 ≤ minLength ≤ maxLength.");
        int n = rng.Next(minLength, maxLength + 1);
        var source = new int[n];
        for (int i = 0; i < n; i++) source[i] = 3 + rng.Next(Letters);
        return (source, source.Reverse().ToArray());
    }

    /// <summary>Fresh test sequences drawn from <see cref="TestSeed"/> (plus <paramref name="offset"/> for other sets).</summary>
    /// <param name="count">How many.</param>
    /// <param name="minLength">Shortest length.</param>
    /// <param name="maxLength">Longest length.</param>
    /// <param name="offset">Added to the seed, for a second set.</param>
    /// <returns>The sequences.</returns>
    public static (int[] Source, int[] Target)[] TestSet(int count, int minLength = MinLength, int maxLength = MaxLength, int offset = 0)
    {
        var rng = new Random(TestSeed + offset);
        return Enumerable.Range(0, count).Select(_ => Draw(rng, minLength, maxLength)).ToArray();
    }

    /// <summary>
    /// Test sequences that the training never saw: the training draws <c>steps × batch</c> examples in order from
    /// <c>new Random(training.Seed)</c> (<see cref="ParallelTraining"/>); they are replayed here, and test sequences drawn
    /// from <see cref="TestSeed"/> that are among them are skipped.
    /// </summary>
    /// <param name="count">How many test sequences.</param>
    /// <param name="training">The training's settings (its seed, steps and batch size).</param>
    /// <returns>The test sequences and how many drawn ones were skipped because the training had seen them.</returns>
    public static ((int[] Source, int[] Target)[] Tests, int Skipped) UnseenTestSet(int count, TrainingSettings training)
    {
        ArgumentNullException.ThrowIfNull(training);
        var seen = new HashSet<string>();
        var replay = new Random(training.Seed);
        for (long i = 0; i < (long)training.Steps * training.BatchSize; i++) seen.Add(Text(Draw(replay).Source));
        var rng = new Random(TestSeed);
        var tests = new List<(int[], int[])>();
        int skipped = 0;
        while (tests.Count < count)
        {
            var e = Draw(rng);
            if (seen.Contains(Text(e.Source))) skipped++;
            else tests.Add(e);
        }
        return (tests.ToArray(), skipped);
    }

    /// <summary>The letter of a token id (· for padding, ^ for start, $ for end).</summary>
    /// <param name="id">The id.</param>
    /// <returns>One character as a string.</returns>
    public static string Token(int id) => id switch
    {
        Seq2SeqBatch.Pad => "·",
        Seq2SeqBatch.Bos => "^",
        Seq2SeqBatch.Eos => "$",
        < 0 => "·",
        _ => ((char)('a' + id - 3)).ToString(),
    };

    /// <summary>A sequence of ids as letters.</summary>
    /// <param name="ids">The ids.</param>
    /// <returns>The letters separated by spaces.</returns>
    public static string Text(IEnumerable<int> ids) => string.Join(" ", ids.Select(Token));

    /// <summary>The source position each output should read: <c>k − 1 − i</c> for the k letters, −1 for the end token.</summary>
    /// <param name="length">The source length k.</param>
    /// <returns>k + 1 entries.</returns>
    public static int[] Alignment(int length) =>
        [.. Enumerable.Range(0, length).Select(i => length - 1 - i), -1];

    /// <summary>The expected alignment as a matrix <c>[outputs, sources]</c>: 1 where an output should look.</summary>
    /// <param name="length">The source length k.</param>
    /// <returns><c>[k + 1, k]</c>.</returns>
    public static Matrix<double> ExpectedAlignment(int length)
    {
        var m = Matrix<double>.Build.Dense(length + 1, length);
        var a = Alignment(length);
        for (int i = 0; i < a.Length; i++) if (a[i] >= 0) m[i, a[i]] = 1;
        return m;
    }
}
