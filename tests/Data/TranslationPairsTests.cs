using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Translation;
using Xunit;

namespace NetCompiler.Tests.Data;

public class TranslationPairsTests
{
    private static DictionaryEntry Entry(string headword, string partOfSpeech, params string[][] senses) =>
        new(headword, partOfSpeech, senses);

    private static string Show(TranslationPair p) => $"{p.English} -> {p.Japanese} [{string.Join(",", p.Accepted)}]";

    [Fact]
    public void EntriesOfOneHeadwordMergeInOrderAndCaseKeepsHeadwordsApart()
    {
        var pairs = TranslationPairs.Merge(
        [
            Entry("book", "n", ["本", "書籍"], ["束", "本"]),
            Entry("March", "pn", ["三月"]),
            Entry("book", "v", ["予約する", "書籍"]),
            Entry("march", "n", ["行進"]),
        ]);

        Assert.Equal(new[]
        {
            "book -> 本 [本,書籍,束,予約する]",
            "March -> 三月 [三月]",
            "march -> 行進 [行進]",
        }, pairs.Select(Show));
    }

    [Fact]
    public void LimitsDropLongEnglishAndLongTranslationsAndTheTargetMovesToTheFirstLeft()
    {
        string longJapanese = new('語', 17), fitting = new('語', 16);
        var pairs = new List<TranslationPair>
        {
            new("twenty-four characters!!", fitting, [fitting]),
            new("twenty-five characters!!!", "犬", ["犬"]),
            new("long first", longJapanese, [longJapanese, "短い"]),
            new("only long", longJapanese, [longJapanese]),
        };

        var kept = TranslationPairs.Limit(pairs);

        Assert.Equal(new[] { $"twenty-four characters!! -> {fitting} [{fitting}]", "long first -> 短い [短い]" }, kept.Select(Show));
        Assert.Same(pairs[0], kept[0]);
        Assert.Equal(new[] { "long first -> 短い [短い]" }, TranslationPairs.Limit(pairs, maxEnglishLength: 10, maxJapaneseLength: 2).Select(Show));
    }

    [Fact]
    public void PairsFromTheQuirkyDictionary()
    {
        using var dir = new TempDirectory();
        DictdFiles.Write(dir, EngJpnDictionaryTests.QuirkyEntries);

        var pairs = TranslationPairs.Limit(TranslationPairs.Merge(EngJpnDictionary.ReadDirectory(dir.Path)));

        Assert.Equal(["book", "cat", "er", "able", "1-up", "at last", "9/11", "oppose", "reify", "Sato", "March", "march"],
            pairs.Select(p => p.English));
        Assert.Equal("book -> 本 [本,書籍,ブック,束,綴り,予約する]", Show(pairs[0]));
    }

    [Fact]
    public void SplitPartsArePinnedAcrossProcessesAndIgnoreCase()
    {
        // Values of 64-bit FNV-1a of the UTF-8 lower case, mod 100, computed independently: cat 31, rain 83, dog 93.
        Assert.Equal(SplitPart.Train, TranslationSplit.PartOf("cat"));
        Assert.Equal(SplitPart.Validation, TranslationSplit.PartOf("rain"));
        Assert.Equal(SplitPart.Test, TranslationSplit.PartOf("dog"));
        Assert.Equal(SplitPart.Test, TranslationSplit.PartOf("DOG"));
        Assert.Equal(TranslationSplit.PartOf("march"), TranslationSplit.PartOf("March"));
    }

    [Fact]
    public void SplitIsDisjointCoversAllAndIsNearEightyTenTen()
    {
        var pairs = Enumerable.Range(0, 10_000).Select(i => new TranslationPair($"word{i}", "語", ["語"])).ToList();

        TranslationSplit split = TranslationSplit.ByHeadword(pairs);

        Assert.Equal(pairs.Count, split.Count);
        var all = split.Train.Concat(split.Validation).Concat(split.Test).Select(p => p.English).ToList();
        Assert.Equal(pairs.Select(p => p.English).Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
        Assert.InRange(split.Train.Count, 7_850, 8_150);
        Assert.InRange(split.Validation.Count, 925, 1_075);
        Assert.InRange(split.Test.Count, 925, 1_075);
        Assert.All(split.Validation, p => Assert.Equal(SplitPart.Validation, TranslationSplit.PartOf(p.English)));
        Assert.Equal(split.Train.Select(p => p.English), TranslationSplit.ByHeadword(pairs).Train.Select(p => p.English));
    }

    [Fact]
    public void PairFileRoundTripsWithCommentsAndUtf8()
    {
        using var dir = new TempDirectory();
        string path = dir.File("pairs.tsv");
        TranslationPair[] pairs = [new("dog", "犬", ["犬", "狗"]), new("9/11", "9・11", ["9・11"])];

        TranslationPairFile.Write(path, pairs, ["source: a test"]);

        Assert.Equal("# source: a test\ndog\t犬|狗\n9/11\t9・11\n", File.ReadAllText(path));
        Assert.Equal(pairs.Select(Show), TranslationPairFile.Read(path).Select(Show));
    }

    [Theory]
    [InlineData("dog 犬\n")]
    [InlineData("\t犬\n")]
    [InlineData("dog\t犬||狗\n")]
    [InlineData("dog\t\n")]
    public void MalformedPairLineIsNamed(string text)
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("pairs.tsv", "# comment\n\n" + text);

        var e = Assert.Throws<InvalidDataException>(() => TranslationPairFile.Read(path));

        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void PairThatWouldNotReadBackIsRefused()
    {
        using var dir = new TempDirectory();

        Assert.Throws<ArgumentException>(() => TranslationPairFile.Write(dir.File("a.tsv"), [new("dog", "犬", ["犬|狗"])], []));
        Assert.Throws<ArgumentException>(() => TranslationPairFile.Write(dir.File("b.tsv"), [new("#dog", "犬", ["犬"])], []));
        Assert.Throws<ArgumentException>(() => TranslationPairFile.Write(dir.File("c.tsv"), [new("dog", "犬", ["狗", "犬"])], []));
    }

    [Fact]
    public void SampleTakesEvenlySpacedPairs()
    {
        var pairs = Enumerable.Range(0, 10).Select(i => new TranslationPair($"w{i}", "語", ["語"])).ToList();

        Assert.Equal(["w0", "w3", "w6"], EngJpnSampleCommand.Select(pairs, 3).Select(p => p.English));
        Assert.Equal(10, EngJpnSampleCommand.Select(pairs, 20).Count);
    }
}
