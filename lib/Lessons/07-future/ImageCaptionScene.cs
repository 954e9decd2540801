using MathNet.Numerics.LinearAlgebra;

using Attention;

namespace Lessons;

/// <summary>
/// A toy image-and-caption pair for cross-attention (交叉注意力): a 4×4 grid of "patch" vectors and the words
/// of a caption, living in one shared vector space. Each patch shows one concept (sky, sun, tree, grass, cat);
/// its vector is that concept's vector plus noise. The concept and word vectors are mutually orthogonal, so
/// "unrelated" means a dot product of 0 before the noise. Caption words that name a concept get the same concept
/// vector plus their own noise; the other words ("a", "sits", "on", "under") get vectors of their own.
/// </summary>
/// <remarks>
/// The shared space is <b>built by hand</b> here. In a real model (image captioning with attention, Xu et al.
/// 2015; vision-language models) it is learned from many image–text pairs; this scene only shows what
/// cross-attention does once such a space exists. Everything is drawn from <see cref="Init.Normal"/> with the
/// given seed, so the scene is the same on every machine.
/// </remarks>
/// <param name="Rows">Patch rows (4).</param>
/// <param name="Cols">Patch columns (4).</param>
/// <param name="PatchConcepts">The concept each patch shows, in reading order.</param>
/// <param name="Patches">Patch vectors <c>[Rows · Cols, dModel]</c>, reading order.</param>
/// <param name="Caption">The caption's words.</param>
/// <param name="Words">Word vectors <c>[Caption.Length, dModel]</c>.</param>
public sealed record ImageCaptionScene(int Rows, int Cols, string[] PatchConcepts, Matrix<double> Patches, string[] Caption, Matrix<double> Words)
{
    /// <summary>The concepts of the 4×4 image, row by row: sky on top with the sun at the top right, a tree
    /// and grass below, and a cat covering three patches.</summary>
    public static readonly string[] ImageLayout =
    [
        "sky", "sky", "sky", "sun",
        "sky", "sky", "sky", "sky",
        "tree", "grass", "cat", "cat",
        "grass", "grass", "cat", "grass",
    ];

    /// <summary>The caption "a cat sits on grass under sun", one entry per word.</summary>
    public static readonly string[] CaptionWords = ["a", "cat", "sits", "on", "grass", "under", "sun"];

    /// <summary>Labels <c>"r,c concept"</c> for the patches, e.g. for a heatmap axis.</summary>
    public string[] PatchLabels => PatchConcepts.Select((c, p) => $"{p / Cols},{p % Cols} {c}").ToArray();

    /// <summary>Builds the scene.</summary>
    /// <param name="seed">Seed for every random draw.</param>
    /// <param name="dModel">Width of the shared space (at least 9, one dimension per distinct concept or word).</param>
    /// <param name="strength">Length of each concept (and other word) vector; longer vectors give sharper attention.</param>
    /// <param name="noise">Standard deviation of the per-patch and per-word noise added to each entry.</param>
    /// <returns>The scene.</returns>
    public static ImageCaptionScene Create(int seed = 7, int dModel = 16, double strength = 4.0, double noise = 0.3)
    {
        Check.Positive(dModel, nameof(dModel));
        var vocabulary = ImageLayout.Concat(CaptionWords).Distinct().ToArray();
        var vectorOf = ToyVectors.Orthogonal(vocabulary, dModel, strength, seed);
        var patches = ToyVectors.WithNoise(ImageLayout, vectorOf, noise, unchecked(seed + 1));
        var words = ToyVectors.WithNoise(CaptionWords, vectorOf, noise, unchecked(seed + 2));
        return new ImageCaptionScene(4, 4, ImageLayout.ToArray(), patches, CaptionWords.ToArray(), words);
    }
}
