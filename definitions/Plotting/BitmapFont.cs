using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Plotting;

/// <summary>A tiny proportional bitmap font for chart labels: printable ASCII on a 5 x 9 grid (7 rows from cap height
/// to baseline, then 2 rows for descenders). Glyphs are drawn with their blank columns trimmed, so "1.5" is not
/// spaced like "MMM".</summary>
public static class BitmapFont
{
    /// <summary>Rows of the glyph grid at scale 1: 7 above the baseline plus 2 for descenders (g, j, p, q, y, comma).</summary>
    public const int CellHeight = 9;

    /// <summary>Rows from the top of the cell to the baseline at scale 1 (the height of capitals and digits).</summary>
    public const int CapHeight = 7;

    private const int GlyphWidth = 5;
    private const int LetterSpacing = 1;
    private const int SpaceAdvance = 3;

    // One glyph per string: the character, then one hex byte per row from the top. Bit 4 (0x10) is the leftmost
    // column, bit 0 the rightmost; rows left out at the end are blank. E.g. "A 0E 11 11 11 1F 11 11":
    //   .###.  #...#  #...#  #...#  #####  #...#  #...#
    // Lower case has an x-height of 5 rows (rows 2 to 6); rows 7 and 8 hold descenders.
    private static readonly string[] GlyphSource =
    {
        "! 04 04 04 04 04 00 04",    "\" 0A 0A",                    "# 0A 0A 1F 0A 1F 0A 0A",    "$ 04 0F 14 0E 05 1E 04",
        "% 18 19 02 04 08 13 03",    "& 0C 12 14 08 15 12 0D",     "' 04 04",                    "( 02 04 08 08 08 04 02",
        ") 08 04 02 02 02 04 08",    "* 00 04 15 0E 15 04",         "+ 00 04 04 1F 04 04",        ", 00 00 00 00 00 0C 04 08",
        "- 00 00 00 0E",             ". 00 00 00 00 00 0C 0C",     "/ 01 02 02 04 08 08 10",
        "0 0E 11 13 15 19 11 0E",    "1 04 0C 04 04 04 04 0E",     "2 0E 11 01 02 04 08 1F",    "3 1F 02 04 02 01 11 0E",
        "4 02 06 0A 12 1F 02 02",    "5 1F 10 1E 01 01 11 0E",     "6 06 08 10 1E 11 11 0E",    "7 1F 01 02 04 08 08 08",
        "8 0E 11 11 0E 11 11 0E",    "9 0E 11 11 0F 01 02 0C",
        ": 00 00 0C 0C 00 0C 0C",    "; 00 00 0C 0C 00 0C 0C 04 08", "< 02 04 08 10 08 04 02",  "= 00 00 1F 00 1F",
        "> 08 04 02 01 02 04 08",    "? 0E 11 01 02 04 00 04",     "@ 0E 11 01 0D 15 15 0E",
        "A 0E 11 11 11 1F 11 11",    "B 1E 11 11 1E 11 11 1E",     "C 0E 11 10 10 10 11 0E",    "D 1C 12 11 11 11 12 1C",
        "E 1F 10 10 1E 10 10 1F",    "F 1F 10 10 1E 10 10 10",     "G 0E 11 10 17 11 11 0F",    "H 11 11 11 1F 11 11 11",
        "I 0E 04 04 04 04 04 0E",    "J 07 02 02 02 02 12 0C",     "K 11 12 14 18 14 12 11",    "L 10 10 10 10 10 10 1F",
        "M 11 1B 15 15 11 11 11",    "N 11 11 19 15 13 11 11",     "O 0E 11 11 11 11 11 0E",    "P 1E 11 11 1E 10 10 10",
        "Q 0E 11 11 11 15 12 0D",    "R 1E 11 11 1E 14 12 11",     "S 0F 10 10 0E 01 01 1E",    "T 1F 04 04 04 04 04 04",
        "U 11 11 11 11 11 11 0E",    "V 11 11 11 11 11 0A 04",     "W 11 11 11 15 15 15 0A",    "X 11 11 0A 04 0A 11 11",
        "Y 11 11 11 0A 04 04 04",    "Z 1F 01 02 04 08 10 1F",
        "[ 0E 08 08 08 08 08 0E",    "\\ 10 08 08 04 02 02 01",    "] 0E 02 02 02 02 02 0E",    "^ 04 0A 11",
        "_ 00 00 00 00 00 00 00 1F", "` 08 04",
        "a 00 00 0E 01 0F 11 0F",    "b 10 10 16 19 11 11 1E",     "c 00 00 0E 10 10 11 0E",    "d 01 01 0D 13 11 11 0F",
        "e 00 00 0E 11 1F 10 0E",    "f 06 09 08 1C 08 08 08",     "g 00 00 0F 11 11 11 0F 01 0E", "h 10 10 16 19 11 11 11",
        "i 04 00 0C 04 04 04 0E",    "j 02 00 06 02 02 02 02 12 0C", "k 10 10 12 14 18 14 12",  "l 0C 04 04 04 04 04 0E",
        "m 00 00 1A 15 15 15 15",    "n 00 00 16 19 11 11 11",     "o 00 00 0E 11 11 11 0E",    "p 00 00 1E 11 11 11 1E 10 10",
        "q 00 00 0F 11 11 11 0F 01 01", "r 00 00 16 19 10 10 10",  "s 00 00 0F 10 0E 01 1E",    "t 08 08 1C 08 08 09 06",
        "u 00 00 11 11 11 13 0D",    "v 00 00 11 11 11 0A 04",     "w 00 00 11 11 15 15 0A",    "x 00 00 11 0A 04 0A 11",
        "y 00 00 11 11 11 11 0F 01 0E", "z 00 00 1F 02 04 08 1F",
        "{ 02 04 04 08 04 04 02",    "| 04 04 04 04 04 04 04",     "} 08 04 04 02 04 04 08",    "~ 00 00 08 15 02",
    };

