namespace Attention.Tests;

/// <summary>The growth sentence notebook 03 prints is generated from the measured numbers, for every kind of run.</summary>
public class GrowthSentenceTests
{
    [Theory]
    [InlineData(3.10, 1.62, 2.00, "time ratio 3.10 (below the quadratic 4), time exponent 1.62 (below 2: the fixed costs", "memory exponent 2.00 (close to 2)")]
    [InlineData(7.95, 2.07, 1.99, "time ratio 7.95 (above the quadratic 4), time exponent 2.07 (close to 2: the n² work", "memory exponent 1.99 (close to 2)")]
    [InlineData(4.20, 2.31, 2.02, "time ratio 4.20 (close to the quadratic 4), time exponent 2.31 (above 2: the larger score", "memory exponent 2.02 (close to 2)")]
    public void The_sentence_says_what_the_numbers_show(double ratio, double time, double memory, string timePart, string memoryPart)
    {
        var sentence = ScalingMeasurements.DescribeGrowth(ratio, time, memory);
        Assert.StartsWith("This run: ", sentence);
        Assert.Contains(timePart, sentence);
        Assert.Contains(memoryPart, sentence);
    }
}
