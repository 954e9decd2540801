using System.Globalization;
using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// Finds the tutorial's <c>data/</c> folder: the first folder named <c>data</c> holding a <c>README.md</c> in the
/// current directory, the directory of this assembly, or any of their parents. That works from a notebook
/// (current directory <c>notebooks/</c>, assembly in <c>lib/bin/</c>), from the tests and from the repository root.
/// </summary>
public static class TutorialData
{
    private static readonly Lazy<string> Found = new(Find);

    /// <summary>The full path of the <c>data/</c> folder.</summary>
    /// <exception cref="DirectoryNotFoundException">No <c>data/README.md</c> above the current directory or this assembly.</exception>
    public static string Directory => Found.Value;

    /// <summary>The full path of <paramref name="fileName"/> inside <c>data/</c>.</summary>
    /// <param name="fileName">A file name such as <c>"lexicon.csv"</c>.</param>
    /// <returns>The path.</returns>
    /// <exception cref="FileNotFoundException">The file is not in <c>data/</c>.</exception>
    public static string PathOf(string fileName)
    {
        Check.NotNull(fileName, nameof(fileName));
        var path = Path.Combine(Directory, fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{fileName} is not in {Directory}; data/README.md lists the files.", path);
        return path;
    }

    private static string Find()
    {
        var starts = new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(TutorialData).Assembly.Location), AppContext.BaseDirectory };
        foreach (var start in starts)
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data");
                if (File.Exists(Path.Combine(candidate, "README.md"))) return candidate;
            }
        throw new DirectoryNotFoundException(
            $"No data/README.md above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; run from inside the repository.");
    }

    /// <summary>Reads a small comma-separated file with a header row (no quoting: fields hold no commas).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The header and the data rows, each split into trimmed fields of the header's length.</returns>
    /// <exception cref="FormatException">A row has a different number of fields than the header.</exception>
    public static (string[] Header, List<string[]> Rows) ReadCsv(string path)
    {
        Check.NotNull(path, nameof(path));
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) throw new FormatException($"{path} is empty: it needs a header row.");
        var header = Split(lines[0]);
        var rows = new List<string[]>();
        for (int i = 1; i < lines.Count; i++)
        {
            var fields = Split(lines[i]);
            if (fields.Length != header.Length)
                throw new FormatException($"{Path.GetFileName(path)} line {i + 1} has {fields.Length} fields but the header has {header.Length}.");
            rows.Add(fields);
        }
        return (header, rows);
    }

    /// <summary>Parses a number written with a dot as the decimal separator, whatever the machine's culture.</summary>
    internal static double Number(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{where}: '{text}' is not a number.");

    private static string[] Split(string line) => line.Split(',').Select(f => f.Trim()).ToArray();
}

/// <summary>
/// Hand-made word vectors (词向量): each word has one value per named feature (e.g. <c>sport</c>, <c>place</c>,
/// <c>birth</c>). A word that is not listed gets the zero vector: in these illustrations, function words such as
/// "the" or "was" carry no feature. These are fixed, readable vectors, not trained embeddings.
/// </summary>
public sealed class Lexicon
{
    private readonly Dictionary<string, double[]> vectors;

    /// <summary>Creates a lexicon from feature names and one vector per word.</summary>
    /// <param name="features">The feature names, one per column.</param>
    /// <param name="vectors">Word → values, each as long as <paramref name="features"/>.</param>
    /// <exception cref="ArgumentException">A vector of the wrong length, or repeated feature names.</exception>
    public Lexicon(IReadOnlyList<string> features, IReadOnlyDictionary<string, double[]> vectors)
    {
        Check.NotNull(features, nameof(features));
        Check.NotNull(vectors, nameof(vectors));
        if (features.Count == 0) throw new ArgumentException("A lexicon needs at least one feature.", nameof(features));
        if (features.Distinct().Count() != features.Count)
            throw new ArgumentException($"The feature names repeat: {string.Join(", ", features)}.", nameof(features));
        foreach (var (word, v) in vectors)
            if (v is null || v.Length != features.Count)
                throw new ArgumentException($"'{word}' has {v?.Length ?? 0} values but there are {features.Count} features.", nameof(vectors));
        Features = features.ToArray();
        this.vectors = vectors.ToDictionary(p => p.Key, p => (double[])p.Value.Clone(), StringComparer.Ordinal);
    }

