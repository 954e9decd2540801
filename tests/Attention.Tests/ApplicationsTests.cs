using MathNet.Numerics.LinearAlgebra;
using static Attention.Tests.Helpers;

namespace Attention.Tests;

public sealed class ApplicationsTests : IDisposable
{
    private static readonly Lexicon Lex = Applications.LoadLexicon();
    private readonly List<string> tempFiles = [];

    private string TempFile(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"applications-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        tempFiles.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var f in tempFiles) File.Delete(f);
    }

    [Fact]
    public void Data_folder_is_found_and_missing_files_are_named()
    {
        Assert.True(File.Exists(Path.Combine(TutorialData.Directory, "README.md")));
        Throws<FileNotFoundException>(() => TutorialData.PathOf("nope.csv"), "nope.csv", "README.md");
    }

    [Fact]
    public void Lexicon_reads_named_features_and_unknown_words_are_zero()
    {
        Assert.Equal(["sport", "food", "tech", "positive", "negative", "name", "person", "place", "date", "birth", "travel"], Lex.Features);
        Assert.Equal(1.0, Lex.VectorOf("goal")[Lex.IndexOf("sport")]);
        Assert.Equal(0.5, Lex.VectorOf("jordan")[Lex.IndexOf("place")]);
        Assert.False(Lex.Contains("the"));
        Assert.All(Lex.VectorOf("the"), v => Assert.Equal(0.0, v));
        var x = Lex.Embed(["the", "goal", "warsaw"]);
        Assert.Equal(Lex.VectorOf("goal"), x.Row(1));
        Assert.Equal(Lex.VectorOf("warsaw"), x.Row(2));
        Assert.Equal(0.0, x.Row(0).AbsoluteMaximum());
        var dir = Lex.Direction(("place", 2), ("birth", 1), ("place", 1));
        Assert.Equal(3.0, dir[Lex.IndexOf("place")]);
        Assert.Equal(1.0, dir[Lex.IndexOf("birth")]);
        Assert.Equal(4.0, dir.Sum());
        Throws<ArgumentException>(() => Lex.IndexOf("colour"), "colour", "sport, food");
    }

    [Fact]
    public void Tokenize_lowercases_and_splits_on_anything_but_letters_and_digits()
    {
        Assert.Equal(["marie", "curie", "1867", "warsaw"], Lexicon.Tokenize("Marie Curie (1867, Warsaw)!"));
        Assert.Empty(Lexicon.Tokenize(" ,. "));
    }

    [Fact]
    public void Malformed_files_are_refused_with_the_place_of_the_problem()
    {
        Throws<FormatException>(() => Lexicon.Load(TempFile("word,a,b\nx,1\n")), "line 2", "2 fields", "header has 3");
        Throws<FormatException>(() => Lexicon.Load(TempFile("word,a\nx,1\nx,2\n")), "'x' twice");
        Throws<FormatException>(() => Lexicon.Load(TempFile("word,a\nx,one\n")), "'one' is not a number");
        Throws<ArgumentException>(() => new Lexicon(["a", "a"], new Dictionary<string, double[]>()), "repeat");
        Throws<ArgumentException>(() => new Lexicon(["a", "b"], new Dictionary<string, double[]> { ["x"] = [1.0] }), "'x' has 1 values", "2 features");
        Throws<FormatException>(() => TranslationPair.Load(TempFile("side,token,a\nsource,x,1\nmiddle,y,1\n")), "'middle'");
        Throws<FormatException>(() => LabelledSentence.Load(TempFile("label,text\na,b\n")), "topic,sentiment,text");
    }

    [Fact]
    public void Translation_alignment_is_cross_attention_and_follows_the_french_word_order()
    {
        var pair = Applications.LoadTranslation();
        Assert.Equal(["the", "black", "cat", "drinks", "warm", "milk"], pair.SourceTokens);
        Assert.Equal(["le", "chat", "noir", "boit", "du", "lait", "chaud"], pair.TargetTokens);
        var w = pair.Align().Weights;
        // reference: softmax over source of target·source/√d
        int d = pair.Features.Count;
        for (int i = 0; i < pair.TargetTokens.Length; i++)
        {
            var s = Enumerable.Range(0, pair.SourceTokens.Length).Select(j => pair.Target.Row(i).DotProduct(pair.Source.Row(j)) / Math.Sqrt(d)).ToArray();
            Close(Reference.Softmax(s, s.Length), w.Row(i).ToArray(), 1e-12, $"row {i}");
        }
        Assert.Equal([0, 2, 1, 3, 0, 5, 4], Applications.ArgmaxPerRow(w));
        Assert.Equal(("noir", "black"), pair.HardAlignment()[2]);
        Assert.True(w[4, 5] > 0.1 && w[4, 0] > 0.5, "du leans on 'the' with a share for 'milk'");
    }

