using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary>What training promises: the same text gives the same tokenizer, the vocabulary has the size asked for, the
/// special tokens keep their ids, merges stay inside pre-token pieces, and the result compresses text of its kind.</summary>
public class SubwordTokenizerTrainingTests
{
    [Fact]
    public void Training_twice_on_the_same_text_gives_the_same_tokenizer()
    {
        List<string> lines = MixedSentences.Lines(500, seed: 4);
        SubwordTokenizer first = SubwordTokenizer.Train(lines, 400);
        SubwordTokenizer second = SubwordTokenizer.Train(lines, 400);

        Assert.Equal(first.VocabularySize, second.VocabularySize);
        for (int id = 0; id < first.VocabularySize; id++) Assert.Equal(first.TokenText(id), second.TokenText(id));
        foreach (string line in MixedSentences.Lines(50, seed: 5)) Assert.Equal(first.Encode(line), second.Encode(line));
    }

    [Fact]
    public void The_vocabulary_has_the_size_asked_for_unless_the_text_runs_out_of_repeated_pairs()
    {
        Assert.Equal(600, MixedSentences.Tokenizer.VocabularySize);
        Assert.Equal(SubwordTokenizer.MinimumVocabularySize, SubwordTokenizer.Train(MixedSentences.Lines(100, seed: 4), SubwordTokenizer.MinimumVocabularySize).VocabularySize);

        // (a, b) occurs three times, then (Ġ, ab) twice, then only (Ġ, c) once.
        string[] text = ["ab ab ab c"];
        int first = SubwordTokenizer.MinimumVocabularySize;
        SubwordTokenizer small = SubwordTokenizer.Train(text, 1000);
        Assert.Equal(first + 2, small.VocabularySize);
        Assert.Equal([first, first + 1, first + 1], small.Encode("ab ab ab"));
        Assert.Equal(first + 3, SubwordTokenizer.Train(text, 1000, minPairCount: 1).VocabularySize);

        Assert.Throws<ArgumentOutOfRangeException>(() => SubwordTokenizer.Train(["ab"], SubwordTokenizer.MinimumVocabularySize - 1));
    }

    [Fact]
    public void Special_tokens_have_the_first_ids()
    {
        SubwordTokenizer tokenizer = MixedSentences.Tokenizer;
        Assert.Equal((0, 1, 2, 3, 4), (tokenizer.Pad, tokenizer.Start, tokenizer.End, tokenizer.Mask, tokenizer.Unknown));
        Assert.Equal(["<pad>", "<s>", "</s>", "<mask>", "<unk>"], Enumerable.Range(0, 5).Select(tokenizer.TokenText));
        Assert.True(SubwordTokenizer.IsSpecial(tokenizer.Mask));
        Assert.False(SubwordTokenizer.IsSpecial(5));
        Assert.Equal("a", tokenizer.TokenText(tokenizer.Encode("a").Single()));
    }

    [Fact]
    public void Special_tokens_written_in_text_are_text_unless_asked_for()
    {
        SubwordTokenizer tokenizer = MixedSentences.Tokenizer;
        const string text = "<s>猫<mask></s><pad>";
        int[] plain = tokenizer.Encode(text);
        Assert.DoesNotContain(plain, SubwordTokenizer.IsSpecial);
        Assert.Equal(text, tokenizer.Decode(plain));

        int[] parsed = tokenizer.Encode(text, parseSpecialTokens: true);
        Assert.Equal([tokenizer.Start, .. tokenizer.Encode("猫"), tokenizer.Mask, tokenizer.End, tokenizer.Pad], parsed);
        Assert.Equal(text, tokenizer.Decode(parsed));
        Assert.Equal("猫", tokenizer.Decode(parsed, skipSpecialTokens: true));
        Assert.Equal(Encoding.UTF8.GetBytes("猫"), tokenizer.DecodeBytes(parsed, skipSpecialTokens: true));
    }