    private readonly record struct Glyph(byte[] Rows, int FirstColumn, int Width);

    private static readonly Dictionary<char, Glyph> Glyphs = ParseGlyphs();

    // Characters without a glyph draw as '?', so a stray 'é' in a label shows up as a visible mistake, not a gap.
    private static readonly Glyph Fallback = Glyphs['?'];

    private static Dictionary<char, Glyph> ParseGlyphs()
    {
        var glyphs = new Dictionary<char, Glyph>();
        foreach (string source in GlyphSource)
        {
            string[] parts = source.Split(' ');
            var rows = new byte[CellHeight];
            int mask = 0;
            for (int r = 1; r < parts.Length; r++)
            {
                rows[r - 1] = Convert.ToByte(parts[r], 16);
                mask |= rows[r - 1];
            }
            // Trim blank columns on both sides: column 0 is bit 4.
            int first = 0, last = GlyphWidth - 1;
            while (first < last && (mask & (1 << (GlyphWidth - 1 - first))) == 0) first++;
            while (last > first && (mask & (1 << (GlyphWidth - 1 - last))) == 0) last--;
            glyphs.Add(parts[0][0], new Glyph(rows, first, last - first + 1));
        }
        return glyphs;
    }

    /// <summary>Whether <paramref name="c"/> has its own glyph (the space counts; anything else missing draws as '?').</summary>
    /// <param name="c">The character.</param>
    /// <returns>True for printable ASCII.</returns>
    public static bool HasGlyph(char c) => c == ' ' || Glyphs.ContainsKey(c);

    /// <summary>The width in pixels that <see cref="Draw"/> covers for <paramref name="text"/> (no trailing spacing).</summary>
    /// <param name="text">The text, one line.</param>
    /// <param name="scale">Pixels per font pixel, at least 1.</param>
    /// <returns>The width in pixels; 0 for an empty string.</returns>
    public static int Measure(string text, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int width = 0;
        foreach (char c in text)
            width += Advance(c);
        return Math.Max(0, width - LetterSpacing) * scale;
    }

    /// <summary>The longest prefix of <paramref name="text"/> that fits in <paramref name="maxWidth"/> pixels, with
    /// "..." appended when something had to be cut.</summary>
    /// <param name="text">The text, one line.</param>
    /// <param name="maxWidth">The room in pixels.</param>
    /// <param name="scale">Pixels per font pixel, at least 1.</param>
    /// <returns><paramref name="text"/> itself when it fits, else a shortened copy (possibly empty).</returns>
    public static string Truncate(string text, int maxWidth, int scale = 1)
    {
        if (Measure(text, scale) <= maxWidth) return text;
        for (int length = text.Length - 1; length > 0; length--)
        {
            string candidate = text[..length].TrimEnd() + "...";
            if (Measure(candidate, scale) <= maxWidth) return candidate;
        }
        return "";
    }

    /// <summary>Draws one line of text with its cell's top-left corner at (<paramref name="x"/>, <paramref name="y"/>);
    /// the baseline is <see cref="CapHeight"/> * <paramref name="scale"/> rows lower. Pixels outside the canvas are
    /// clipped.</summary>
    /// <param name="canvas">The target.</param>
    /// <param name="x">Left edge in pixels.</param>
    /// <param name="y">Top edge of the cell in pixels.</param>
    /// <param name="text">The text, one line.</param>
    /// <param name="color">The ink colour.</param>
    /// <param name="scale">Pixels per font pixel, at least 1.</param>
    public static void Draw(Canvas canvas, int x, int y, string text, (byte R, byte G, byte B) color, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int penX = x;
        foreach (char c in text)
        {
            if (c != ' ')
            {
                Glyph glyph = Glyphs.TryGetValue(c, out Glyph g) ? g : Fallback;
                for (int row = 0; row < CellHeight; row++)
                {
                    byte bits = glyph.Rows[row];
                    for (int col = 0; col < glyph.Width; col++)
                        if ((bits & (1 << (GlyphWidth - 1 - glyph.FirstColumn - col))) != 0)
                            canvas.FillRect(penX + col * scale, y + row * scale, scale, scale, color);
                }
            }
            penX += Advance(c) * scale;
        }
    }

    private static int Advance(char c)
    {
        if (c == ' ') return SpaceAdvance + LetterSpacing;
        Glyph glyph = Glyphs.TryGetValue(c, out Glyph g) ? g : Fallback;
        return glyph.Width + LetterSpacing;
    }
}
