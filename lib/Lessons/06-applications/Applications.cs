using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Loaders for the small data files of the applications notebook (article §6) and helpers they share.
/// Every model built on them is a hand-built illustration with fixed vectors, not a trained model.
/// </summary>
public static class Applications
{
    /// <summary>The hand-made English word vectors, <c>data/lexicon.csv</c>.</summary>
    /// <returns>The lexicon.</returns>
    public static Lexicon LoadLexicon() => Lexicon.Load(TutorialData.PathOf("lexicon.csv"));

    /// <summary>The English–French sentence pair with aligned word vectors, <c>data/alignment-en-fr.csv</c>.</summary>
    /// <returns>The pair.</returns>
    public static TranslationPair LoadTranslation() => TranslationPair.Load(TutorialData.PathOf("alignment-en-fr.csv"));

    /// <summary>The labelled sentences, <c>data/sentences.csv</c>.</summary>
    /// <returns>The sentences, in file order.</returns>
    public static IReadOnlyList<LabelledSentence> LoadSentences() => LabelledSentence.Load(TutorialData.PathOf("sentences.csv"));

    /// <summary>The passage and its questions, <c>data/qa.json</c>.</summary>
    /// <returns>The passage and questions.</returns>
    public static QaData LoadQuestions() => QaData.Load(TutorialData.PathOf("qa.json"));

    /// <summary>The ambiguous names in context, <c>data/entities.csv</c>.</summary>
    /// <returns>The examples, in file order.</returns>
    public static IReadOnlyList<EntityExample> LoadEntities() => EntityExample.Load(TutorialData.PathOf("entities.csv"));

    /// <summary>The column of the largest entry of each row (the first one on a tie).</summary>
    /// <param name="m">Any matrix with at least one column.</param>
    /// <returns>One column index per row.</returns>
    public static int[] ArgmaxPerRow(Matrix<double> m)
    {
        Check.NotNull(m, nameof(m));
        if (m.ColumnCount == 0) throw new ArgumentException($"The matrix is {Check.Shape(m)}: it has no columns to choose from.", nameof(m));
        var result = new int[m.RowCount];
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 1; j < m.ColumnCount; j++)
                if (m[i, j] > m[i, result[i]]) result[i] = j;
        return result;
    }
}

/// <summary>
/// A source sentence and its translation, each token with a hand-made vector in one shared feature space
/// (as if both languages had been embedded so that translations lie close together).
/// </summary>
/// <param name="SourceTokens">Source tokens (English).</param>
/// <param name="Source">Source vectors <c>[source tokens, features]</c>.</param>
/// <param name="TargetTokens">Target tokens (French).</param>
/// <param name="Target">Target vectors <c>[target tokens, features]</c>.</param>
/// <param name="Features">The feature names.</param>
public sealed record TranslationPair(string[] SourceTokens, Matrix<double> Source, string[] TargetTokens, Matrix<double> Target, IReadOnlyList<string> Features)
{
    /// <summary>Reads a CSV whose header is <c>side,token,feature1,…</c> and whose rows have side <c>source</c> or <c>target</c>, in sentence order.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The pair.</returns>
    public static TranslationPair Load(string path)
    {
        var (header, rows) = TutorialData.ReadCsv(path);
        var name = Path.GetFileName(path);
        if (header.Length < 3 || header[0] != "side" || header[1] != "token")
            throw new FormatException($"{name} must start with the columns side,token followed by at least one feature.");
        var features = header.Skip(2).ToArray();
        (string[] Tokens, Matrix<double> Vectors) Side(string side)
        {
            var selected = rows.Where(r => r[0] == side).ToList();
            if (selected.Count == 0) throw new FormatException($"{name} has no '{side}' rows.");
            var m = Matrix<double>.Build.Dense(selected.Count, features.Length,
                (i, j) => TutorialData.Number(selected[i][j + 2], $"{name}, {side} token '{selected[i][1]}', {features[j]}"));
            return (selected.Select(r => r[1]).ToArray(), m);
        }
        var bad = rows.FirstOrDefault(r => r[0] != "source" && r[0] != "target");
        if (bad is not null) throw new FormatException($"{name}: side must be 'source' or 'target', not '{bad[0]}'.");
        var (sourceTokens, source) = Side("source");
        var (targetTokens, target) = Side("target");
        return new TranslationPair(sourceTokens, source, targetTokens, target, features);
    }

