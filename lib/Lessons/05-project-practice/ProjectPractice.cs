using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// The article's §5.2 TensorFlow program, ported so that it runs and does what its comments say (errata 9 and 10):
/// token embedding plus sinusoidal positional encoding, a dense "encoder" layer, queries, keys and values
/// projected from the encoded tokens, and scaled dot-product attention over them (self-attention).
/// All weights are drawn from one seed, so a run gives the same numbers on every machine.
/// </summary>
/// <remarks>
/// <para>Pipeline for token ids <c>t[0 … n−1]</c> (row-major, <c>[tokens, features]</c>):</para>
/// <list type="number">
/// <item><description><c>E = Embedding.Lookup(table, t)</c>, <c>[n, d]</c>: one row per token <i>value</i>.</description></item>
/// <item><description><c>P = PositionalEncoding.Sinusoidal(n, d)</c>: one row per <i>position</i>.</description></item>
/// <item><description><c>X = E + P</c>: what the token is and where it is.</description></item>
/// <item><description><c>H = ReLU(X·W_enc + b)</c>: the dense layer the article calls the encoder.</description></item>
/// <item><description><c>Q = H·Wq</c>, <c>K = H·Wk</c>, <c>V = H·Wv</c>, each <c>[n, d]</c>.</description></item>
/// <item><description><c>Output = softmax(Q·Kᵀ/√d)·V</c>, <c>[n, d]</c>; the weights are <c>[n, n]</c>.</description></item>
/// </list>
/// <para>Seeds: the embedding table uses <c>seed</c> (standard normal entries), the dense layer <c>seed+1</c>,
/// and Wq, Wk, Wv use <c>seed+2</c>, <c>seed+3</c>, <c>seed+4</c> (Glorot-normal).</para>
/// </remarks>
public sealed class ProjectPractice
{
    /// <summary>The article's vocabulary size (<c>Embedding(input_dim=10, …)</c>).</summary>
    public const int ArticleVocabulary = 10;

    /// <summary>The article's model width (<c>output_dim=16</c>, <c>Dense(units=16)</c>).</summary>
    public const int ArticleWidth = 16;

    /// <summary>The seed the tutorial uses for the port.</summary>
    public const int DefaultSeed = 2024;

    private ProjectPractice(Matrix<double> embeddingTable, DenseLayer encoder, Matrix<double> wq, Matrix<double> wk, Matrix<double> wv)
    {
        EmbeddingTable = embeddingTable;
        Encoder = encoder;
        Wq = wq;
        Wk = wk;
        Wv = wv;
    }

    /// <summary>The article's input sequence, <c>input_seq = [1, 2, 3, 4, 5]</c>, read as token ids.</summary>
    public static IReadOnlyList<int> ArticleTokens { get; } = [1, 2, 3, 4, 5];

    /// <summary>Builds the port with every weight drawn from <paramref name="seed"/> (see the remarks for which seed draws what).</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="vocabulary">Number of token ids (rows of the embedding table).</param>
    /// <param name="dModel">Model width: embedding, encoding, dense layer and attention all use it.</param>
    /// <returns>The pipeline.</returns>
    public static ProjectPractice Create(int seed = DefaultSeed, int vocabulary = ArticleVocabulary, int dModel = ArticleWidth)
    {
        Check.Positive(vocabulary, nameof(vocabulary));
        Check.Positive(dModel, nameof(dModel));
        return new ProjectPractice(
            Init.Normal(vocabulary, dModel, seed),
            DenseLayer.Random(dModel, dModel, unchecked(seed + 1), DenseActivation.Relu),
            Init.Glorot(dModel, dModel, unchecked(seed + 2)),
            Init.Glorot(dModel, dModel, unchecked(seed + 3)),
            Init.Glorot(dModel, dModel, unchecked(seed + 4)));
    }

    /// <summary>The token embedding table <c>[vocabulary, dModel]</c>.</summary>
    public Matrix<double> EmbeddingTable { get; }

    /// <summary>The dense layer (with ReLU) that stands in for the encoder.</summary>
    public DenseLayer Encoder { get; }

    /// <summary>Query projection <c>[dModel, dModel]</c>, applied as <c>H·Wq</c>.</summary>
    public Matrix<double> Wq { get; }

