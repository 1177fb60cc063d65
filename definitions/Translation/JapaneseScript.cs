namespace NetCompiler.Definitions.Translation;

/// <summary>Which characters are Japanese writing: kana and CJK ideographs. Marks that occur in Japanese text but
/// are not letters on their own (the long-vowel mark ー, the middle dot ・, Japanese punctuation) do not count, so a
/// fragment such as "ー" or "・" is not taken for a translation.</summary>
public static class JapaneseScript
{
    /// <summary>Whether <paramref name="c"/> is a hiragana or katakana letter (full or half width), a CJK ideograph
    /// (the unified block, extension A and the compatibility block) or the repetition mark 々. Ideographs outside the
    /// Basic Multilingual Plane are not recognized; a translation made of them alone is vanishingly rare.</summary>
    public static bool IsLetter(char c) => c switch
    {
        >= '\u3041' and <= '\u3096' => true,   // hiragana
        >= '\u30A1' and <= '\u30FA' => true,   // katakana
        >= '\uFF66' and <= '\uFF9D' => true,   // half-width katakana
        >= '\u4E00' and <= '\u9FFF' => true,   // CJK unified ideographs
        >= '\u3400' and <= '\u4DBF' => true,   // CJK extension A
        >= '\uF900' and <= '\uFAFF' => true,   // CJK compatibility ideographs
        '\u3005' => true,                      // 々
        _ => false,
    };

    /// <summary>Whether <paramref name="text"/> holds at least one <see cref="IsLetter">Japanese letter</see>.</summary>
    public static bool ContainsLetter(string text)
    {
        foreach (char c in text)
            if (IsLetter(c)) return true;
        return false;
    }
}
