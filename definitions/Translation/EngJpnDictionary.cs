using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace NetCompiler.Definitions.Translation;

/// <summary>
/// Reads FreeDict's English-Japanese dictionary in dictd format, as Debian's <c>dict-freedict-eng-jpn</c> installs it:
/// an index of <c>headword TAB offset TAB length</c> lines (<see cref="DictdBase64"/> numbers, byte positions in the
/// decompressed text) and a dictzip text, which is gzip, holding entries such as
/// <code>
/// book //buːk// //bʊk// &lt;n&gt;
/// 1. 本, 書籍, ブック
/// collection of sheets of paper bound together containing printed or written material
/// 2. 束, 綴り
/// convenient collection of small paper items, such as stamps
/// </code>
/// A headword line (headword, pronunciations between slashes, part of speech in angle brackets), then per sense a
/// line of comma-separated translations and usually an English gloss. The first line after the headword and every
/// line starting with a sense number <c>N.</c> hold translations; all other lines are glosses.
/// </summary>
/// <remarks>
/// What the data does that this reader undoes: a sense without translations shows up as its bare number, either at
/// the end of the previous translation line (<c>猫 2.</c>) or alone (<c> 3.</c>); translation lines may be empty or a
/// single space; translations may be empty or fragments without Japanese (<c>, , </c>, <c>-</c>, <c>3x3</c>); a
/// comma inside a parenthesized reading splits it (<c>反対 (はんたい</c>), and a few carry wiki markup
/// (<c>[[か？]]</c>). A translation is kept when it holds a <see cref="JapaneseScript.IsLetter">Japanese letter</see>
/// and no bracket of any kind. Suffix entries are skipped: the dictionary writes them without their hyphen, so
/// <c>able</c> the suffix (-able) would merge with <c>able</c> the adjective, and their translations are fragments of
/// words (<c>れる</c>, <c>ゃん</c>). Prefixes keep their hyphen (<c>anti-</c>) and are read. The index's
/// <c>00database*</c> entries are metadata and are skipped.
/// </remarks>
public static class EngJpnDictionary
{
    /// <summary>Where Debian's <c>dict-freedict-eng-jpn</c> installs the dictionary.</summary>
    public const string DebianDirectory = "/usr/share/dictd";

    /// <summary>The file names of the index and the compressed text.</summary>
    public const string IndexFileName = "freedict-eng-jpn.index", DictFileName = "freedict-eng-jpn.dict.dz";

    private static readonly char[] Brackets = ['(', ')', '（', '）', '[', ']', '{', '}', '【', '】', '〈', '〉'];

    // The full-width comma separates translations too (物化，モノ化); the ideographic comma 、 does not: it is
    // punctuation inside a phrase (前門の虎、後門の狼).
    private static readonly char[] TranslationSeparators = [',', '，'];

    /// <summary>Whether <paramref name="directory"/> holds both dictionary files.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, IndexFileName)) && File.Exists(Path.Combine(directory, DictFileName));

    /// <summary>The entries of the dictionary in <paramref name="directory"/> (<see cref="IndexFileName"/> and
    /// <see cref="DictFileName"/>), in index order.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static IReadOnlyList<DictionaryEntry> ReadDirectory(string directory) =>
        Read(Path.Combine(directory, IndexFileName), Path.Combine(directory, DictFileName));

