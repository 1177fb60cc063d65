using System;
using System.Linq;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The unigram and bigram baselines the gpt command reports, on texts small enough to count by hand.</summary>
public class NGramBaselinesTests
{
    [Fact]
    public void The_baselines_are_the_add_one_smoothed_cross_entropies_counted_by_hand()
    {
        // Training text 0 1 0 1 1: n(0) = 2, n(1) = 3 of N = 5, so p(0) = 3/7, p(1) = 4/7 with V = 2.
        // Pairs 01 10 01 11: two start with 0 (both 01), two with 1 (10, 11): p(1|0) = 3/4, p(1|1) = 2/4.
        // The validation text 0 1 1 predicts 1 after 0 and 1 after 1.
        var b = NGramBaselines.Measure([0, 1, 0, 1, 1], [0, 1, 1], vocabulary: 2);
        Assert.Equal(-Math.Log(4.0 / 7), b.Unigram, 12);
        Assert.Equal(-(Math.Log(3.0 / 4) + Math.Log(2.0 / 4)) / 2, b.Bigram, 12);
    }

    [Fact]
    public void A_character_the_training_text_never_shows_costs_a_finite_loss()
    {
        // Character 2 never occurs in training: p(2) = 1 / (3 + 3); after 0, p(2|0) = 1 / (1 + 3).
        var b = NGramBaselines.Measure([0, 1, 0], [0, 2], vocabulary: 3);
        Assert.Equal(Math.Log(6), b.Unigram, 12);
        Assert.Equal(Math.Log(4), b.Bigram, 12);
    }

    [Fact]
    public void A_bigram_beats_a_unigram_on_text_where_the_previous_character_decides()
    {
        int[] text = [.. Enumerable.Range(0, 200).Select(i => i % 4)];   // 0 1 2 3 0 1 2 3 ...: each character 50 times
        var b = NGramBaselines.Measure(text, text, vocabulary: 4);
        Assert.Equal(Math.Log(4), b.Unigram, 12);                // p(c) = 51 / 204 = 1/4 for every character
        Assert.InRange(b.Bigram, -Math.Log(51.0 / 54), -Math.Log(50.0 / 53));   // p(next | previous) = 51/54, or 50/53 after the 3s
    }

    [Fact]
    public void Too_short_a_validation_text_and_ids_outside_the_vocabulary_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NGramBaselines.Measure([0, 1], [1], vocabulary: 2));
        var e = Assert.Throws<ArgumentException>(() => NGramBaselines.Measure([0, 5], [0, 1], vocabulary: 2));
        Assert.Contains("Character id 5 is outside the vocabulary of 2", e.Message);
    }
}
