using NetCompiler.Definitions.Translation;
using Xunit;

namespace NetCompiler.Tests.Translation;

/// <summary><see cref="TranslationScore"/>: edit distances worked by hand, code points (a character outside the basic
/// plane counts once), and the two accuracies over outputs with several accepted translations.</summary>
public class TranslationScoreTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "犬", 1)]
    [InlineData("犬", "犬", 0)]
    [InlineData("ありがとう", "ありがと", 1)]
    [InlineData("𩸽", "𩸽の", 1)]   // U+29E3D is one code point (two UTF-16 units)
    public void Edit_distance_counts_code_points(string a, string b, int expected) =>
        Assert.Equal(expected, TranslationScore.EditDistance(TranslationScore.CodePoints(a), TranslationScore.CodePoints(b)));

    [Fact]
    public void Scores_exact_matches_against_any_accepted_translation_and_the_best_character_similarity()
    {
        var score = TranslationScore.Of(["犬", "ねこ", "", "本"], [["狗", "犬"], ["猫", "ねこ"], ["水"], ["書籍", "ブック"]]);
        Assert.Equal(4, score.Count);
        Assert.Equal(0.5, score.ExactMatch);
        // 1, 1, 0 (nothing of 水), 0 (本 shares nothing with 書籍 or ブック)
        Assert.Equal(0.5, score.CharacterAccuracy, 12);
        Assert.Equal(1 - 1.0 / 5, TranslationScore.CharacterSimilarity("ありがと", "ありがとう"));   // one of five missing
        Assert.Equal(1.0, TranslationScore.CharacterSimilarity("", ""));
        Assert.Equal(new TranslationScore(0, 0, 0), TranslationScore.Of([], []));
    }
}