    /// <summary>Cross-attention (交叉注意力) from the target to the source: every target token is a query,
    /// the source tokens are keys and values. Row i of the weights is how target token i spreads its attention
    /// over the source, i.e. a soft alignment.</summary>
    /// <returns>Output <c>[target, features]</c> and weights <c>[target, source]</c>.</returns>
    public AttentionResult Align() => ScaledDotProductAttention.Compute(Target, Source, Source);

    /// <summary>For each target token, the source token with the largest weight (a hard alignment).</summary>
    /// <returns>Pairs <c>(target, source)</c> in target order.</returns>
    public (string Target, string Source)[] HardAlignment()
    {
        var best = Applications.ArgmaxPerRow(Align().Weights);
        return best.Select((j, i) => (TargetTokens[i], SourceTokens[j])).ToArray();
    }
}

/// <summary>A sentence with two labels: its topic and its sentiment.</summary>
/// <param name="Topic">Topic label, e.g. <c>sport</c>.</param>
/// <param name="Sentiment">Sentiment label, <c>positive</c> or <c>negative</c>.</param>
/// <param name="Text">The sentence.</param>
public sealed record LabelledSentence(string Topic, string Sentiment, string Text)
{
    /// <summary>The sentence's tokens (<see cref="Lexicon.Tokenize"/>).</summary>
    public string[] Tokens => Lexicon.Tokenize(Text);

    /// <summary>Reads a CSV with the header <c>topic,sentiment,text</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The sentences.</returns>
    public static IReadOnlyList<LabelledSentence> Load(string path)
    {
        var (header, rows) = TutorialData.ReadCsv(path);
        if (!header.SequenceEqual(["topic", "sentiment", "text"]))
            throw new FormatException($"{Path.GetFileName(path)} must have the header topic,sentiment,text.");
        return rows.Select(r => new LabelledSentence(r[0], r[1], r[2])).ToList();
    }
}

/// <summary>One sequence pooled into one vector by attention: the weights and the weighted sum.</summary>
/// <param name="Weights">One weight per token, summing to 1.</param>
/// <param name="Pooled">The pooled vector <c>Σ_t α_t x_t</c>.</param>
public sealed record PooledSequence(double[] Weights, Vector<double> Pooled);

/// <summary>
/// Attention pooling (注意力池化): a single query vector attends over the tokens of a sequence, and the weighted
/// sum of the token vectors stands for the whole sequence. With a fixed query this is
/// <c>α = softmax(X·q / √d)</c>, <c>pooled = αᵀX</c>: tokens whose vectors point along the query get more weight.
/// </summary>
public static class AttentionPooling
{
    /// <summary>Pools <paramref name="tokens"/> with the query <paramref name="query"/> (scaled dot-product attention with one query).</summary>
    /// <param name="tokens">Token vectors <c>[tokens, d]</c>; at least one token.</param>
    /// <param name="query">The pooling query, length d.</param>
    /// <returns>The weights and the pooled vector.</returns>
    public static PooledSequence Pool(Matrix<double> tokens, Vector<double> query)
    {
        Check.NotNull(tokens, nameof(tokens));
        Check.NotNull(query, nameof(query));
        if (tokens.RowCount == 0) throw new ArgumentException("There are no tokens to pool.", nameof(tokens));
        if (query.Count != tokens.ColumnCount)
            throw new ArgumentException($"The tokens are {Check.Shape(tokens)} but the query has {query.Count} entries: it needs {tokens.ColumnCount}.", nameof(query));
        var r = ScaledDotProductAttention.Compute(query.ToRowMatrix(), tokens, tokens);
        return new PooledSequence(r.Weights.Row(0).ToArray(), r.Output.Row(0));
    }