    [Fact]
    public void Attention_pooling_is_a_softmax_over_the_tokens_and_mean_pooling_is_uniform()
    {
        var x = M(new double[,] { { 1, 0 }, { 0, 2 }, { 1, 1 } });
        var q = Vector<double>.Build.Dense([2.0, -1.0]);
        var pooled = AttentionPooling.Pool(x, q);
        var s = new[] { 2 / Math.Sqrt(2), -2 / Math.Sqrt(2), 1 / Math.Sqrt(2) };
        var a = Reference.Softmax(s, 3);
        Close(a, pooled.Weights, 1e-14);
        Close([a[0] + a[2], 2 * a[1] + a[2]], pooled.Pooled.ToArray(), 1e-14);
        var mean = AttentionPooling.Mean(x);
        Close([1.0 / 3, 1.0 / 3, 1.0 / 3], mean.Weights, 0);
        Close([2.0 / 3, 1.0], mean.Pooled.ToArray(), 1e-15);
        Throws<ArgumentException>(() => AttentionPooling.Pool(x, Vector<double>.Build.Dense(3)), "3×2", "3 entries", "needs 2");
    }

    [Fact]
    public void Topic_pooling_gets_every_sentence_right_and_sentiment_misses_only_the_negation()
    {
        var sentences = Applications.LoadSentences();
        Assert.Equal(10, sentences.Count);
        var topic = PoolingClassifier.Topic(Lex);
        var sentiment = PoolingClassifier.Sentiment(Lex);
        Assert.All(sentences, s => Assert.Equal(s.Topic, topic.Classify(s.Text).Label));
        var wrong = sentences.Where(s => sentiment.Classify(s.Text).Label != s.Sentiment).Select(s => s.Text).ToList();
        Assert.Equal(["the team did not play well"], wrong);
        var won = sentiment.Classify("our team won the cup");
        Assert.Equal("won", won.Tokens[Array.IndexOf(won.Weights, won.Weights.Max())]);
        var cup = topic.Classify("our team won the cup");
        Approx.Equal(cup.Weights[1], cup.Weights[4], abs: 1e-15); // team and cup: both pure sport words, the same weight to rounding
        Assert.True(cup.Weights[1] > cup.Weights[2] && cup.Weights[2] > cup.Weights[0], "team > won (half sport) > our (nothing)");
    }

    [Fact]
    public void Attention_pooling_keeps_the_signal_that_mean_pooling_divides_by_the_length()
    {
        var topic = PoolingClassifier.Topic(Lex);
        var att = topic.Classify("the match was slow and boring");
        var mean = topic.Classify("the match was slow and boring", meanPooling: true);
        Approx.Equal(1.0 / 6, mean.Scores["sport"], abs: 1e-15); // a mean of six: a few ulps
        Assert.True(att.Scores["sport"] > 3 * mean.Scores["sport"]);
        Assert.Equal(["sport", "food", "tech"], topic.Labels);
        Throws<ArgumentException>(() => topic.Classify("!!"), "no words");
    }

