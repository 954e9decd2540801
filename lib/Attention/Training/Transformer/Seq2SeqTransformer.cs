using System.Numerics.Tensors;

namespace Attention.Training;

/// <summary>The shape of a <see cref="Seq2SeqTransformer"/>.</summary>
/// <param name="Vocabulary">Token ids 0 … Vocabulary − 1; 0, 1, 2 are <see cref="Seq2SeqBatch.Pad"/>, <see cref="Seq2SeqBatch.Bos"/>, <see cref="Seq2SeqBatch.Eos"/>.</param>
/// <param name="DModel">Model width.</param>
/// <param name="Heads">Heads of every attention.</param>
/// <param name="Hidden">Hidden width of the feed-forward blocks.</param>
/// <param name="Layers">Encoder layers, and as many decoder layers.</param>
/// <param name="Norm">Where the LayerNorms sit.</param>
/// <param name="Residual">Whether sublayers add to the stream (the residual connection) or replace it.</param>
/// <param name="MaxLength">Longest sequence (source, or target with its start token) the positional table covers.</param>
/// <param name="Seed">Seed of every initial weight.</param>
public sealed record TransformerSettings(int Vocabulary, int DModel = 32, int Heads = 4, int Hidden = 64, int Layers = 2,
    NormPlacement Norm = NormPlacement.PreNorm, bool Residual = true, int MaxLength = 64, int Seed = 1);

/// <summary>
/// A padded batch for an encoder–decoder, with teacher forcing: the decoder reads <c>[BOS, t1 … tk]</c> and must
/// output <c>[t1 … tk, EOS]</c>. Shorter examples are padded with <see cref="Pad"/> to the longest of the batch; padded
/// keys are masked and padded outputs are not scored.
/// </summary>
public sealed class Seq2SeqBatch
{
    /// <summary>The padding token.</summary>
    public const int Pad = 0;

    /// <summary>The start token the decoder reads first.</summary>
    public const int Bos = 1;

    /// <summary>The end token the decoder must output last.</summary>
    public const int Eos = 2;

    private Seq2SeqBatch(int[][] source, int[][] targetIn, int[][] targetOut, BatchLayout sources, BatchLayout targets)
    {
        Source = source;
        TargetIn = targetIn;
        TargetOut = targetOut;
        Sources = sources;
        Targets = targets;
        Tokens = targetOut.Sum(t => t.Count(x => x >= 0));
    }

    /// <summary>Pads <paramref name="sources"/> and <paramref name="targets"/> (token ids ≥ 3, without start or end token) into a batch.</summary>
    /// <param name="sources">Source sequences (at least one token each).</param>
    /// <param name="targets">The right output for each source (may be empty: then the answer is just EOS).</param>
    /// <returns>The batch.</returns>
    public static Seq2SeqBatch Create(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets)
    {
        Check.NotNull(sources, nameof(sources));
        Check.NotNull(targets, nameof(targets));
        if (sources.Count == 0) throw new ArgumentException("A batch needs at least one example.", nameof(sources));
        if (sources.Count != targets.Count)
            throw new ArgumentException($"There are {sources.Count} sources but {targets.Count} targets: give one target per source.", nameof(targets));
        for (int b = 0; b < sources.Count; b++)
        {
            if (sources[b] is null || sources[b].Length == 0) throw new ArgumentException($"Source {b} is empty: every source needs at least one token.", nameof(sources));
            if (targets[b] is null) throw new ArgumentException($"Target {b} is null: pass an empty array for an empty answer.", nameof(targets));
            foreach (var (seq, what) in new[] { (sources[b], "Source"), (targets[b], "Target") })
                foreach (int id in seq)
                    if (id <= Eos)
                        throw new ArgumentOutOfRangeException(what == "Source" ? nameof(sources) : nameof(targets), id,
                            $"{what} {b} contains id {id}, but ids 0, 1, 2 are reserved for padding, start and end: task tokens start at 3.");
        }
        int s = sources.Max(x => x.Length), t = targets.Max(x => x.Length) + 1;
        var src = new int[sources.Count][];
        var tin = new int[sources.Count][];
        var tout = new int[sources.Count][];
        for (int b = 0; b < sources.Count; b++)
        {
            src[b] = new int[s];
            sources[b].CopyTo(src[b], 0);
            tin[b] = new int[t];
            tout[b] = Enumerable.Repeat(-1, t).ToArray();
            tin[b][0] = Bos;
            targets[b].CopyTo(tin[b], 1);
            targets[b].CopyTo(tout[b], 0);
            tout[b][targets[b].Length] = Eos;
        }
        return new Seq2SeqBatch(src, tin, tout, new BatchLayout(s, sources.Select(x => x.Length).ToArray()),
            new BatchLayout(t, targets.Select(x => x.Length + 1).ToArray()));
    }