    /// <summary>Mean pooling, for comparison: every token gets weight <c>1/n</c>.</summary>
    /// <param name="tokens">Token vectors <c>[tokens, d]</c>; at least one token.</param>
    /// <returns>Equal weights and the mean vector.</returns>
    public static PooledSequence Mean(Matrix<double> tokens)
    {
        Check.NotNull(tokens, nameof(tokens));
        if (tokens.RowCount == 0) throw new ArgumentException("There are no tokens to pool.", nameof(tokens));
        var w = Enumerable.Repeat(1.0 / tokens.RowCount, tokens.RowCount).ToArray();
        return new PooledSequence(w, tokens.ColumnSums() / tokens.RowCount);
    }
}

/// <summary>The verdict of a <see cref="PoolingClassifier"/> on one text.</summary>
/// <param name="Tokens">The text's tokens.</param>
/// <param name="Weights">The pooling weight of each token.</param>
/// <param name="Scores">Each label's score: the pooled vector's dot product with the label's prototype.</param>
/// <param name="Label">The label with the highest score (the first one on a tie).</param>
public sealed record Classification(string[] Tokens, double[] Weights, IReadOnlyDictionary<string, double> Scores, string Label);

/// <summary>
/// A classifier with nothing learned: look the words up in a <see cref="Lexicon"/>, pool them with a fixed query
/// (<see cref="AttentionPooling"/>), and pick the label whose hand-written prototype vector has the largest dot
/// product with the pooled vector.
/// </summary>
public sealed class PoolingClassifier
{
    private readonly (string Label, Vector<double> Prototype)[] prototypes;