    [Fact]
    public void Context_layer_matches_a_plain_loop_and_never_attends_across_sentences()
    {
        var layer = ContextLayer.HandMade(Lex);
        var enc = layer.Encode(["jordan scored", "we travelled to paris"]);
        Assert.Equal([0, 0, 1, 1, 1, 1], enc.SentenceOf);
        int n = enc.Tokens.Length, d = Lex.Dimension;
        var x = enc.Inputs;
        for (int i = 0; i < n; i++)
        {
            var q = x.Row(i) * layer.QueryProjection;
            var js = Enumerable.Range(0, n).Where(j => enc.SentenceOf[j] == enc.SentenceOf[i]).ToArray();
            var s = js.Select(j => q.DotProduct(x.Row(j)) / Math.Sqrt(d) - layer.Slope * Math.Abs(i - j)).ToArray();
            var a = Reference.Softmax(s, s.Length);
            var expected = x.Row(i).Clone();
            for (int t = 0; t < js.Length; t++)
            {
                // scores from an 11-wide projection and dot product, built two ways: ≈ 1e-14 apart, weights as much relatively
                Approx.Equal(a[t], enc.Attention.Weights[i, js[t]], abs: 1e-13, because: $"weight ({i}, {js[t]})");
                expected += a[t] * x.Row(js[t]);
            }
            Close(expected.ToArray(), enc.Contextual.Row(i).ToArray(), 1e-12, $"token {i}");
            for (int j = 0; j < n; j++)
                if (enc.SentenceOf[j] != enc.SentenceOf[i]) Assert.Equal(0.0, enc.Attention.Weights[i, j]);
        }
        Assert.Equal(6.0, layer.QueryProjection[Lex.IndexOf("name"), Lex.IndexOf("birth")]);
        Assert.Equal(0.0, layer.QueryProjection[Lex.IndexOf("date"), Lex.IndexOf("person")]);
        Throws<ArgumentException>(() => enc.IndexOf("rome"), "'rome'");
        Throws<ArgumentException>(() => new ContextLayer(Lex, M(2, 2, new double[4]), 0.5), "11×11", "2×2");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContextLayer(Lex, Matrix<double>.Build.Dense(11, 11), -1));
    }

    [Fact]
    public void The_same_name_is_a_person_or_a_place_depending_on_its_neighbours()
    {
        var layer = ContextLayer.HandMade(Lex);
        var examples = Applications.LoadEntities();
        Assert.Equal(4, examples.Count);
        foreach (var e in examples)
        {
            var guess = EntityGuess.Of(layer, e.Word, e.Sentence);
            Assert.Equal(e.Type, guess.Type);
            Assert.Equal(Lex.VectorOf(e.Word), guess.Encoding.Inputs.Row(guess.Encoding.IndexOf(e.Word))); // same input vector every time
        }
        var sport = EntityGuess.Of(layer, "jordan", examples[0].Sentence);
        Assert.True(sport.Encoding.Attention.Weights[0, 1] > 0.3, "jordan looks at 'scored'");
    }

    [Fact]
    public void Span_reader_answers_every_question_of_the_passage()
    {
        var data = Applications.LoadQuestions();
        Assert.Equal(2, data.Passage.Count);
        Assert.Equal(5, data.Questions.Count);
        var reader = new SpanReader(ContextLayer.HandMade(Lex), data.Passage);
        foreach (var q in data.Questions)
        {
            var a = reader.Ask(q);
            Assert.Equal(q.Answer, a.Text);
            Approx.Equal(1.0, a.Weights.Sum(), abs: 1e-14); // a passage's worth of weights: ≈ n·4·ε
            int type = Lex.IndexOf(q.Type);
            for (int j = 0; j < a.Weights.Length; j++)
                if (reader.Passage.Inputs[j, type] <= 0) Assert.Equal(0.0, a.Weights[j]);
        }
        var who = reader.Ask(data.Questions[0]);
        Assert.Equal((0, 1), (who.Start, who.End));
        var none = reader.Ask(new Question("what colour", "sport", "birth", ""));
        Assert.Equal("", none.Text);
    }

    [Fact]
    public void Peak_span_grows_while_neighbours_keep_half_the_peak()
    {
        Assert.Equal((1, 2), SpanReader.PeakSpan([0.05, 0.40, 0.30, 0.05, 0.20]));
        Assert.Equal((0, 0), SpanReader.PeakSpan([0.60, 0.10, 0.30]));
        Assert.Equal((2, 3), SpanReader.PeakSpan([0.10, 0.10, 0.35, 0.45]));
        Assert.Equal((0, 4), SpanReader.PeakSpan([0.2, 0.2, 0.2, 0.2, 0.2]));
        Assert.Equal((1, 1), SpanReader.PeakSpan([0.2, 0.3, 0.2], fraction: 0.9));
        Throws<ArgumentException>(() => SpanReader.PeakSpan([]), "no weights");
        Assert.Throws<ArgumentOutOfRangeException>(() => SpanReader.PeakSpan([1.0], 2));
    }

    [Fact]
    public void Causal_self_attention_outputs_do_not_depend_on_later_tokens()
    {
        string[] a = ["the", "cat", "drinks", "warm", "milk"], b = ["the", "cat", "drinks", "warm", "soup"];
        var ra = GenerationAttention.Causal(Lex, a);
        var rb = GenerationAttention.Causal(Lex, b);
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) Assert.Equal(0.0, ra.Attention.Weights[i, j]);
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < Lex.Dimension; c++) Assert.Equal(ra.Attention.Output[i, c], rb.Attention.Output[i, c]);
        Assert.True((ra.Attention.Output.Row(4) - rb.Attention.Output.Row(4)).AbsoluteMaximum() > 0.01);
        Close(Lex.Embed(a) + PositionalEncoding.Sinusoidal(5, Lex.Dimension), ra.Inputs, 0);
    }

    [Fact]
    public void Argmax_per_row_takes_the_first_of_equal_maxima()
    {
        Assert.Equal([1, 0, 2], Applications.ArgmaxPerRow(M(new double[,] { { 0, 2, 1 }, { 3, 3, 0 }, { -1, -2, 0 } })));
        Throws<ArgumentException>(() => Applications.ArgmaxPerRow(Matrix<double>.Build.Dense(2, 0)), "no columns");
    }
}
