using System;
using System.Collections.Generic;
using System.Text;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary>Every byte sequence and every string comes back exactly from encoding and decoding: the promise that lets
/// the translation and masked-language models see any user text, and that the BPE engine (Microsoft.ML.Tokenizers,
/// which silently drops characters missing from its vocabulary) keeps only because every byte is a token.</summary>
public class SubwordTokenizerRoundTripTests
{
    private static SubwordTokenizer Tokenizer => MixedSentences.Tokenizer;

    [Fact]
    public void Every_single_byte_is_its_own_token_and_comes_back()
    {
        for (int b = 0; b < 256; b++)
        {
            byte[] bytes = [(byte)b];
            int[] ids = Tokenizer.Encode(bytes);
            Assert.Single(ids);
            Assert.Equal(bytes, Tokenizer.DecodeBytes(ids));
        }
    }

    [Fact]
    public void Random_byte_sequences_including_invalid_utf8_come_back()
    {
        var random = new Random(7);
        byte[] text = Encoding.UTF8.GetBytes(string.Join("\n", MixedSentences.Lines(50, seed: 2)));
        for (int trial = 0; trial < 300; trial++)
        {
            // Slices of real text cut anywhere (so merges apply and characters are split) and random bytes (lone
            // continuation bytes, truncated sequences, 0xFF).
            var bytes = new List<byte>();
            for (int part = random.Next(0, 6); part > 0; part--)
            {
                if (random.Next(3) == 0)
                    for (int i = random.Next(1, 4); i > 0; i--) bytes.Add((byte)random.Next(256));
                else
                {
                    int start = random.Next(text.Length);
                    bytes.AddRange(text[start..Math.Min(text.Length, start + random.Next(1, 30))]);
                }
            }
            Assert.Equal(bytes, Tokenizer.DecodeBytes(Tokenizer.Encode(bytes.ToArray())));
        }
    }

    [Fact]
    public void Random_strings_of_english_japanese_emoji_and_whitespace_come_back()
    {
        string[] parts = ["the", " cat", "reads", "猫", "は", "新しい", "パン", "を読みます", "。", "、", "😀", "👍🏽", "👨‍👩‍👧",
            "é", "e\u0301", "\u3099", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "<pad>", "</s>", "<", "Ω", "١٢٣", "42", "\0", "\uFEFF"];
        var random = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            var text = new StringBuilder();
            int count = random.Next(0, 12);
            for (int i = 0; i < count; i++) text.Append(parts[random.Next(parts.Length)]);
            string s = text.ToString();
            Assert.Equal(s, Tokenizer.Decode(Tokenizer.Encode(s)));
        }
    }

    [Fact]
    public void Training_lines_and_held_out_lines_come_back()
    {
        foreach (string line in MixedSentences.Lines(200, seed: 1))
            Assert.Equal(line, Tokenizer.Decode(Tokenizer.Encode(line)));
        foreach (string line in MixedSentences.Lines(200, seed: 3))
            Assert.Equal(line, Tokenizer.Decode(Tokenizer.Encode(line)));
    }

    [Fact]
    public void A_string_encodes_as_its_utf8_bytes()
    {
        string text = "Her friend forgot 電車の切符 😀";
        Assert.Equal(Tokenizer.Encode(Encoding.UTF8.GetBytes(text)), Tokenizer.Encode(text));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([Tokenizer.VocabularySize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.DecodeBytes([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.TokenText(Tokenizer.VocabularySize));
    }
}
