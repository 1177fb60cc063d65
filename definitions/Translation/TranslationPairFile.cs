using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace NetCompiler.Definitions.Translation;

/// <summary>Translation pairs as a UTF-8 text file, one pair a line: the English, a tab, then the accepted
/// translations joined by <c>|</c>, the target first (<c>dog TAB 犬|狗|ぶす|牡犬|雄犬|悪党</c>). Lines starting with
/// <c>#</c> are comments (the source and licence); blank lines are skipped.</summary>
public static class TranslationPairFile
{
    /// <summary>Separates the translations of a pair.</summary>
    public const char TranslationSeparator = '|';

    /// <summary>The pairs in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line lacks the tab, the English or a translation.</exception>
    public static List<TranslationPair> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Translation pair file '{path}' does not exist.", path);
        var pairs = new List<TranslationPair>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int tab = line.IndexOf('\t');
            string[] translations = tab < 0 ? [] : line[(tab + 1)..].Split(TranslationSeparator);
            if (tab <= 0 || translations.Any(t => t.Length == 0))
                throw new InvalidDataException($"'{path}' line {lineNumber}: expected English, a tab and translations separated by '{TranslationSeparator}', got '{line}'.");
            pairs.Add(new TranslationPair(line[..tab], translations[0], translations));
        }
        return pairs;
    }

    /// <summary>Writes <paramref name="pairs"/> to <paramref name="path"/> after the <paramref name="comments"/> (each
    /// written as a <c>#</c> line), with <c>\n</c> line ends.</summary>
    /// <exception cref="ArgumentException">A pair's English or translation holds a tab, a line break or (translations)
    /// the separator, or its English starts with <c>#</c>, so that it would not read back.</exception>
    public static void Write(string path, IEnumerable<TranslationPair> pairs, IEnumerable<string> comments)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(comments);
        var text = new StringBuilder();
        foreach (string comment in comments) text.Append("# ").Append(comment).Append('\n');
        foreach (TranslationPair pair in pairs)
        {
            if (pair.English.Length == 0 || pair.English.StartsWith('#') || pair.English.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
                throw new ArgumentException($"The English '{pair.English}' cannot be written as a pair line.", nameof(pairs));
            if (pair.Accepted.Count == 0 || pair.Accepted[0] != pair.Japanese)
                throw new ArgumentException($"The pair of '{pair.English}' does not list its target '{pair.Japanese}' first among its translations.", nameof(pairs));
            foreach (string t in pair.Accepted)
                if (t.Length == 0 || t.AsSpan().IndexOfAny(['\t', '\n', '\r', TranslationSeparator]) >= 0)
                    throw new ArgumentException($"The translation '{t}' of '{pair.English}' cannot be written as part of a pair line.", nameof(pairs));
            text.Append(pair.English).Append('\t').AppendJoin(TranslationSeparator, pair.Accepted).Append('\n');
        }
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }
}