    [Fact]
    public void A_trained_tokenizer_compresses_held_out_text_of_its_kind()
    {
        SubwordTokenizer tokenizer = MixedSentences.Tokenizer;
        List<string> heldOut = MixedSentences.Lines(500, seed: 6);
        int bytes = heldOut.Sum(Encoding.UTF8.GetByteCount);
        int tokens = heldOut.Sum(line => tokenizer.Encode(line).Length);
        Assert.True(tokens * 4 < bytes, $"{tokens} tokens for {bytes} bytes");
    }

    [Fact]
    public void No_token_crosses_a_piece_boundary()
    {
        SubwordTokenizer tokenizer = MixedSentences.Tokenizer;
        for (int id = SubwordTokenizer.MinimumVocabularySize; id < tokenizer.VocabularySize; id++)
        {
            string text = tokenizer.TokenText(id);
            // A space only ever starts a piece; kana and kanji are different pieces.
            Assert.True(text.Trim(' ').Length == 0 || text.LastIndexOf(' ') <= 0, $"'{text}'");
            Assert.False(text.Any(IsKana) && text.Any(IsKanji), $"'{text}'");
        }
    }

    [Fact]
    public void Incremental_training_learns_what_recounting_every_pair_after_every_merge_learns()
    {
        // Lines of a three-letter alphabet are one piece each and are full of ties, overlapping pairs (aaa) and
        // different merges making the same bytes (a|ab and aa|b), which training skips.
        var random = new Random(12);
        var lines = new List<string>();
        for (int i = 0; i < 300; i++) lines.Add(new string(Enumerable.Range(0, random.Next(1, 13)).Select(_ => "abc"[random.Next(3)]).ToArray()));

        SubwordTokenizer tokenizer = SubwordTokenizer.Train(lines, SubwordTokenizer.MinimumVocabularySize + 60);
        List<byte[]> expected = RecountingTrainer(lines, 60);
        Assert.Equal(expected.Count, tokenizer.VocabularySize - SubwordTokenizer.MinimumVocabularySize);
        for (int k = 0; k < expected.Count; k++)
            Assert.Equal(expected[k], tokenizer.DecodeBytes([SubwordTokenizer.MinimumVocabularySize + k]));
    }

    /// <summary>The bytes of each merged token of a naive trainer of lines that are one piece each: every step counts
    /// every pair again, merges the most frequent (ties to the smaller left id, then right id), skips a pair whose bytes
    /// a token has already, and stops below two occurrences.</summary>
    private static List<byte[]> RecountingTrainer(List<string> lines, int mergeCount)
    {
        const int firstByteId = 5;
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();   // at id - firstByteId
        var words = lines.GroupBy(line => line, StringComparer.Ordinal)
            .Select(g => (Symbols: Encoding.UTF8.GetBytes(g.Key).Select(b => b + firstByteId).ToList(), Count: g.Count())).ToList();
        var skipped = new HashSet<(int, int)>();
        while (tokens.Count - 256 < mergeCount)
        {
            var counts = new Dictionary<(int Left, int Right), int>();
            foreach ((List<int> symbols, int count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    counts[(symbols[i], symbols[i + 1])] = counts.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            var best = counts.Where(c => !skipped.Contains(c.Key))
                .OrderByDescending(c => c.Value).ThenBy(c => c.Key.Left).ThenBy(c => c.Key.Right).FirstOrDefault();
            if (best.Value < 2) break;
            (int left, int right) = best.Key;
            byte[] merged = [.. tokens[left - firstByteId], .. tokens[right - firstByteId]];
            if (tokens.Any(t => t.AsSpan().SequenceEqual(merged))) { skipped.Add(best.Key); continue; }
            tokens.Add(merged);
            int id = tokens.Count - 1 + firstByteId;
            foreach ((List<int> symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == left && symbols[i + 1] == right) { symbols[i] = id; symbols.RemoveAt(i + 1); }
        }
        return tokens.Skip(256).ToList();
    }

    private static bool IsKana(char c) => c is >= '\u3040' and <= '\u30FF';
    private static bool IsKanji(char c) => c is >= '\u4E00' and <= '\u9FFF';
}
