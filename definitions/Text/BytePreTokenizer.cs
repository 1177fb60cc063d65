using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetCompiler.Definitions.Text;

/// <summary>Splits UTF-8 bytes into the pieces byte-pair merges stay inside, in the spirit of GPT-2's pre-tokenizer but
/// simpler: a piece is a run of one kind of character: letters of one script (Han, hiragana, katakana or any other
/// letters), numbers, whitespace, other symbols (punctuation, emoji), or bytes that are not valid UTF-8. Combining marks
/// (accents, dakuten, variation selectors) stay with the run before them. A space before a non-space run starts that
/// run, so " world" is one piece (as in GPT-2) and the space after a word never is. Splitting Japanese at script changes
/// (学生|です) matters because it has no spaces: without it every sentence would be one piece. Unlike GPT-2, English
/// contractions are not kept together ("don't" is don|'|t).</summary>
internal static class BytePreTokenizer
{
    private enum Kind : byte { Whitespace, Numbers, Symbols, InvalidBytes, Letters, Han, Hiragana, Katakana }

    /// <summary>Appends the pieces of <paramref name="text"/> to <paramref name="pieces"/> as (start, length), in order
    /// and covering every byte.</summary>
    public static void Split(ReadOnlySpan<byte> text, List<(int Start, int Length)> pieces)
    {
        int runStart = 0;
        Kind runKind = Kind.Whitespace;
        for (int i = 0; i < text.Length;)
        {
            Kind kind = Classify(text[i..], out int length, out bool isMark);
            if (i == 0 || (!isMark && kind != runKind))
            {
                if (i > 0)
                {
                    // The space that ends a run of whitespace starts the next run instead.
                    bool spaceStartsNext = runKind == Kind.Whitespace && text[i - 1] == (byte)' ';
                    int end = spaceStartsNext ? i - 1 : i;
                    if (end > runStart) pieces.Add((runStart, end - runStart));
                    runStart = end;
                }
                runKind = kind;
            }
            i += length;
        }
        if (text.Length > runStart) pieces.Add((runStart, text.Length - runStart));
    }

    /// <summary>The kind of the character <paramref name="text"/> starts with and its length in bytes; a combining mark
    /// (which continues whatever run it is in) counts as a symbol where it starts the text.</summary>
    private static Kind Classify(ReadOnlySpan<byte> text, out int length, out bool isMark)
    {
        if (Rune.DecodeFromUtf8(text, out Rune rune, out length) != OperationStatus.Done)
        {
            isMark = false;
            return Kind.InvalidBytes;
        }
        isMark = Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark;
        return isMark ? Kind.Symbols : KindOf(rune);
    }

    private static Kind KindOf(Rune rune)
    {
        int c = rune.Value;
        if (c is >= 0x3040 and <= 0x309F) return Kind.Hiragana;
        if (c is >= 0x30A0 and <= 0x30FF or >= 0x31F0 and <= 0x31FF or >= 0xFF66 and <= 0xFF9F) return Kind.Katakana;
        if (c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF
            or 0x3005) return Kind.Han;   // 0x3005: 々, the kanji repetition mark
        if (Rune.IsWhiteSpace(rune)) return Kind.Whitespace;
        if (Rune.IsLetter(rune)) return Kind.Letters;
        if (Rune.IsNumber(rune)) return Kind.Numbers;
        return Kind.Symbols;
    }
}
