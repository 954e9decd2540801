using System.Globalization;
using Attention.Training;

namespace Attention.Tests;

/// <summary>The task generators produce what their names promise (checked by plain loops), their expected alignments point at
/// the tokens each output needs, and the samples saved in data/tasks/ equal what the generators produce with the stated seed.</summary>
public class AlignmentTaskTests
{
    public static TheoryData<string> Names => new(AlignmentTask.All.Select(t => t.Name));

    private static AlignmentTask Task(string name) => AlignmentTask.All.Single(t => t.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Saved_samples_equal_the_generator_with_the_stated_seed(string name)
    {
        var task = Task(name);
        var path = TutorialData.PathOf(Path.Combine("tasks", name + ".txt"));
        var text = File.ReadAllText(path);
        Assert.Equal(task.FormatSamples(AlignmentTask.SampleSeed, AlignmentTask.SampleCount), text);
        Assert.Contains($"seed: {AlignmentTask.SampleSeed}, count: {AlignmentTask.SampleCount}", text.Split('\n')[0]);
        var parsed = task.ParseSamples(text);
        var generated = task.Samples(AlignmentTask.SampleSeed, AlignmentTask.SampleCount);
        Assert.Equal(generated.Count, parsed.Count);
        for (int i = 0; i < parsed.Count; i++)
        {
            Assert.Equal(generated[i].Source, parsed[i].Source);
            Assert.Equal(generated[i].Queries, parsed[i].Queries);
            Assert.Equal(generated[i].Target, parsed[i].Target);
            Assert.Equal(generated[i].Alignment, parsed[i].Alignment);
        }
        var readme = File.ReadAllText(TutorialData.PathOf("README.md"));
        Assert.Contains($"`tasks/{name}.txt`", readme);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_same_seed_gives_the_same_examples_and_another_seed_others(string name)
    {
        var task = Task(name);
        Assert.Equal(task.FormatSamples(7, 5), task.FormatSamples(7, 5));
        Assert.NotEqual(task.FormatSamples(7, 5), task.FormatSamples(8, 5));
    }

    [Fact]
    public void Copy_reverse_and_sort_do_what_they_say()
    {
        foreach (var e in AlignmentTask.Copy.Samples(1, 50))
        {
            Assert.Equal(e.Source, e.Target);
            Assert.Equal(Enumerable.Range(0, 8), e.Alignment);
        }
        foreach (var e in AlignmentTask.Reverse.Samples(1, 50))
        {
            Assert.Equal(e.Source.Reverse(), e.Target);
            for (int j = 0; j < 8; j++) Assert.Equal(e.Source[e.Alignment[j]], e.Target[j]);
        }
        foreach (var e in AlignmentTask.Sort.Samples(1, 50))
        {
            var letters = AlignmentTask.Sort.SourceTokens(e);
            Assert.Equal(8, letters.Distinct().Count());
            Assert.Equal(letters.OrderBy(l => l, StringComparer.Ordinal), AlignmentTask.Sort.TargetTokens(e.Target));
            for (int j = 0; j < 8; j++) Assert.Equal(letters[e.Alignment[j]], AlignmentTask.Sort.TargetTokens(e.Target)[j]);
        }
    }

    [Fact]
    public void Every_autoregressive_query_is_the_previous_right_output()
    {
        foreach (var task in AlignmentTask.All.Where(t => t.QueriesArePreviousOutputs))
            foreach (var e in task.Samples(3, 20))
            {
                var q = task.QueryTokens(e);
                var t = task.TargetTokens(e.Target);
                Assert.Equal(AlignmentTask.Start, q[0]);
                for (int j = 1; j < q.Length; j++) Assert.Equal(t[j - 1], q[j]);
            }
    }

    [Fact]
    public void Lookup_answers_are_the_values_stored_under_the_keys_asked()
    {
        var task = AlignmentTask.KeyValueLookup;
        foreach (var e in task.Samples(2, 50))
        {
            var entries = task.SourceTokens(e).Select(s => s.Split(':')).ToArray();
            Assert.Equal(6, entries.Select(kv => kv[0]).Distinct().Count());
            var asked = task.QueryTokens(e);
            var answers = task.TargetTokens(e.Target);
            Assert.Equal(entries.Select(kv => kv[0]).OrderBy(k => k), asked.OrderBy(k => k)); // every key asked once
            for (int j = 0; j < asked.Length; j++)
            {
                var entry = entries.Single(kv => kv[0] == asked[j]);
                Assert.Equal(entry[1], answers[j]);
                Assert.Equal(asked[j], entries[e.Alignment[j]][0]);
            }
            Assert.Equal($"{asked[0]}→{answers[0]}", task.OutputLabels(e)[0]);
            var parts = task.SourceParts(e.Source);
            for (int i = 0; i < entries.Length; i++)
                Assert.Equal(entries[i], parts[i].Select(p => task.SourcePartVocabulary[p]).ToArray());
        }
        Assert.Equal(18, task.SourcePartVocabulary.Count); // 8 keys and 10 values
        Assert.Equal(AlignmentTask.Copy.SourceVocabulary, AlignmentTask.Copy.SourcePartVocabulary);
    }

    [Fact]
    public void Dates_are_rewritten_as_iso_and_the_alignment_names_year_month_and_day()
    {
        var task = AlignmentTask.DateNormalisation;
        int earliest = int.MaxValue, latest = 0;
        foreach (var e in task.Samples(4, 200))
        {
            var s = task.SourceTokens(e);
            var text = $"{s[0]} {s[1]}, {string.Concat(s[3..])}";
            var date = DateTime.ParseExact(text, "MMMM d, yyyy", CultureInfo.InvariantCulture);
            Assert.Equal(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), string.Concat(task.TargetTokens(e.Target)));
            Assert.Equal(new[] { 3, 4, 5, 6, -1, 0, 0, -1, 1, 1 }, e.Alignment);
            earliest = Math.Min(earliest, date.Year);
            latest = Math.Max(latest, date.Year);
        }
        Assert.InRange(earliest, 1000, 1100);
        Assert.InRange(latest, 2900, 2999);
        var worked = task.ParseSamples("November 23 , 2 0 2 6\t<s> 2 0 2 6 - 1 1 - 2\t2 0 2 6 - 1 1 - 2 3\t3 4 5 6 - 0 0 - 1 1\n")[0];
        Assert.Equal("2026-11-23", string.Concat(task.TargetTokens(worked.Target)));
        var m = worked.AlignmentMatrix();
        Assert.Equal((10, 7), (m.RowCount, m.ColumnCount));
        Assert.Equal(1.0, m[0, 3]);
        Assert.Equal(0.0, m.Row(4).Sum()); // a dash needs no source token
        Assert.Equal(8.0, m.Enumerate().Sum());
    }

    [Fact]
    public void Bad_sample_files_are_reported()
    {
        Assert.Contains("4 (source, queries, target, alignment)",
            Assert.Throws<FormatException>(() => AlignmentTask.Copy.ParseSamples("a b\ta b\n")).Message);
        Assert.Contains("'z' is not a source token of the copy task",
            Assert.Throws<FormatException>(() => AlignmentTask.Copy.ParseSamples("z\t<s>\ta\t0\n")).Message);
        Assert.Throws<InvalidOperationException>(() => AlignmentTask.KeyValueLookup.QueriesAfter([1]));
    }

    [Fact]
    public void Your_own_examples_get_the_right_output_and_alignment()
    {
        var date = AlignmentTask.DateNormalisation.ExampleFor("July 4, 1776");
        Assert.Equal(["July", "4", ",", "1", "7", "7", "6"], AlignmentTask.DateNormalisation.SourceTokens(date));
        Assert.Equal("1776-07-04", string.Concat(AlignmentTask.DateNormalisation.TargetTokens(date.Target)));
        Assert.Equal([3, 4, 5, 6, -1, 0, 0, -1, 1, 1], date.Alignment);
        Assert.Equal(date, AlignmentTask.DateNormalisation.ExampleFor("  july 4 1776 "), new ExampleComparer());
        Assert.Equal("2024-02-29", string.Concat(AlignmentTask.DateNormalisation.TargetTokens(AlignmentTask.DateNormalisation.ExampleFor("February 29, 2024").Target)));

        var sort = AlignmentTask.Sort.ExampleFor("p e a k m i n d");
        Assert.Equal("a d e i k m n p", string.Join(' ', AlignmentTask.Sort.TargetTokens(sort.Target)));
        Assert.Equal([2, 7, 1, 5, 3, 4, 6, 0], sort.Alignment);
        Assert.Equal(sort, AlignmentTask.Sort.ExampleFor("PEAKMIND"), new ExampleComparer());

        var reverse = AlignmentTask.Reverse.ExampleFor("abcdefgh");
        Assert.Equal("h g f e d c b a", string.Join(' ', AlignmentTask.Reverse.TargetTokens(reverse.Target)));
        Assert.Equal(["<s>", "h", "g", "f", "e", "d", "c", "b"], AlignmentTask.Reverse.QueryTokens(reverse));
        Assert.Equal("a a b", string.Join(' ', AlignmentTask.Copy.TargetTokens(AlignmentTask.Copy.ExampleFor("a a b c d e f g").Target)[..3]));

        var lookup = AlignmentTask.KeyValueLookup.ExampleFor("c:8 g:6 a:3 d:9 e:1 f:4 | a f c");
        Assert.Equal(["a", "f", "c"], AlignmentTask.KeyValueLookup.QueryTokens(lookup));
        Assert.Equal(["3", "4", "8"], AlignmentTask.KeyValueLookup.TargetTokens(lookup.Target));
        Assert.Equal([2, 5, 0], lookup.Alignment);
    }

    [Theory]
    [InlineData("date", "2026-11-23", "not a date written as month name")]
    [InlineData("date", "February 29, 2026", "February 2026 has days 1–28, not 29")]
    [InlineData("date", "Novembre 23, 2026", "'Novembre' is not an English month name")]
    [InlineData("date", "November 23, 3026", "the year 3026 is outside 1000–2999")]
    [InlineData("copy", "a b c", "it has 3 letters, not 8")]
    [InlineData("copy", "a b c d e f g z", "'z' is not one of the letters a–j")]
    [InlineData("sort", "a b c d e f g a", "'a' appears twice")]
    [InlineData("lookup", "c:8 g:6 a:3 d:9 e:1 f:4", "one | between the entries and the keys")]
    [InlineData("lookup", "c:8 g:6 a:3 d:9 e:1 f:4 | h", "'h' is asked but no entry holds that key")]
    [InlineData("lookup", "c:8 c:6 a:3 d:9 e:1 f:4 | a", "key 'c' is stored twice")]
    [InlineData("lookup", "c:8 g:66 a:3 d:9 e:1 f:4 | a", "entry 'g:66' is not a key a–h")]
    public void Text_that_is_not_an_example_says_what_is_wrong_and_what_to_write(string task, string text, string problem)
    {
        var t = AlignmentTask.All.Single(x => x.Name == task);
        var e = Assert.Throws<ArgumentException>(() => t.ExampleFor(text));
        Assert.Contains(problem, e.Message);
        Assert.Contains($"Write {t.TextFormat}.", e.Message);
        Assert.Contains("e.g.", t.TextFormat);
        t.ExampleFor(t.TextFormat[(t.TextFormat.IndexOf("e.g. \"", StringComparison.Ordinal) + 6)..^1].Split("\" or \"")[0]); // the format's own example is valid
    }

    private sealed class ExampleComparer : IEqualityComparer<TaskExample>
    {
        public bool Equals(TaskExample? a, TaskExample? b) => a is not null && b is not null && a.Source.SequenceEqual(b.Source)
            && a.Queries.SequenceEqual(b.Queries) && a.Target.SequenceEqual(b.Target) && a.Alignment.SequenceEqual(b.Alignment);

        public int GetHashCode(TaskExample e) => e.Source.Length;
    }
}
