using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Definitions.Translation;

/// <summary>How well a set of outputs matches its references: exact-match accuracy (the output equals one of the
/// accepted translations) and character accuracy (per output, the best over the accepted translations of
/// 1 - Levenshtein distance / the longer length, counted in Unicode code points: 1 for a match, 0 for nothing in
/// common), each averaged over the outputs.</summary>
public readonly record struct TranslationScore(int Count, double ExactMatch, double CharacterAccuracy)
{
    /// <summary>The score of <paramref name="outputs"/> against the accepted translations of each.</summary>
    public static TranslationScore Of(IReadOnlyList<string> outputs, IReadOnlyList<IReadOnlyList<string>> accepted)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(accepted);
        if (outputs.Count != accepted.Count) throw new ArgumentException($"{outputs.Count} outputs but {accepted.Count} reference lists.", nameof(accepted));
        if (outputs.Count == 0) return new TranslationScore(0, 0, 0);
        double exact = 0, characters = 0;
        for (int i = 0; i < outputs.Count; i++)
        {
            if (accepted[i].Contains(outputs[i], StringComparer.Ordinal)) exact++;
            characters += accepted[i].Max(reference => CharacterSimilarity(outputs[i], reference));
        }
        return new TranslationScore(outputs.Count, exact / outputs.Count, characters / outputs.Count);
    }

    /// <summary>1 - Levenshtein(output, reference) / max(length), over code points; 1 when both are empty.</summary>
    public static double CharacterSimilarity(string output, string reference)
    {
        int[] a = CodePoints(output), b = CodePoints(reference);
        int longer = Math.Max(a.Length, b.Length);
        return longer == 0 ? 1 : 1 - (double)EditDistance(a, b) / longer;
    }

    /// <summary>The fewest insertions, deletions and substitutions that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int EditDistance(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>The Unicode code points of <paramref name="text"/> (a kanji outside the basic plane is one, not two).</summary>
    public static int[] CodePoints(string text)
    {
        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) points.Add(rune.Value);   // a lone surrogate counts as U+FFFD
        return points.ToArray();
    }

    /// <summary>e.g. <c>exact match 12.3%, character accuracy 45.6% (3,087 words)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"exact match {ExactMatch * 100:F1}%, character accuracy {CharacterAccuracy * 100:F1}% ({Count:N0} words)");
}