    /// <summary>Creates a classifier.</summary>
    /// <param name="lexicon">The word vectors.</param>
    /// <param name="query">The pooling query (length = the lexicon's dimension).</param>
    /// <param name="prototypes">One prototype vector per label, in order (the first wins a tie).</param>
    public PoolingClassifier(Lexicon lexicon, Vector<double> query, IReadOnlyList<(string Label, Vector<double> Prototype)> prototypes)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        Check.NotNull(query, nameof(query));
        Check.NotNull(prototypes, nameof(prototypes));
        if (query.Count != lexicon.Dimension)
            throw new ArgumentException($"The lexicon has {lexicon.Dimension} features but the query has {query.Count} entries.", nameof(query));
        if (prototypes.Count == 0) throw new ArgumentException("Give at least one label.", nameof(prototypes));
        foreach (var (label, p) in prototypes)
            if (p is null || p.Count != lexicon.Dimension)
                throw new ArgumentException($"The prototype of '{label}' has {p?.Count ?? 0} entries; it needs {lexicon.Dimension}.", nameof(prototypes));
        Lexicon = lexicon;
        Query = query.Clone();
        this.prototypes = prototypes.Select(p => (p.Label, p.Prototype.Clone())).ToArray();
    }

    /// <summary>
    /// Topic classification (§6.2): the query points at the topic features (<c>sport</c>, <c>food</c>, <c>tech</c>),
    /// each with <paramref name="sharpness"/>, so topic words get the weight; each topic's prototype is its own feature.
    /// </summary>
    /// <param name="lexicon">A lexicon with the features sport, food and tech.</param>
    /// <param name="sharpness">The query's value on each topic feature; larger means a more peaked softmax.</param>
    /// <returns>The classifier.</returns>
    public static PoolingClassifier Topic(Lexicon lexicon, double sharpness = 6.0)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        string[] topics = ["sport", "food", "tech"];
        return new PoolingClassifier(lexicon, lexicon.Direction(topics.Select(t => (t, sharpness)).ToArray()),
            topics.Select(t => (t, lexicon.Direction((t, 1.0)))).ToArray());
    }

    /// <summary>
    /// Sentiment analysis (§6.3): the query points at the <c>positive</c> and <c>negative</c> features, so sentiment
    /// words get the weight; the prototypes are those two features.
    /// </summary>
    /// <param name="lexicon">A lexicon with the features positive and negative.</param>
    /// <param name="sharpness">The query's value on both features.</param>
    /// <returns>The classifier.</returns>
    public static PoolingClassifier Sentiment(Lexicon lexicon, double sharpness = 6.0)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        return new PoolingClassifier(lexicon, lexicon.Direction(("positive", sharpness), ("negative", sharpness)),
            [("positive", lexicon.Direction(("positive", 1.0))), ("negative", lexicon.Direction(("negative", 1.0)))]);
    }

    /// <summary>The word vectors.</summary>
    public Lexicon Lexicon { get; }

    /// <summary>The pooling query (a copy).</summary>
    public Vector<double> Query { get; }

    /// <summary>The labels, in order.</summary>
    public IReadOnlyList<string> Labels => prototypes.Select(p => p.Label).ToArray();

    /// <summary>Classifies a text.</summary>
    /// <param name="text">The text (tokenized with <see cref="Lexicon.Tokenize"/>); it needs at least one token.</param>
    /// <param name="meanPooling">Pool with equal weights instead of attention, for comparison.</param>
    /// <returns>The tokens, their weights, each label's score and the winning label.</returns>
    public Classification Classify(string text, bool meanPooling = false)
    {
        var tokens = Lexicon.Tokenize(text);
        if (tokens.Length == 0) throw new ArgumentException($"'{text}' has no words to classify.", nameof(text));
        var x = Lexicon.Embed(tokens);
        var pooled = meanPooling ? AttentionPooling.Mean(x) : AttentionPooling.Pool(x, Query);
        var scores = new Dictionary<string, double>();
        string best = prototypes[0].Label;
        foreach (var (label, p) in prototypes)
        {
            scores[label] = pooled.Pooled.DotProduct(p);
            if (scores[label] > scores[best]) best = label;
        }
        return new Classification(tokens, pooled.Weights, scores, best);
    }
}

/// <summary>A sequence attended with a causal mask, for the text-generation illustration (§6.6).</summary>
/// <param name="Tokens">The tokens.</param>
/// <param name="Inputs">Word vectors plus sinusoidal positional encoding, <c>[tokens, d]</c>.</param>
/// <param name="Attention">Output and weights of causal self-attention over <paramref name="Inputs"/>.</param>
public sealed record CausalRun(string[] Tokens, Matrix<double> Inputs, AttentionResult Attention);

/// <summary>
/// Causal self-attention as a generator (decoder) uses it: token i may attend to tokens 0 … i only
/// (<see cref="Masks.Causal(int)"/>), so its output cannot depend on anything that comes after it.
/// </summary>
public static class GenerationAttention
{
    /// <summary>Embeds the tokens with the lexicon, adds the sinusoidal encoding of their positions and runs
    /// self-attention (Q = K = V = the inputs) with a causal mask.</summary>
    /// <param name="lexicon">The word vectors.</param>
    /// <param name="tokens">The tokens; at least one.</param>
    /// <returns>Inputs, outputs and weights.</returns>
    public static CausalRun Causal(Lexicon lexicon, IReadOnlyList<string> tokens)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        Check.NotNull(tokens, nameof(tokens));
        if (tokens.Count == 0) throw new ArgumentException("Pass at least one token.", nameof(tokens));
        var x = lexicon.Embed(tokens) + PositionalEncoding.Sinusoidal(tokens.Count, lexicon.Dimension);
        return new CausalRun(tokens.ToArray(), x, ScaledDotProductAttention.Compute(x, Masks.Causal(tokens.Count)));
    }
}