    /// <summary>Padded sources <c>[examples][S]</c>.</summary>
    public int[][] Source { get; }

    /// <summary>Decoder inputs <c>[examples][T]</c>: start token, then the target, then padding.</summary>
    public int[][] TargetIn { get; }

    /// <summary>What the decoder must output <c>[examples][T]</c>: the target, the end token, then −1 (not scored).</summary>
    public int[][] TargetOut { get; }

    /// <summary>The sources' layout (S rows per example, real lengths).</summary>
    public BatchLayout Sources { get; }

    /// <summary>The decoder side's layout (T rows per example; real length = target length + 1).</summary>
    public BatchLayout Targets { get; }

    /// <summary>Number of scored output positions (real target tokens and end tokens).</summary>
    public int Tokens { get; }

    /// <summary>Number of examples.</summary>
    public int Examples => Source.Length;
}

/// <summary>What <see cref="Seq2SeqTransformer.Generate"/> produced.</summary>
/// <param name="Tokens">The generated tokens, without the start token and without the end token.</param>
/// <param name="Logits">The logits of every step (the last row the decoder computed at that step).</param>
/// <param name="EndedWithEos">Whether generation stopped because the model output the end token.</param>
public sealed record Generation(int[] Tokens, IReadOnlyList<double[]> Logits, bool EndedWithEos);

/// <summary>
/// The encoder–decoder Transformer (Vaswani et al. 2017) at a size a CPU trains in seconds: a shared token
/// embedding scaled by √d_model plus the sinusoidal encoding, N encoder layers, N decoder layers, and a linear output
/// layer over the vocabulary. Trained with teacher forcing on padded batches; the loss is the mean cross-entropy over
/// the real output tokens.
/// </summary>
/// <remarks>
/// <para>Embeddings are drawn from N(0, 1/d) and multiplied by √d where the encoding is added (Vaswani et al. §3.4), so
/// token vectors and position vectors both have entries of variance about 1 (the sinusoids' mean square is 1/2) and
/// neither drowns the other.</para>
/// <para>Pre-norm stacks end with a final LayerNorm (<c>encoder.norm</c>, <c>decoder.norm</c>); post-norm and unnormalised
/// stacks do not.</para>
/// </remarks>
public sealed class Seq2SeqTransformer
{
    private readonly LayerNorm? _encoderNorm;
    private readonly LayerNorm? _decoderNorm;
    private readonly LinearLayer _output;
    private readonly RowMatrix _positions;
    private Seq2SeqBatch? _last;

