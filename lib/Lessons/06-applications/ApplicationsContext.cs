using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Tokens after one <see cref="ContextLayer"/>: their input vectors, the attention, and the contextual vectors.</summary>
/// <param name="Tokens">All tokens, sentence after sentence.</param>
/// <param name="SentenceOf">The sentence (0-based) each token belongs to.</param>
/// <param name="Inputs">The lexicon vectors <c>X [tokens, d]</c>.</param>
/// <param name="Attention">The self-attention: weights <c>[tokens, tokens]</c> (zero across sentences) and output.</param>
/// <param name="Contextual">The contextual vectors <c>C = X + attention output</c>.</param>
public sealed record ContextEncoding(string[] Tokens, int[] SentenceOf, Matrix<double> Inputs, AttentionResult Attention, Matrix<double> Contextual)
{
    /// <summary>The position of <paramref name="token"/> (its first occurrence).</summary>
    /// <param name="token">A token.</param>
    /// <returns>Its index.</returns>
    /// <exception cref="ArgumentException">The token does not occur.</exception>
    public int IndexOf(string token)
    {
        int i = Array.IndexOf(Tokens, token);
        return i >= 0 ? i : throw new ArgumentException($"'{token}' is not among the tokens: {string.Join(" ", Tokens)}.", nameof(token));
    }
}

/// <summary>
/// One hand-built self-attention layer that gives each token some of its neighbours' meaning:
/// <c>C = X + softmax(X·Wq·Xᵀ/√d + bias, mask)·X</c>. The query projection <c>Wq</c> says what each kind of
/// token looks for, the keys and values are the lexicon vectors themselves, the ALiBi bias
/// <c>−slope·|i − j|</c> prefers near neighbours, and the mask keeps attention inside a sentence.
/// </summary>
/// <remarks>
/// <see cref="HandMade"/> writes <c>Wq</c> by hand: a <c>name</c> looks for <c>person</c>, <c>place</c>,
/// <c>birth</c> and <c>travel</c> cues; a <c>date</c> looks for <c>birth</c> and <c>travel</c>. Every other
/// token has a zero query, so it spreads its attention by distance alone. Nothing here is learned.
/// </remarks>
public sealed class ContextLayer
{
    /// <summary>Creates a layer.</summary>
    /// <param name="lexicon">The word vectors.</param>
    /// <param name="queryProjection">Wq <c>[d, d]</c>, applied as <c>X·Wq</c>.</param>
    /// <param name="slope">The ALiBi slope (≥ 0): how much each step of distance lowers a score.</param>
    public ContextLayer(Lexicon lexicon, Matrix<double> queryProjection, double slope)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        Check.NotNull(queryProjection, nameof(queryProjection));
        int d = lexicon.Dimension;
        if (queryProjection.RowCount != d || queryProjection.ColumnCount != d)
            throw new ArgumentException($"The lexicon has {d} features, so Wq must be {d}×{d}, but it is {Check.Shape(queryProjection)}.", nameof(queryProjection));
        if (!(slope >= 0) || double.IsInfinity(slope))
            throw new ArgumentOutOfRangeException(nameof(slope), slope, $"The slope must be finite and ≥ 0, but it is {slope}.");
        Lexicon = lexicon;
        QueryProjection = queryProjection.Clone();
        Slope = slope;
    }

    /// <summary>The hand-written layer described in the remarks.</summary>
    /// <param name="lexicon">A lexicon with the features name, person, place, date, birth and travel.</param>
    /// <param name="strength">The value of each hand-written entry of Wq; larger means sharper attention.</param>
    /// <param name="slope">The ALiBi slope.</param>
    /// <returns>The layer.</returns>
    public static ContextLayer HandMade(Lexicon lexicon, double strength = 6.0, double slope = 0.5)
    {
        Check.NotNull(lexicon, nameof(lexicon));
        var wq = Matrix<double>.Build.Dense(lexicon.Dimension, lexicon.Dimension);
        foreach (var cue in new[] { "person", "place", "birth", "travel" }) wq[lexicon.IndexOf("name"), lexicon.IndexOf(cue)] = strength;
        foreach (var cue in new[] { "birth", "travel" }) wq[lexicon.IndexOf("date"), lexicon.IndexOf(cue)] = strength;
        return new ContextLayer(lexicon, wq, slope);
    }

    /// <summary>The word vectors.</summary>
    public Lexicon Lexicon { get; }

    /// <summary>Wq <c>[d, d]</c> (a copy of what was passed in).</summary>
    public Matrix<double> QueryProjection { get; }

    /// <summary>The ALiBi slope.</summary>
    public double Slope { get; }

    /// <summary>Encodes one or more sentences; a token attends only to tokens of its own sentence.</summary>
    /// <param name="sentences">The sentences (tokenized with <see cref="Lexicon.Tokenize"/>).</param>
    /// <returns>The tokens, the attention and the contextual vectors.</returns>
    public ContextEncoding Encode(IReadOnlyList<string> sentences)
    {
        Check.NotNull(sentences, nameof(sentences));
        var tokenized = sentences.Select(Lexicon.Tokenize).ToArray();
        var tokens = tokenized.SelectMany(t => t).ToArray();
        if (tokens.Length == 0) throw new ArgumentException("The sentences have no words.", nameof(sentences));
        var sentenceOf = tokenized.SelectMany((t, s) => Enumerable.Repeat(s, t.Length)).ToArray();
        int n = tokens.Length;
        var mask = new bool[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) mask[i, j] = sentenceOf[i] == sentenceOf[j];
        var x = Lexicon.Embed(tokens);
        var attention = ScaledDotProductAttention.Compute(x * QueryProjection, x, x, mask, Alibi.Bias(n, n, Slope));
        return new ContextEncoding(tokens, sentenceOf, x, attention, x + attention.Output);
    }

    /// <summary>Encodes one sentence.</summary>
    /// <param name="sentence">The sentence.</param>
    /// <returns>The encoding.</returns>
    public ContextEncoding Encode(string sentence) => Encode([sentence]);
}

