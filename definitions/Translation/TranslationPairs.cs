using System;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Definitions.Translation;

/// <summary>Turns dictionary entries into <see cref="TranslationPair"/>s and keeps the ones short enough for a small
/// model.</summary>
public static class TranslationPairs
{
    /// <summary>The longest English headword kept by default, in UTF-16 characters.</summary>
    public const int DefaultMaxEnglishLength = 24;

    /// <summary>The longest Japanese translation kept by default, in UTF-16 characters (each kana and common kanji is one).</summary>
    public const int DefaultMaxJapaneseLength = 16;

    /// <summary>One pair per headword: the entries of a headword written the same way (one per part of speech, e.g.
    /// <c>book</c> the noun and the verb) are merged in the order given, their translations in sense order without
    /// repeats, so the target is the first translation of the first entry's first sense. Pairs come in the order their
    /// headwords first appear. Headwords differing in case (<c>March</c>, <c>march</c>) stay apart: they are different
    /// words, and <see cref="TranslationSplit"/> keeps them in the same part.</summary>
    public static List<TranslationPair> Merge(IEnumerable<DictionaryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var translations = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var headwords = new List<string>();
        foreach (DictionaryEntry entry in entries)
        {
            if (!translations.TryGetValue(entry.Headword, out var list))
            {
                translations.Add(entry.Headword, list = []);
                headwords.Add(entry.Headword);
            }
            foreach (string translation in entry.Senses.SelectMany(sense => sense))
                if (!list.Contains(translation)) list.Add(translation);
        }
        return headwords.Where(h => translations[h].Count > 0)
            .Select(h => new TranslationPair(h, translations[h][0], translations[h]))
            .ToList();
    }

    /// <summary>The pairs whose English has at most <paramref name="maxEnglishLength"/> characters, each with only
    /// its translations of at most <paramref name="maxJapaneseLength"/> characters; the target becomes the first
    /// translation left, and pairs with none left are dropped. Order is kept.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A maximum is below 1.</exception>
    public static List<TranslationPair> Limit(IEnumerable<TranslationPair> pairs,
        int maxEnglishLength = DefaultMaxEnglishLength, int maxJapaneseLength = DefaultMaxJapaneseLength)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEnglishLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxJapaneseLength, 1);
        var kept = new List<TranslationPair>();
        foreach (TranslationPair pair in pairs)
        {
            if (pair.English.Length > maxEnglishLength) continue;
            var accepted = pair.Accepted.Where(t => t.Length <= maxJapaneseLength).ToList();
            if (accepted.Count == 0) continue;
            kept.Add(accepted.Count == pair.Accepted.Count ? pair : new TranslationPair(pair.English, accepted[0], accepted));
        }
        return kept;
    }
}
