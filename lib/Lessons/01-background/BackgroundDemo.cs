using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

using Attention;

namespace Lessons;

/// <summary>
/// The experiment of notebook 01: squeeze a sequence of token vectors into one fixed-size vector
/// (their mean, or the state of a simple recurrence), then try to read one token back by finding the
/// most similar entry of the vocabulary; and, for comparison, read it back with attention over all
/// the token vectors.
/// </summary>
/// <remarks>
/// Sequences are row-major <c>[tokens, width]</c> like everywhere in the library. A <i>readout</i> is a
/// function <c>(tokens, position) → vector</c>: it sees the whole sequence, may keep whatever it likes, and
/// must return its best guess of the vector of token <c>position</c>.
/// </remarks>
public static class BackgroundDemo
{
    /// <summary>A vocabulary of <paramref name="size"/> random token vectors of unit length (<c>[size, width]</c>),
    /// from <see cref="Init.Normal"/> with the given seed, each row divided by its length.</summary>
    /// <param name="size">Number of distinct tokens (rows).</param>
    /// <param name="width">Width of a token vector (columns).</param>
    /// <param name="seed">Seed for the random values.</param>
    /// <returns>The vocabulary.</returns>
    public static Matrix<double> RandomVocabulary(int size, int width, int seed)
    {
        Check.Positive(size, nameof(size));
        Check.Positive(width, nameof(width));
        var table = Init.Normal(size, width, seed);
        return table.NormalizeRows(2.0);
    }

    /// <summary>The fixed-size summary that forgets order: the mean of the rows.</summary>
    /// <param name="tokens">The sequence <c>[n, width]</c>, n ≥ 1.</param>
    /// <returns>A vector of length <c>width</c>, whatever n is.</returns>
    public static Vector MeanSummary(Matrix<double> tokens)
    {
        Check.NotNull(tokens, nameof(tokens));
        if (tokens.RowCount == 0)
            throw new ArgumentException($"The sequence is {Check.Shape(tokens)}: the mean of no tokens is undefined.", nameof(tokens));
        return tokens.ColumnSums() / tokens.RowCount;
    }

    /// <summary>
    /// A random <c>[width, width]</c> rotation (orthogonal matrix): the Q factor of the QR decomposition of a
    /// seeded normal matrix, with column signs fixed so that the same seed gives the same matrix.
    /// </summary>
    /// <param name="width">Size of the matrix.</param>
    /// <param name="seed">Seed for the random values.</param>
    /// <returns>An orthogonal matrix R (<c>R·Rᵀ = I</c>).</returns>
    public static Matrix<double> RandomRotation(int width, int seed)
    {
        Check.Positive(width, nameof(width));
        var qr = Init.Normal(width, width, seed).QR();
        var q = qr.Q.Clone();
        for (int c = 0; c < width; c++)
            if (qr.R[c, c] < 0) q.SetColumn(c, -q.Column(c)); // unique QR: R has a positive diagonal
        return q;
    }

    /// <summary>
    /// The state of a simple linear recurrence after reading the whole sequence, one token at a time:
    /// <c>h₀ = 0</c>, <c>h_t = decay · h_{t−1}·R + x_t</c> (row vectors). The state has the width of one token
    /// whatever the length of the sequence: <c>h_n = Σ_t decay^(n−1−t) · x_t · R^(n−1−t)</c>.
    /// </summary>
    /// <param name="tokens">The sequence <c>[n, width]</c>.</param>
    /// <param name="rotation">The step matrix R, <c>[width, width]</c> (see <see cref="RandomRotation"/>).</param>
    /// <param name="decay">How much of the old state survives a step, in (0, 1]; 1 forgets nothing.</param>
    /// <returns>The final state, length <c>width</c> (zeros for an empty sequence).</returns>
    public static Vector RecurrentState(Matrix<double> tokens, Matrix<double> rotation, double decay = 1.0)
    {
        Check.NotNull(tokens, nameof(tokens));
        CheckRecurrence(tokens.ColumnCount, tokens, rotation, decay);
        int d = tokens.ColumnCount;
        var x = Layout.ToRowMajor(tokens);
        var r = Layout.ToRowMajor(rotation);
        var h = new double[d];
        var next = new double[d];
        for (int t = 0; t < tokens.RowCount; t++)
        {
            RowTimes(h, r, next);                                  // next = h·R
            for (int c = 0; c < d; c++) h[c] = decay * next[c] + x[t * d + c];
        }
        return Vector.Build.Dense(h);
    }