/// <summary>An ambiguous word in a sentence, with the entity type it has there.</summary>
/// <param name="Word">The ambiguous word, e.g. <c>jordan</c>.</param>
/// <param name="Type">Its type in this sentence: <c>person</c> or <c>place</c>.</param>
/// <param name="Sentence">The sentence.</param>
public sealed record EntityExample(string Word, string Type, string Sentence)
{
    /// <summary>Reads a CSV with the header <c>word,type,sentence</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The examples.</returns>
    public static IReadOnlyList<EntityExample> Load(string path)
    {
        var (header, rows) = TutorialData.ReadCsv(path);
        if (!header.SequenceEqual(["word", "type", "sentence"]))
            throw new FormatException($"{Path.GetFileName(path)} must have the header word,type,sentence.");
        return rows.Select(r => new EntityExample(r[0], r[1], r[2])).ToList();
    }
}

/// <summary>What the context says a word is (named entity recognition, 命名实体识别, reduced to person or place).</summary>
/// <param name="Word">The word.</param>
/// <param name="Person">The contextual vector's <c>person</c> value.</param>
/// <param name="Place">The contextual vector's <c>place</c> value.</param>
/// <param name="Type"><c>person</c> or <c>place</c>, whichever is larger (<c>person</c> on a tie).</param>
/// <param name="Encoding">The sentence's encoding, for its attention weights.</param>
public sealed record EntityGuess(string Word, double Person, double Place, string Type, ContextEncoding Encoding)
{
    /// <summary>Encodes <paramref name="sentence"/> with <paramref name="layer"/> and reads the type of <paramref name="word"/>
    /// off its contextual vector.</summary>
    /// <param name="layer">The context layer.</param>
    /// <param name="word">The word to type.</param>
    /// <param name="sentence">The sentence that contains it.</param>
    /// <returns>The guess.</returns>
    public static EntityGuess Of(ContextLayer layer, string word, string sentence)
    {
        Check.NotNull(layer, nameof(layer));
        var encoding = layer.Encode(sentence);
        var c = encoding.Contextual.Row(encoding.IndexOf(word));
        double person = c[layer.Lexicon.IndexOf("person")], place = c[layer.Lexicon.IndexOf("place")];
        return new EntityGuess(word, person, place, place > person ? "place" : "person", encoding);
    }
}

/// <summary>A question for <see cref="SpanReader"/>: its text, the answer's type and the relation it asks about.</summary>
/// <param name="Text">The question.</param>
/// <param name="Type">The answer's type, a lexicon feature (<c>person</c>, <c>place</c>, <c>date</c>), as "who", "where", "when" say.</param>
/// <param name="Relation">The relation asked about, a lexicon feature (<c>birth</c>, <c>travel</c>).</param>
/// <param name="Answer">The expected answer.</param>
public sealed record Question(string Text, string Type, string Relation, string Answer);

/// <summary>A passage and questions about it.</summary>
/// <param name="Passage">The passage's sentences.</param>
/// <param name="Questions">The questions.</param>
public sealed record QaData(IReadOnlyList<string> Passage, IReadOnlyList<Question> Questions)
{
    /// <summary>Reads a JSON file <c>{ "passage": [sentences], "questions": [{ "question", "type", "relation", "answer" }] }</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The passage and questions.</returns>
    public static QaData Load(string path)
    {
        Check.NotNull(path, nameof(path));
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        string Text(JsonElement e, string property) =>
            e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String
                ? p.GetString()!
                : throw new FormatException($"{Path.GetFileName(path)}: every question needs a string '{property}'.");
        var passage = root.GetProperty("passage").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var questions = root.GetProperty("questions").EnumerateArray()
            .Select(q => new Question(Text(q, "question"), Text(q, "type"), Text(q, "relation"), Text(q, "answer"))).ToArray();
        return new QaData(passage, questions);
    }
}

