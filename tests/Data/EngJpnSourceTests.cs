using System;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Translation;
using Xunit;

namespace NetCompiler.Tests.Data;

public class EngJpnSourceTests
{
    [Fact]
    public void UserDirectoryIsReadInFull()
    {
        using var dir = new TempDirectory();
        using var empty = new TempDirectory();
        DictdFiles.Write(dir, EngJpnDictionaryTests.QuirkyEntries);

        EngJpnData data = EngJpnSource.Load(dir.Path, systemDirectory: empty.Path, shippedFile: empty.File("none.tsv"));

        Assert.Equal(12, data.Split.Count);
        Assert.Equal(
            $"FreeDict eng-jpn ({dir.Path}, 13 entries with a translation, 12 headwords): 12 pairs with English up to 24 and " +
            $"Japanese up to 16 characters: {data.Split.Train.Count} train / {data.Split.Validation.Count} validation / {data.Split.Test.Count} test",
            data.Description);
    }

    [Fact]
    public void SystemDirectoryIsUsedWhenItHoldsTheDictionary()
    {
        using var system = new TempDirectory();
        DictdFiles.Write(system, EngJpnDictionaryTests.QuirkyEntries);

        EngJpnData data = EngJpnSource.Load(null, system.Path, system.File("none.tsv"), maxEnglishLength: 4);

        string[] shortEnough = ["book", "cat", "er", "able", "1-up", "9/11", "Sato"];
        Assert.Equal(shortEnough.Order(StringComparer.Ordinal), data.Split.Train.Concat(data.Split.Validation)
            .Concat(data.Split.Test).Select(p => p.English).Order(StringComparer.Ordinal));
        Assert.StartsWith($"Debian's dict-freedict-eng-jpn ({system.Path}, 13 entries", data.Description);
    }

    [Fact]
    public void MissingUserDirectoryOrFilesAreNamed()
    {
        using var dir = new TempDirectory();

        var missing = Assert.Throws<DirectoryNotFoundException>(() => EngJpnSource.Load(dir.File("nowhere")));
        var empty = Assert.Throws<FileNotFoundException>(() => EngJpnSource.Load(dir.Path));

        Assert.Contains(dir.File("nowhere"), missing.Message);
        Assert.Contains(EngJpnDictionary.IndexFileName, empty.Message);
    }

    [Fact]
    public void NoDataAnywhereSaysWhereItLooked()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<FileNotFoundException>(() => EngJpnSource.Load(null, dir.Path, dir.File("none.tsv")));

        Assert.Contains("apt-get install dict-freedict-eng-jpn", e.Message);
        Assert.Contains(dir.File("none.tsv"), e.Message);
    }

    [Fact]
    public void ShippedSampleLoadsWhenNoDictionaryIsInstalled()
    {
        using var empty = new TempDirectory();

        EngJpnData data = EngJpnSource.Load(null, empty.Path, EngJpnSource.ShippedFile);

        Assert.Equal(EngJpnSampleCommand.SampleSize, data.Split.Count);
        Assert.InRange(data.Split.Test.Count, 250, 350);
        Assert.StartsWith("the shipped sample eng-jpn-sample.tsv, no dictionary installed", data.Description);
        Assert.Contains(": 3,000 pairs, 3,000 with English up to 24 and Japanese up to 16 characters: ", data.Description);
        var all = data.Split.Train.Concat(data.Split.Validation).Concat(data.Split.Test).ToList();
        Assert.All(all, p =>
        {
            Assert.InRange(p.English.Length, 1, TranslationPairs.DefaultMaxEnglishLength);
            Assert.All(p.Accepted, t => Assert.True(JapaneseScript.ContainsLetter(t) && t.Length <= TranslationPairs.DefaultMaxJapaneseLength, t));
        });
        Assert.Equal(all.Count, all.Select(p => p.English).Distinct().Count());
    }

    [InstalledDictionaryFact]
    public void InstalledDictionaryGivesTheFullPairList()
    {
        EngJpnData data = EngJpnSource.Load(null);

        Assert.InRange(data.Split.Count, 20_001, int.MaxValue);
        var all = data.Split.Train.Concat(data.Split.Validation).Concat(data.Split.Test).ToDictionary(p => p.English);
        Assert.Equal("犬", all["dog"].Japanese);
        Assert.Equal("ありがとう", all["thank you"].Japanese);
        Assert.Contains("みず", all["water"].Accepted);
        Assert.StartsWith($"Debian's dict-freedict-eng-jpn ({EngJpnDictionary.DebianDirectory}, ", data.Description);
    }

    [InstalledDictionaryFact]
    public void ShippedSampleIsWhatTheSampleCommandWritesFromTheInstalledDictionary()
    {
        using var dir = new TempDirectory();
        var pairs = TranslationPairs.Limit(TranslationPairs.Merge(EngJpnDictionary.ReadDirectory(EngJpnDictionary.DebianDirectory)));

        TranslationPairFile.Write(dir.File("sample.tsv"), EngJpnSampleCommand.Select(pairs), EngJpnSampleCommand.Attribution);

        Assert.Equal(File.ReadAllText(EngJpnSource.ShippedFile), File.ReadAllText(dir.File("sample.tsv")));
    }
}

/// <summary>A fact that runs only where Debian's <c>dict-freedict-eng-jpn</c> is installed, and is reported as
/// skipped elsewhere.</summary>
internal sealed class InstalledDictionaryFactAttribute : FactAttribute
{
    public InstalledDictionaryFactAttribute()
    {
        if (!EngJpnDictionary.Exists(EngJpnDictionary.DebianDirectory))
            Skip = $"dict-freedict-eng-jpn is not installed in {EngJpnDictionary.DebianDirectory}";
    }
}
