using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// A toy shopping history for attention-based recommendation (个性化推荐): items belong to categories
/// (sci-fi books, jazz records, cooking, outdoor gear, gardening); an item's vector is its category's vector
/// plus noise, and the category vectors are mutually orthogonal. The user's past items are listed oldest first; the candidates are items the system might show next.
/// </summary>
/// <remarks>
/// Real systems learn these vectors from clicks and purchases (e.g. Zhou et al. 2018, Deep Interest Network;
/// Kang &amp; McAuley 2018, SASRec). Here the categories are planted by hand so that the attention weights can be
/// checked by eye. Drawn from <see cref="Init.Normal"/> with the given seed.
/// </remarks>
/// <param name="HistoryItems">Past items, oldest first.</param>
/// <param name="HistoryCategories">The category of each past item.</param>
/// <param name="History">Past item vectors <c>[history, dModel]</c>, oldest first.</param>
/// <param name="CandidateItems">Items that could be recommended.</param>
/// <param name="CandidateCategories">The category of each candidate.</param>
/// <param name="Candidates">Candidate vectors <c>[candidates, dModel]</c>.</param>
public sealed record UserHistoryExample(string[] HistoryItems, string[] HistoryCategories, Matrix<double> History,
    string[] CandidateItems, string[] CandidateCategories, Matrix<double> Candidates)
{
    private static readonly (string Item, string Category)[] Past =
    [
        ("Dune", "sci-fi"), ("Neuromancer", "sci-fi"), ("Hyperion", "sci-fi"), ("Kind of Blue", "jazz"),
        ("Pasta basics", "cooking"), ("Trail map", "outdoor"), ("Rain jacket", "outdoor"), ("Hiking boots", "outdoor"),
    ];

    private static readonly (string Item, string Category)[] Next =
    [
        ("Left Hand of Darkness", "sci-fi"), ("Tent", "outdoor"), ("A Love Supreme", "jazz"), ("Chef's knife", "cooking"), ("Garden gloves", "gardening"),
    ];

    /// <summary>Builds the example.</summary>
    /// <param name="seed">Seed for every random draw.</param>
    /// <param name="dModel">Width of the item vectors (at least 5, one dimension per category).</param>
    /// <param name="strength">Length of each category vector.</param>
    /// <param name="noise">Standard deviation of the per-item noise on each entry.</param>
    /// <returns>The example.</returns>
    public static UserHistoryExample Create(int seed = 11, int dModel = 16, double strength = 3.0, double noise = 0.4)
    {
        Check.Positive(dModel, nameof(dModel));
        var categories = Past.Concat(Next).Select(e => e.Category).Distinct().ToArray();
        var vectorOf = ToyVectors.Orthogonal(categories, dModel, strength, seed);
        Matrix<double> Build((string Item, string Category)[] items, int s) => ToyVectors.WithNoise(items.Select(e => e.Category), vectorOf, noise, s);
        return new UserHistoryExample(
            Past.Select(e => e.Item).ToArray(), Past.Select(e => e.Category).ToArray(), Build(Past, unchecked(seed + 1)),
            Next.Select(e => e.Item).ToArray(), Next.Select(e => e.Category).ToArray(), Build(Next, unchecked(seed + 2)));
    }
}