    /// <summary>Creates the model with weights drawn from the settings' seed.</summary>
    /// <param name="settings">The model's shape.</param>
    public Seq2SeqTransformer(TransformerSettings settings)
    {
        Check.NotNull(settings, nameof(settings));
        if (settings.Vocabulary <= Seq2SeqBatch.Eos)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Vocabulary, "The vocabulary needs the ids 0, 1, 2 (padding, start, end) and at least one task token: Vocabulary ≥ 4.");
        Check.Positive(settings.DModel, nameof(settings.DModel));
        Check.Positive(settings.Heads, nameof(settings.Heads));
        Check.Positive(settings.Hidden, nameof(settings.Hidden));
        Check.Positive(settings.Layers, nameof(settings.Layers));
        Check.Positive(settings.MaxLength, nameof(settings.MaxLength));
        if (settings.DModel % 2 != 0) throw new ArgumentException($"d_model = {settings.DModel} must be even: the sinusoidal encoding pairs sin and cos columns.", nameof(settings));
        Settings = settings;
        int d = settings.DModel, s = unchecked(settings.Seed * 1000);
        Embedding = new Parameter("embedding", RowMatrix.From(Init.Normal(settings.Vocabulary, d, s, 1.0 / Math.Sqrt(d))));
        Encoder = Enumerable.Range(0, settings.Layers).Select(l =>
            new EncoderLayer($"encoder.{l}", d, settings.Heads, settings.Hidden, settings.Norm, settings.Residual, s + 10 + 20 * l)).ToArray();
        Decoder = Enumerable.Range(0, settings.Layers).Select(l =>
            new DecoderLayer($"decoder.{l}", d, settings.Heads, settings.Hidden, settings.Norm, settings.Residual, s + 500 + 20 * l)).ToArray();
        if (settings.Norm == NormPlacement.PreNorm)
        {
            _encoderNorm = new LayerNorm("encoder.norm", d);
            _decoderNorm = new LayerNorm("decoder.norm", d);
        }
        _output = new LinearLayer("output", d, settings.Vocabulary, s + 999);
        _positions = RowMatrix.From(PositionalEncoding.Sinusoidal(settings.MaxLength, d));
        Parameters = [Embedding, .. Encoder.SelectMany(l => l.Parameters), .. _encoderNorm?.Parameters ?? [],
            .. Decoder.SelectMany(l => l.Parameters), .. _decoderNorm?.Parameters ?? [], .. _output.Parameters];
    }

    /// <summary>The model's shape.</summary>
    public TransformerSettings Settings { get; }

    /// <summary>The token table <c>[vocabulary, d]</c>, shared by source and target.</summary>
    public Parameter Embedding { get; }

    /// <summary>The encoder layers.</summary>
    public IReadOnlyList<EncoderLayer> Encoder { get; }

    /// <summary>The decoder layers.</summary>
    public IReadOnlyList<DecoderLayer> Decoder { get; }

    /// <summary>Every trainable parameter, in a fixed order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Number of trainable numbers.</summary>
    public int ParameterCount => Parameters.Sum(p => p.Count);

    /// <summary>The logits of every decoder position of the batch (teacher forcing).</summary>
    /// <param name="batch">The batch.</param>
    /// <returns><c>[examples · T, vocabulary]</c>.</returns>
    public RowMatrix Forward(Seq2SeqBatch batch)
    {
        Check.NotNull(batch, nameof(batch));
        var memory = Encode(batch.Source, batch.Sources);
        var z = Embed(batch.TargetIn, batch.Targets.Rows);
        foreach (var layer in Decoder) z = layer.Forward(z, batch.Targets, memory, batch.Sources);
        if (_decoderNorm is not null) z = _decoderNorm.Forward(z);
        var logits = _output.Forward(z);
        _last = batch;
        return logits;
    }

    /// <summary>The mean cross-entropy over the batch's real output tokens (forward only).</summary>
    /// <param name="batch">The batch.</param>
    /// <returns>The loss.</returns>
    public double Loss(Seq2SeqBatch batch)
    {
        var (sum, count) = SumLoss(batch, out _);
        return sum / count;
    }

    /// <summary>Forward and backward pass: adds the gradient of the batch's SUMMED loss to every parameter's gradient.</summary>
    /// <param name="batch">The batch.</param>
    /// <returns>The summed loss and the number of scored tokens (the mean is their ratio).</returns>
    public (double Sum, int Count) SumLossAndBackward(Seq2SeqBatch batch)
    {
        var (sum, count) = SumLoss(batch, out var logP);
        // ∂(Σ −log p_target)/∂logits = softmax − onehot on scored rows, 0 on the rest.
        var dLogits = new RowMatrix(logP.Rows, logP.Cols);
        int t = batch.Targets.Rows;
        for (int r = 0; r < logP.Rows; r++)
        {
            int target = batch.TargetOut[r / t][r % t];
            if (target < 0) continue;
            var g = dLogits.Row(r);
            TensorPrimitives.Exp(logP.Row(r), g);
            g[target] -= 1.0;
        }
        Backward(dLogits);
        return (sum, count);
    }

    private (double Sum, int Count) SumLoss(Seq2SeqBatch batch, out RowMatrix logP)
    {
        var logits = Forward(batch);
        logP = new RowMatrix(logits.Rows, logits.Cols);
        Softmax.LogRows(logits.Data, logP.Data, logits.Cols);
        int t = batch.Targets.Rows;
        double sum = 0;
        for (int r = 0; r < logP.Rows; r++)
        {
            int target = batch.TargetOut[r / t][r % t];
            if (target >= Settings.Vocabulary)
                throw new ArgumentOutOfRangeException(nameof(batch), target, $"The batch has token {target}, but the vocabulary has {Settings.Vocabulary} ids.");
            if (target >= 0) sum -= logP[r, target];
        }
        return (sum, batch.Tokens);
    }

    private void Backward(RowMatrix dLogits)
    {
        var batch = _last ?? throw new InvalidOperationException("Backward needs a Forward first.");
        var dz = _output.Backward(dLogits);
        if (_decoderNorm is not null) dz = _decoderNorm.Backward(dz);
        RowMatrix? dMemory = null;
        for (int l = Decoder.Count - 1; l >= 0; l--)
        {
            var (dy, dm) = Decoder[l].Backward(dz);
            dz = dy;
            if (dMemory is null) dMemory = dm; else RowOps.AddInPlace(dMemory, dm);
        }
        EmbedBackward(batch.TargetIn, dz);
        var dx = dMemory!;
        if (_encoderNorm is not null) dx = _encoderNorm.Backward(dx);
        for (int l = Encoder.Count - 1; l >= 0; l--) dx = Encoder[l].Backward(dx);
        EmbedBackward(batch.Source, dx);
    }

    /// <summary>The encoder's output for the batch's sources: the memory the decoder's cross-attention reads.</summary>
    /// <param name="batch">The batch.</param>
    /// <returns><c>[examples · S, d]</c> (padded rows included).</returns>
    public RowMatrix Encode(Seq2SeqBatch batch)
    {
        Check.NotNull(batch, nameof(batch));
        return Encode(batch.Source, batch.Sources);
    }

    private RowMatrix Encode(int[][] source, BatchLayout layout)
    {
        var x = Embed(source, layout.Rows);
        foreach (var layer in Encoder) x = layer.Forward(x, layout);
        return _encoderNorm is null ? x : _encoderNorm.Forward(x);
    }

    /// <summary><c>embedding[token]·√d + PE[position]</c> for every row.</summary>
    private RowMatrix Embed(int[][] tokens, int rows)
    {
        if (rows > Settings.MaxLength)
            throw new ArgumentException($"A sequence of {rows} positions is longer than MaxLength = {Settings.MaxLength}: build the model with a larger MaxLength.", nameof(tokens));
        int d = Settings.DModel;
        double scale = Math.Sqrt(d);
        var x = new RowMatrix(tokens.Length * rows, d);
        for (int b = 0; b < tokens.Length; b++)
            for (int p = 0; p < rows; p++)
            {
                int id = tokens[b][p];
                if (id < 0 || id >= Settings.Vocabulary)
                    throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token {id} is outside the vocabulary 0 … {Settings.Vocabulary - 1}.");
                var row = x.Row(b * rows + p);
                TensorPrimitives.MultiplyAdd(Embedding.Value.Row(id), scale, _positions.Row(p), row);
            }
        return x;
    }

    private void EmbedBackward(int[][] tokens, RowMatrix dx)
    {
        int rows = tokens[0].Length;
        double scale = Math.Sqrt(Settings.DModel);
        for (int b = 0; b < tokens.Length; b++)
            for (int p = 0; p < rows; p++)
            {
                var g = Embedding.Gradient.Row(tokens[b][p]);
                TensorPrimitives.MultiplyAdd(dx.Row(b * rows + p), scale, g, g);
            }
    }

    /// <summary>
    /// Greedy decoding: starts from the start token and appends the most likely token until the end token or
    /// <paramref name="maxTokens"/>. With <paramref name="useCache"/> each step runs one new row through the decoder
    /// against the layers' key–value caches; without it every step recomputes the whole prefix. Both give the same
    /// logits (up to rounding).
    /// </summary>
    /// <param name="source">The source tokens (ids ≥ 3).</param>
    /// <param name="maxTokens">Most tokens to generate (the end token included).</param>
    /// <param name="useCache">Whether to use the key–value cache.</param>
    /// <param name="stopAtEnd">Whether the end token stops generation (false: always <paramref name="maxTokens"/> steps, for timing).</param>
    /// <returns>The tokens and every step's logits.</returns>
    public Generation Generate(int[] source, int maxTokens, bool useCache = true, bool stopAtEnd = true)
    {
        Check.NotNull(source, nameof(source));
        Check.Positive(maxTokens, nameof(maxTokens));
        var probe = Seq2SeqBatch.Create([source], [Array.Empty<int>()]); // checks the ids
        if (maxTokens > Settings.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"The positional table has {Settings.MaxLength} rows: generate at most {Settings.MaxLength} tokens.");
        var memory = Encode(probe.Source, probe.Sources);
        var tokens = new List<int> { Seq2SeqBatch.Bos };
        var logits = new List<double[]>();
        var self = Decoder.Select(l => KeyValueCache.Growing(l.SelfAttention)).ToArray();
        var cross = Decoder.Select(l => KeyValueCache.ForMemory(l.CrossAttention, memory)).ToArray();
        while (logits.Count < maxTokens)
        {
            double[] row;
            if (useCache)
            {
                var z = new RowMatrix(1, Settings.DModel, EmbedAt(tokens[^1], tokens.Count - 1));
                for (int l = 0; l < Decoder.Count; l++) z = Decoder[l].Step(z, self[l], cross[l]);
                if (_decoderNorm is not null) z = _decoderNorm.Forward(z);
                row = _output.Forward(z).Data;
            }
            else
            {
                var layout = BatchLayout.Single(tokens.Count);
                var z = Embed([tokens.ToArray()], tokens.Count);
                foreach (var layer in Decoder) z = layer.Forward(z, layout, memory, probe.Sources);
                if (_decoderNorm is not null) z = _decoderNorm.Forward(z);
                row = _output.Forward(z).Row(tokens.Count - 1).ToArray();
            }
            logits.Add(row);
            int next = RowOps.ArgMax(row);
            if (next == Seq2SeqBatch.Eos && stopAtEnd) return new Generation([.. tokens.Skip(1)], logits, true);
            tokens.Add(next);
        }
        return new Generation([.. tokens.Skip(1)], logits, false);
    }

    private double[] EmbedAt(int token, int position)
    {
        var row = new double[Settings.DModel];
        TensorPrimitives.MultiplyAdd(Embedding.Value.Row(token), Math.Sqrt(Settings.DModel), _positions.Row(position), row);
        return row;
    }
}
