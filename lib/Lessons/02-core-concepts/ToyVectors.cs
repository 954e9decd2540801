using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>Seeded vectors for the hand-built toy examples (<see cref="ImageCaptionScene"/>, <see cref="UserHistoryExample"/>).</summary>
internal static class ToyVectors
{
    /// <summary>
    /// <paramref name="names"/>.Length mutually orthogonal vectors of length <paramref name="length"/> in
    /// <paramref name="dModel"/> dimensions, one per name: the rows of a seeded normal matrix, orthonormalised
    /// (QR) and scaled. Orthogonal so that "unrelated" means a dot product of exactly 0.
    /// </summary>
    public static Dictionary<string, Vector<double>> Orthogonal(IReadOnlyList<string> names, int dModel, double length, int seed)
    {
        if (names.Count > dModel)
            throw new ArgumentException($"{names.Count} orthogonal vectors need at least {names.Count} dimensions, but dModel is {dModel}.", nameof(dModel));
        if (!(length > 0) || !double.IsFinite(length))
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The vector length must be a finite number > 0, but it is {length}.");
        var q = Init.Normal(dModel, names.Count, seed).QR().Q; // dModel×dModel, first columns span the draws
        return names.Select((name, i) => (name, v: q.Column(i) * length)).ToDictionary(e => e.name, e => e.v);
    }

    /// <summary>One row per item: the item's vector plus independent normal noise of the given standard deviation.</summary>
    public static Matrix<double> WithNoise(IEnumerable<string> items, Dictionary<string, Vector<double>> vectorOf, double noise, int seed)
    {
        var clean = Matrix<double>.Build.DenseOfRowVectors(items.Select(i => vectorOf[i]));
        return clean + Init.Normal(clean.RowCount, clean.ColumnCount, seed, noise);
    }
}
