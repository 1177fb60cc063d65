using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Translation;
using Xunit;

namespace NetCompiler.Tests.Data;

public class EngJpnDictionaryTests
{
    /// <summary>Entries as FreeDict's eng-jpn writes them, with the quirks the reader must undo.</summary>
    internal static readonly (string Key, string Text)[] QuirkyEntries =
    [
        ("00databaseinfo", "00-database-info\nEnglish-日本語 test dictionary\n"),
        ("book", "book //buːk// //bʊk// <n>\n1. 本, 書籍, ブック\ncollection of sheets of paper\n2. 束, 綴り\nconvenient collection of small paper items\n"),
        ("book", "book //bʊk// <v>\n1. 予約する, 本\nto reserve\n"),
        // Senses 2 and 3 have no translation: their numbers trail the line before or stand alone.
        ("cat", "cat //kat// /[kʰæt]/ <n>\n猫 2.\ndomestic species\n 3.\nmember of the family Felidae\n"),
        // Only an empty (single space) translation line: no entry.
        ("fold", "fold /fˈəʊld/ <adj>\n \nused to make adjectives\n"),
        // Fragments without Japanese, an empty sense, and a sense without a gloss.
        ("er", "er //ə// //ɚ// <n>\n1. , , \nperson or thing that does\n2. \nresident of\n3. っと, り\n"),
        // A suffix written without its hyphen: skipped, so it does not merge with the adjective.
        ("able", "able //ə.bl̩// <suffix>\nれる 2.\nable to be done\n 3.\nfit to be done\n"),
        ("able", "able /ˈeɪbəl/ <adj>\n1. 有能, できる, 有能\nskillful\n"),
        ("1up", "1-up //ˈwʌn ʌp// <n>\n1UP, ワンアップ\nextra life\n"),
        ("3x3 basketball", "3x3 basketball /θɹˈiː ˈɛks θɹˈiː/ <n>\n3x3\n"),
        // No part of speech, a numbered single sense.
        ("at last", "at last /at lˈast/\n1. 等々, 遂に\nafter a long time; eventually\n"),
        // A slash in the headword; the middle dot is not a letter, so 9・11 has no Japanese.
        ("911", "9/11 //naɪn.əˈlɛ.vən// <pn>\n9・11, 同時多発テロ\nattack\n"),
        // A comma inside a reading splits it; wiki markup.
        ("oppose", "oppose /əpˈəʊz/ <v>\n反対する (はんたいする, 反対, [[逆らう]]\nto object\n"),
        ("reify", "reify /ɹˈiːɪfaɪ/ <v>\n物化，モノ化\nto regard as a thing\n"),
        // Japanese in a gloss is not a translation.
        ("sato", "Sato /sˈɑːtəʊ/ <pn>\n佐藤\nJapanese surname 佐藤\n"),
        ("march", "March //mɑɹt͡ʃ// <pn>\n三月, 弥生\nthird month\n"),
        ("march", "march //mɑːtʃ// <n>\n1. 行進\nformal way of walking\n2. 行進曲\nmarching song\n"),
    ];

    private static string Show(DictionaryEntry e) =>
        $"{e.Headword} <{e.PartOfSpeech}> {string.Join(" / ", e.Senses.Select(s => string.Join(",", s)))}";

    [Fact]
    public void EntriesComeOutCleanedInIndexOrder()
    {
        using var dir = new TempDirectory();
        DictdFiles.Write(dir, QuirkyEntries);

        IReadOnlyList<DictionaryEntry> entries = EngJpnDictionary.ReadDirectory(dir.Path);

        Assert.Equal(new[]
        {
            "book <n> 本,書籍,ブック / 束,綴り",
            "book <v> 予約する,本",
            "cat <n> 猫",
            "er <n> っと,り",
            "able <adj> 有能,できる",
            "1-up <n> ワンアップ",
            "at last <> 等々,遂に",
            "9/11 <pn> 同時多発テロ",
            "oppose <v> 反対",
            "reify <v> 物化,モノ化",
            "Sato <pn> 佐藤",
            "March <pn> 三月,弥生",
            "march <n> 行進 / 行進曲",
        }, entries.Select(Show));
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var dir = new TempDirectory();
        dir.WriteText(EngJpnDictionary.IndexFileName, "");

        var e = Assert.Throws<FileNotFoundException>(() => EngJpnDictionary.ReadDirectory(dir.Path));

        Assert.Contains(EngJpnDictionary.DictFileName, e.Message);
    }

    [Theory]
    [InlineData("book\tB\n", "line 1")]
    [InlineData("cat\tA\tB\nbook\tA\tB!\n", "line 2: 'B!' is not a dictd base64 number")]
    [InlineData("cat\tA\tBA\n", "ends at byte 64, past the end")]
    public void MalformedIndexNamesTheLine(string index, string expected)
    {
        using var dir = new TempDirectory();
        dir.WriteText(EngJpnDictionary.IndexFileName, index);
        dir.Write(EngJpnDictionary.DictFileName, Idx.Gzip("cat <n>\n猫\n"u8.ToArray()));

        var e = Assert.Throws<InvalidDataException>(() => EngJpnDictionary.ReadDirectory(dir.Path));

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("A", 0)]
    [InlineData("B", 1)]
    [InlineData("/", 63)]
    [InlineData("BA", 64)]
    [InlineData("CX", 2 * 64 + 23)]
    [InlineData("CMRD", ((2L * 64 + 12) * 64 + 17) * 64 + 3)]
    [InlineData("AAB", 1)]
    public void Base64NumbersDecodeMostSignificantDigitFirst(string digits, long value)
    {
        Assert.Equal(value, DictdBase64.Decode(digits));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(63L)]
    [InlineData(64L)]
    [InlineData(1_493_431L)]
    [InlineData(long.MaxValue)]
    public void Base64EncodingIsTheInverse(long value)
    {
        Assert.Equal(value, DictdBase64.Decode(DictdBase64.Encode(value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("B=")]
    [InlineData("////////////")]
    public void Base64RejectsWhatIsNotANumber(string digits)
    {
        Assert.Throws<FormatException>(() => DictdBase64.Decode(digits));
    }

    [Theory]
    [InlineData("犬", true)]
    [InlineData("ありがとう", true)]
    [InlineData("ワンアップ", true)]
    [InlineData("ｱｲ", true)]
    [InlineData("々", true)]
    [InlineData("ー", false)]
    [InlineData("・", false)]
    [InlineData("3x3", false)]
    [InlineData("、。", false)]
    public void JapaneseLettersAreKanaAndIdeographs(string text, bool expected)
    {
        Assert.Equal(expected, JapaneseScript.ContainsLetter(text));
    }
}