    /// <summary>
    /// The best linear guess of token <paramref name="position"/> from the final state of
    /// <see cref="RecurrentState"/>: undo the <c>n − 1 − position</c> steps that token went through,
    /// <c>h_n · (Rᵀ)^(n−1−position) / decay^(n−1−position)</c>. The result is that token plus the other
    /// tokens, rotated and rescaled: they are noise that grows with the length.
    /// </summary>
    /// <param name="state">The final state, length <c>width</c>.</param>
    /// <param name="rotation">The orthogonal step matrix the state was built with.</param>
    /// <param name="position">Which token to recover, 0 … length − 1.</param>
    /// <param name="length">How many tokens the state has read.</param>
    /// <param name="decay">The decay the state was built with.</param>
    /// <returns>The guess, length <c>width</c>.</returns>
    public static Vector DecodeRecurrentState(Vector state, Matrix<double> rotation, int position, int length, double decay = 1.0)
    {
        Check.NotNull(state, nameof(state));
        CheckRecurrence(state.Count, null, rotation, decay);
        Check.Positive(length, nameof(length));
        if (position < 0 || position >= length)
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"position must be between 0 and length − 1 = {length - 1}, but it is {position}.");
        var back = Layout.ToRowMajor(rotation.Transpose());
        var x = state.ToArray();
        var next = new double[x.Length];
        for (int step = 0; step < length - 1 - position; step++)
        {
            RowTimes(x, back, next);                               // next = x·Rᵀ, one step undone
            for (int c = 0; c < x.Length; c++) x[c] = next[c] / decay;
        }
        return Vector.Build.Dense(x);
    }

    /// <summary>
    /// Attention that reads tokens back by position: query p is <c>sharpness · PE[p]</c>, the keys are the
    /// sinusoidal encodings <c>PE[0 … n−1]</c> of the positions, and the values are the tokens themselves.
    /// Query p matches key p best, so output p is close to token p when <paramref name="sharpness"/> is large,
    /// and a mix of token p and its neighbours when it is small. Nothing is squeezed: all n token vectors are kept.
    /// </summary>
    /// <param name="tokens">The sequence <c>[n, width]</c>.</param>
    /// <param name="sharpness">Scales the queries (a larger value gives peakier weights); finite and &gt; 0.</param>
    /// <param name="positionWidth">Width of the position encodings used as queries and keys (even, ≥ 2).</param>
    /// <returns>One output per position (<c>[n, width]</c>) and the weights <c>[n, n]</c>.</returns>
    public static AttentionResult PositionQueryAttention(Matrix<double> tokens, double sharpness, int positionWidth = 16)
    {
        Check.NotNull(tokens, nameof(tokens));
        CheckPositionQuery(sharpness, positionWidth);
        var pe = PositionalEncoding.Sinusoidal(tokens.RowCount, positionWidth);
        return ScaledDotProductAttention.Compute(sharpness * pe, pe, tokens);
    }

    /// <summary>
    /// One row of <see cref="PositionQueryAttention"/>: the output of the single query for <paramref name="position"/>,
    /// computed without the other n − 1 queries (n scores instead of n²).
    /// </summary>
    /// <param name="tokens">The sequence <c>[n, width]</c>.</param>
    /// <param name="position">Which token to read back, 0 … n − 1.</param>
    /// <param name="sharpness">Scales the query; finite and &gt; 0.</param>
    /// <param name="positionWidth">Width of the position encodings (even, ≥ 2).</param>
    /// <returns>The weighted sum of the tokens, length <c>width</c>.</returns>
    public static Vector PositionQueryReadout(Matrix<double> tokens, int position, double sharpness, int positionWidth = 16)
    {
        Check.NotNull(tokens, nameof(tokens));
        CheckPositionQuery(sharpness, positionWidth);
        if (position < 0 || position >= tokens.RowCount)
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"The tokens are {Check.Shape(tokens)}, so position must be between 0 and {tokens.RowCount - 1}, but it is {position}.");
        var pe = PositionalEncoding.Sinusoidal(tokens.RowCount, positionWidth);
        return ScaledDotProductAttention.Compute(sharpness * pe.SubMatrix(position, 1, 0, positionWidth), pe, tokens).Output.Row(0);
    }

    /// <summary>
    /// The index of the vocabulary row most similar to <paramref name="v"/> by cosine similarity (the largest
    /// <c>row · v / |row|</c>; dividing by <c>|v|</c> would not change which row wins). Ties, including a zero
    /// <paramref name="v"/>, go to the lowest index. With unit-length rows (<see cref="RandomVocabulary"/>) this
    /// is also the nearest row by distance.
    /// </summary>
    /// <param name="vocabulary">The candidates <c>[size, width]</c>, no zero row.</param>
    /// <param name="v">The vector to look up, length <c>width</c>.</param>
    /// <returns>A row index of <paramref name="vocabulary"/>.</returns>
    public static int MostSimilar(Matrix<double> vocabulary, Vector v)
    {
        Check.NotNull(vocabulary, nameof(vocabulary));
        Check.NotNull(v, nameof(v));
        if (vocabulary.RowCount == 0)
            throw new ArgumentException($"The vocabulary is {Check.Shape(vocabulary)}: there is nothing to choose from.", nameof(vocabulary));
        if (v.Count != vocabulary.ColumnCount)
            throw new ArgumentException(
                $"The vocabulary is {Check.Shape(vocabulary)} but the vector has {v.Count} entries: it needs {vocabulary.ColumnCount}, one per column.",
                nameof(v));
        var dots = vocabulary * v;
        var norms = vocabulary.RowNorms(2.0);
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int r = 0; r < vocabulary.RowCount; r++)
        {
            if (norms[r] == 0)
                throw new ArgumentException($"Row {r} of the vocabulary is all zeros: its direction is undefined.", nameof(vocabulary));
            double score = dots[r] / norms[r];
            if (score > bestScore) { best = r; bestScore = score; }
        }
        return best;
    }

    /// <summary>
    /// How often a readout gets a token back: for each of <paramref name="trials"/> random sequences of
    /// <paramref name="length"/> tokens drawn uniformly from <paramref name="vocabulary"/> (seeded), ask
    /// <paramref name="readout"/> for the vector of token <paramref name="position"/> and count a success when
    /// <see cref="MostSimilar"/> names the token that was really there.
    /// </summary>
    /// <param name="vocabulary">The token vectors <c>[size, width]</c>.</param>
    /// <param name="readout">Gets the sequence <c>[length, width]</c> and the position; returns a vector of length <c>width</c>.</param>
    /// <param name="length">Tokens per sequence (≥ 1).</param>
    /// <param name="position">Which token to ask for, 0 … length − 1.</param>
    /// <param name="trials">Number of sequences (≥ 1).</param>
    /// <param name="seed">Seed for drawing the sequences.</param>
    /// <returns>The fraction of trials in which the token came back, in [0, 1].</returns>
    public static double RecallAccuracy(Matrix<double> vocabulary, Func<Matrix<double>, int, Vector> readout,
        int length, int position, int trials, int seed)
    {
        Check.NotNull(vocabulary, nameof(vocabulary));
        Check.NotNull(readout, nameof(readout));
        Check.Positive(length, nameof(length));
        Check.Positive(trials, nameof(trials));
        if (position < 0 || position >= length)
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"position must be between 0 and length − 1 = {length - 1}, but it is {position}.");
        var rng = new Random(seed);
        int hits = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var ids = new int[length];
            for (int t = 0; t < length; t++) ids[t] = rng.Next(vocabulary.RowCount);
            var guess = readout(Embedding.Lookup(vocabulary, ids), position);
            if (MostSimilar(vocabulary, guess) == ids[position]) hits++;
        }
        return (double)hits / trials;
    }

    private static void CheckPositionQuery(double sharpness, int positionWidth)
    {
        if (!(sharpness > 0) || double.IsInfinity(sharpness))
            throw new ArgumentOutOfRangeException(nameof(sharpness), sharpness, $"sharpness must be a finite number greater than 0, but it is {sharpness}.");
        if (positionWidth < 2 || positionWidth % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(positionWidth), positionWidth,
                $"positionWidth must be even and at least 2 (sine and cosine pairs), but it is {positionWidth}.");
    }

    /// <summary><c>result = v · m</c> for a row-major square <paramref name="m"/>.</summary>
    private static void RowTimes(double[] v, double[] m, double[] result)
    {
        int d = v.Length;
        Array.Clear(result);
        for (int k = 0; k < d; k++)
            TensorPrimitives.MultiplyAdd(m.AsSpan(k * d, d), v[k], result, result); // result += v[k] · row k of m
    }

    private static void CheckRecurrence(int width, Matrix<double>? tokens, Matrix<double> rotation, double decay)
    {
        Check.NotNull(rotation, nameof(rotation));
        if (rotation.RowCount != rotation.ColumnCount || rotation.RowCount != width)
            throw new ArgumentException(
                (tokens is null ? $"The state has {width} entries" : $"The tokens are {Check.Shape(tokens)}") +
                $" but the step matrix is {Check.Shape(rotation)}: it must be {width}×{width}, one row and column per feature.",
                nameof(rotation));
        if (!(decay > 0 && decay <= 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"decay must be in (0, 1], but it is {decay}.");
    }
}