    /// <summary>Key projection <c>[dModel, dModel]</c>.</summary>
    public Matrix<double> Wk { get; }

    /// <summary>Value projection <c>[dModel, dModel]</c>.</summary>
    public Matrix<double> Wv { get; }

    /// <summary>Number of token ids the embedding table holds.</summary>
    public int Vocabulary => EmbeddingTable.RowCount;

    /// <summary>Model width.</summary>
    public int DModel => EmbeddingTable.ColumnCount;

    /// <summary>Runs the pipeline on <paramref name="tokenIds"/> and keeps every intermediate.</summary>
    /// <param name="tokenIds">Token ids, each in <c>0 … Vocabulary − 1</c>.</param>
    /// <param name="mask">Optional <c>[n, n]</c> attention mask; true = may attend (e.g. <see cref="Masks.Causal(int)"/>).</param>
    /// <param name="addPositions">Add the sinusoidal encoding (the default). With false, <c>P</c> is all zeros and the
    /// pipeline cannot tell positions apart: reordering the tokens only reorders the output rows.</param>
    /// <returns>Every step's matrix, and the attention's output and weights.</returns>
    public ProjectPracticeRun Run(IReadOnlyList<int> tokenIds, bool[,]? mask = null, bool addPositions = true)
    {
        Check.NotNull(tokenIds, nameof(tokenIds));
        if (tokenIds.Count == 0)
            throw new ArgumentException("Pass at least one token id.", nameof(tokenIds));
        var ids = tokenIds.ToArray();
        var e = Embedding.Lookup(EmbeddingTable, ids);
        var p = addPositions ? PositionalEncoding.Sinusoidal(ids.Length, DModel) : Matrix<double>.Build.Dense(ids.Length, DModel);
        var x = e + p;
        var h = Encoder.Forward(x);
        var q = h * Wq;
        var k = h * Wk;
        var v = h * Wv;
        var attention = ScaledDotProductAttention.Compute(q, k, v, mask);
        return new ProjectPracticeRun(ids, e, p, x, h, q, k, v, attention);
    }

    /// <summary>Labels for heatmap axes: <c>"id@position"</c>, e.g. <c>"3@2"</c> is token id 3 at position 2.</summary>
    /// <param name="tokenIds">The token ids.</param>
    /// <returns>One label per token.</returns>
    public static string[] Labels(IReadOnlyList<int> tokenIds)
    {
        Check.NotNull(tokenIds, nameof(tokenIds));
        return tokenIds.Select((id, pos) => $"{id}@{pos}").ToArray();
    }
}

/// <summary>Every intermediate of one <see cref="ProjectPractice.Run"/>, in pipeline order.</summary>
/// <param name="TokenIds">The token ids.</param>
/// <param name="Embeddings">Token embeddings <c>E [n, d]</c>.</param>
/// <param name="Positions">Sinusoidal positional encodings <c>P [n, d]</c> (zeros when positions were left out).</param>
/// <param name="Inputs"><c>X = E + P</c>.</param>
/// <param name="Encoded"><c>H = ReLU(X·W_enc + b)</c>.</param>
/// <param name="Queries"><c>Q = H·Wq</c>.</param>
/// <param name="Keys"><c>K = H·Wk</c>.</param>
/// <param name="Values"><c>V = H·Wv</c>.</param>
/// <param name="Attention">Output <c>[n, d]</c> and weights <c>[n, n]</c>.</param>
public sealed record ProjectPracticeRun(
    int[] TokenIds,
    Matrix<double> Embeddings,
    Matrix<double> Positions,
    Matrix<double> Inputs,
    Matrix<double> Encoded,
    Matrix<double> Queries,
    Matrix<double> Keys,
    Matrix<double> Values,
    AttentionResult Attention)
{
    /// <summary>The attention output <c>[n, d]</c>: row i is <c>Σ_j α_ij v_j</c>.</summary>
    public Matrix<double> Output => Attention.Output;

    /// <summary>The attention weights <c>[n, n]</c>: row i is how token i spreads its attention.</summary>
    public Matrix<double> Weights => Attention.Weights;
}