    /// <summary>The entries of a dictd dictionary, in index order; entries with no usable translation are left out.</summary>
    /// <param name="indexFile">The <c>.index</c> file (UTF-8).</param>
    /// <param name="dictFile">The <c>.dict.dz</c> file (dictzip or plain gzip of the UTF-8 text).</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static IReadOnlyList<DictionaryEntry> Read(string indexFile, string dictFile)
    {
        foreach (string file in new[] { indexFile, dictFile })
            if (!File.Exists(file)) throw new FileNotFoundException($"Dictionary file '{file}' does not exist.", file);
        byte[] text = Decompress(dictFile);
        var entries = new List<DictionaryEntry>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(indexFile, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] fields = line.Split('\t');
            if (fields.Length != 3)
                throw new InvalidDataException($"'{indexFile}' line {lineNumber}: expected headword, offset and length separated by tabs, got '{line}'.");
            if (fields[0].StartsWith("00database", StringComparison.Ordinal) || fields[0].StartsWith("00-database", StringComparison.Ordinal))
                continue;
            long offset, length;
            try
            {
                offset = DictdBase64.Decode(fields[1]);
                length = DictdBase64.Decode(fields[2]);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"'{indexFile}' line {lineNumber}: {e.Message}", e);
            }
            if (offset + length > text.Length)
                throw new InvalidDataException($"'{indexFile}' line {lineNumber}: the entry of '{fields[0]}' ends at byte {offset + length}, past the end of '{dictFile}' ({text.Length} bytes decompressed).");
            if (ParseEntry(Encoding.UTF8.GetString(text, (int)offset, (int)length)) is { } entry) entries.Add(entry);
        }
        return entries;
    }

    private static byte[] Decompress(string dictFile)
    {
        try
        {
            using var gzip = new GZipStream(File.OpenRead(dictFile), CompressionMode.Decompress);
            using var text = new MemoryStream();
            gzip.CopyTo(text);
            return text.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{dictFile}' is not gzip or dictzip data: {e.Message}", e);
        }
    }

    /// <summary>The entry written in <paramref name="text"/>, or <see langword="null"/> for a suffix or an entry with
    /// no usable translation.</summary>
    private static DictionaryEntry? ParseEntry(string text)
    {
        string[] lines = text.Replace("\r", "").Split('\n');
        var (headword, partOfSpeech) = ParseHeadwordLine(lines[0]);
        if (headword.Length == 0 || partOfSpeech == "suffix") return null;
        var senses = new List<IReadOnlyList<string>>();
        for (int i = 1; i < lines.Length; i++)
        {
            int numberEnd = SenseNumberEnd(lines[i]);
            if (i > 1 && numberEnd == 0) continue;   // a gloss
            var translations = Translations(WithoutTrailingSenseNumber(lines[i][numberEnd..]));
            if (translations.Count > 0) senses.Add(translations);
        }
        return senses.Count == 0 ? null : new DictionaryEntry(headword, partOfSpeech, senses);
    }

    /// <summary>Headword and part of speech of <c>headword /pronunciation/ ... &lt;pos&gt;</c>; either may lack the
    /// pronunciations, the part of speech or both. Headwords hold slashes (<c>9/11</c>) but never a space before one.</summary>
    private static (string Headword, string PartOfSpeech) ParseHeadwordLine(string line)
    {
        string rest = line.TrimEnd();
        string partOfSpeech = "";
        int open = rest.LastIndexOf('<');
        if (rest.EndsWith('>') && open >= 0)
        {
            partOfSpeech = rest[(open + 1)..^1].Trim();
            rest = rest[..open];
        }
        int pronunciation = rest.IndexOf(" /", StringComparison.Ordinal);
        return ((pronunciation >= 0 ? rest[..pronunciation] : rest).Trim(), partOfSpeech);
    }

    /// <summary>Where the text after a leading sense number (<c>"2. "</c>, <c>" 3."</c>) starts, or 0 when the line
    /// does not start with one.</summary>
    private static int SenseNumberEnd(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] == ' ') i++;
        int digits = i;
        while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
        if (i == digits || i >= line.Length || line[i] != '.') return 0;
        i++;
        return i == line.Length || char.IsWhiteSpace(line[i]) ? i : 0;
    }

    /// <summary><paramref name="line"/> without the number of a following translation-less sense at its end
    /// (<c>猫 2.</c> is 猫).</summary>
    private static string WithoutTrailingSenseNumber(string line)
    {
        string trimmed = line.TrimEnd();
        int space = trimmed.LastIndexOf(' ');
        return SenseNumberEnd(trimmed[(space + 1)..]) > 0 ? trimmed[..(space + 1)] : trimmed;
    }

    private static List<string> Translations(string line)
    {
        var translations = new List<string>();
        foreach (string part in line.Split(TranslationSeparators))
        {
            string translation = part.Trim();
            if (JapaneseScript.ContainsLetter(translation) && translation.IndexOfAny(Brackets) < 0 && !translations.Contains(translation))
                translations.Add(translation);
        }
        return translations;
    }
}