/// <summary>A <see cref="SpanReader"/>'s answer.</summary>
/// <param name="Weights">The question's attention weight on each passage token (0 on tokens of the wrong type).</param>
/// <param name="Start">First token of the answer span.</param>
/// <param name="End">Last token of the answer span (inclusive).</param>
/// <param name="Text">The span's tokens joined by spaces.</param>
public sealed record SpanAnswer(double[] Weights, int Start, int End, string Text);

/// <summary>
/// Extractive question answering (问答系统) as span lookup: the question becomes one query vector that attends over
/// the passage's contextual vectors, and the answer is the span of tokens where the weight peaks.
/// </summary>
/// <remarks>
/// The query is the question's relation feature times <see cref="Sharpness"/>. A mask lets the query see only tokens
/// whose lexicon vector has the answer's type ("where" → place), the job a type classifier does in a real reader.
/// The span is the run of neighbouring tokens around the peak whose weight is at least half the peak
/// (<see cref="PeakSpan"/>). Real readers (e.g. BERT on SQuAD) instead predict a start and an end position with two
/// learned attentions; the idea, a softmax over passage positions, is the same.
/// </remarks>
public sealed class SpanReader
{
    /// <summary>Encodes the passage once.</summary>
    /// <param name="layer">The context layer that gives each passage token its neighbours' meaning.</param>
    /// <param name="passage">The passage's sentences.</param>
    /// <param name="sharpness">The query's value on the relation feature.</param>
    public SpanReader(ContextLayer layer, IReadOnlyList<string> passage, double sharpness = 20.0)
    {
        Check.NotNull(layer, nameof(layer));
        Check.NotNull(passage, nameof(passage));
        if (!(sharpness > 0) || double.IsInfinity(sharpness))
            throw new ArgumentOutOfRangeException(nameof(sharpness), sharpness, $"The sharpness must be finite and > 0, but it is {sharpness}.");
        Layer = layer;
        Passage = layer.Encode(passage);
        Sharpness = sharpness;
    }

    /// <summary>The context layer.</summary>
    public ContextLayer Layer { get; }

    /// <summary>The encoded passage.</summary>
    public ContextEncoding Passage { get; }

    /// <summary>The query's value on the relation feature.</summary>
    public double Sharpness { get; }

    /// <summary>Answers a question.</summary>
    /// <param name="question">The question (its type and relation are lexicon features).</param>
    /// <returns>The weights over the passage and the span.</returns>
    public SpanAnswer Ask(Question question)
    {
        Check.NotNull(question, nameof(question));
        var lexicon = Layer.Lexicon;
        int type = lexicon.IndexOf(question.Type);
        var query = lexicon.Direction((question.Relation, Sharpness)).ToRowMatrix();
        int n = Passage.Tokens.Length;
        var mask = new bool[1, n];
        for (int j = 0; j < n; j++) mask[0, j] = Passage.Inputs[j, type] > 0;
        var weights = ScaledDotProductAttention.Compute(query, Passage.Contextual, Passage.Contextual, mask).Weights.Row(0).ToArray();
        if (weights.All(w => w == 0))
            return new SpanAnswer(weights, 0, -1, "");
        var (start, end) = PeakSpan(weights);
        return new SpanAnswer(weights, start, end, string.Join(" ", Passage.Tokens[start..(end + 1)]));
    }

    /// <summary>The span around the largest weight: extend left and right while the neighbour's weight is at least
    /// <paramref name="fraction"/> of the peak.</summary>
    /// <param name="weights">Weights over positions; at least one.</param>
    /// <param name="fraction">Between 0 and 1.</param>
    /// <returns>First and last position (inclusive).</returns>
    public static (int Start, int End) PeakSpan(IReadOnlyList<double> weights, double fraction = 0.5)
    {
        Check.NotNull(weights, nameof(weights));
        if (weights.Count == 0) throw new ArgumentException("There are no weights.", nameof(weights));
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"The fraction must be between 0 and 1, but it is {fraction}.");
        int peak = 0;
        for (int i = 1; i < weights.Count; i++)
            if (weights[i] > weights[peak]) peak = i;
        double threshold = fraction * weights[peak];
        int start = peak, end = peak;
        while (start > 0 && weights[start - 1] >= threshold) start--;
        while (end < weights.Count - 1 && weights[end + 1] >= threshold) end++;
        return (start, end);
    }
}