    /// <summary>Reads a lexicon from a CSV file whose header is <c>word,feature1,feature2,…</c>.</summary>
    /// <param name="path">The file, e.g. <c>TutorialData.PathOf("lexicon.csv")</c>.</param>
    /// <returns>The lexicon.</returns>
    public static Lexicon Load(string path)
    {
        var (header, rows) = TutorialData.ReadCsv(path);
        var name = Path.GetFileName(path);
        var vectors = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!vectors.TryAdd(row[0], row.Skip(1).Select((f, i) => TutorialData.Number(f, $"{name}, word '{row[0]}', {header[i + 1]}")).ToArray()))
                throw new FormatException($"{name} lists '{row[0]}' twice.");
        }
        return new Lexicon(header.Skip(1).ToArray(), vectors);
    }

    /// <summary>The feature names, in column order.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>Number of features (the vectors' width).</summary>
    public int Dimension => Features.Count;

    /// <summary>The listed words.</summary>
    public IEnumerable<string> Words => vectors.Keys;

    /// <summary>True when <paramref name="word"/> has a vector of its own.</summary>
    /// <param name="word">A lower-case word.</param>
    /// <returns>Whether it is listed.</returns>
    public bool Contains(string word) => vectors.ContainsKey(word);

    /// <summary>The column of a feature.</summary>
    /// <param name="feature">A feature name.</param>
    /// <returns>Its index.</returns>
    /// <exception cref="ArgumentException">No such feature.</exception>
    public int IndexOf(string feature)
    {
        Check.NotNull(feature, nameof(feature));
        for (int i = 0; i < Features.Count; i++)
            if (Features[i] == feature) return i;
        throw new ArgumentException($"There is no feature '{feature}'; the features are {string.Join(", ", Features)}.", nameof(feature));
    }

    /// <summary>The vector of one word (a copy); the zero vector for a word that is not listed.</summary>
    /// <param name="word">A lower-case word.</param>
    /// <returns>One value per feature.</returns>
    public Vector<double> VectorOf(string word)
    {
        Check.NotNull(word, nameof(word));
        return vectors.TryGetValue(word, out var v) ? Vector<double>.Build.Dense((double[])v.Clone()) : Vector<double>.Build.Dense(Dimension);
    }

    /// <summary>The token vectors as rows: <c>[tokens, features]</c>.</summary>
    /// <param name="tokens">The tokens.</param>
    /// <returns>One row per token (zero rows for words that are not listed).</returns>
    public Matrix<double> Embed(IReadOnlyList<string> tokens)
    {
        Check.NotNull(tokens, nameof(tokens));
        var m = Matrix<double>.Build.Dense(tokens.Count, Dimension);
        for (int t = 0; t < tokens.Count; t++)
            if (vectors.TryGetValue(tokens[t], out var v))
                for (int c = 0; c < Dimension; c++) m[t, c] = v[c];
        return m;
    }

    /// <summary>A vector with the given value on each named feature and 0 elsewhere, e.g. a query
    /// <c>Direction(("positive", 4), ("negative", 4))</c>. A feature named twice gets the sum of its values.</summary>
    /// <param name="entries">Feature names and values.</param>
    /// <returns>The vector.</returns>
    public Vector<double> Direction(params (string Feature, double Value)[] entries)
    {
        Check.NotNull(entries, nameof(entries));
        var v = Vector<double>.Build.Dense(Dimension);
        foreach (var (feature, value) in entries) v[IndexOf(feature)] += value;
        return v;
    }

    /// <summary>Splits text into lower-case word tokens (letters and digits; everything else separates words).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The tokens.</returns>
    public static string[] Tokenize(string text)
    {
        Check.NotNull(text, nameof(text));
        var chars = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray();
        return new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
