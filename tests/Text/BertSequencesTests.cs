using System.Linq;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary><see cref="BertSequences"/>: packed pretraining sequences and single classifier inputs.</summary>
public class BertSequencesTests
{
    private static readonly SubwordTokenizer Tokenizer = SubwordTokenizer.Train(["the cat sat on the mat", "a dog ate the hat"], 300);

    [Fact]
    public void Packed_sequences_hold_every_text_behind_a_start_each_followed_by_an_end()
    {
        string[] texts = ["the cat sat on the mat", "a dog", "the hat sat on a cat and on a dog"];
        int[] packed = BertSequences.Packed(Tokenizer, texts, 8);
        Assert.Equal(0, packed.Length % 8);
        for (int s = 0; s < packed.Length / 8; s++) Assert.Equal(BertSequences.Start, packed[s * 8]);
        // Without the starts and the padding: the texts' ids, each followed by </s>.
        var stream = packed.Where((id, i) => i % 8 != 0 && id != BertSequences.Pad).ToArray();
        var expected = texts.SelectMany(t => Tokenizer.Encode(t).Append(BertSequences.End)).ToArray();
        Assert.Equal(expected, stream);
        Assert.True(packed[^1] == BertSequences.Pad || packed[^1] == BertSequences.End);
        Assert.NotEqual(BertSequences.Pad, packed[packed.Length - 7]);   // no sequence of <s> alone
    }

    [Fact]
    public void A_single_text_is_start_ids_end_padding_and_long_texts_are_cut()
    {
        var sequence = new int[10];
        BertSequences.Single(Tokenizer, "a dog", sequence);
        int[] ids = Tokenizer.Encode("a dog");
        Assert.Equal([1, .. ids, 2, .. new int[10 - 2 - ids.Length]], sequence);
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 5));
        BertSequences.Single(Tokenizer, longText, sequence);
        Assert.Equal([1, .. Tokenizer.Encode(longText)[..8], 2], sequence);
    }

    [Fact]
    public void The_most_frequent_token_is_an_ordinary_one()
    {
        Assert.Equal(9, BertSequences.MostFrequentToken([0, 0, 0, 1, 1, 2, 2, 9, 9, 7], 12));
        Assert.Equal(5, BertSequences.MostFrequentToken([0, 1, 2], 12));
    }
}
