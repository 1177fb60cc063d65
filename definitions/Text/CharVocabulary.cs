using System;

namespace NetCompiler.Definitions.Text;

/// <summary>The fixed character set of <see cref="Zoo.CharLstm"/>: newline, the 95 printable ASCII characters and one
/// placeholder for everything else, so the network's shape does not depend on the text it is trained on. Tabs read as
/// a space; a backspace (the overstriking of old fortunes, <c>_\bA</c>) removes the character before it.</summary>
public static class CharVocabulary
{
    /// <summary>Ids: 0 newline, 1 .. 95 the printable ASCII characters ' ' .. '~', 96 the placeholder.</summary>
    public const int Size = Zoo.CharLstm.Vocabulary;

    /// <summary>The id of newline.</summary>
    public const int Newline = 0;

    /// <summary>The id every character outside the set maps to.</summary>
    public const int Placeholder = Size - 1;

    /// <summary>How the placeholder is printed (U+FFFD, the replacement character).</summary>
    public const char PlaceholderChar = '\uFFFD';

    /// <summary>The id of <paramref name="c"/> (tab as space; anything else outside the set: <see cref="Placeholder"/>).</summary>
    public static int Id(char c) => c switch
    {
        '\n' => Newline,
        '\t' => Id(' '),
        >= ' ' and <= '~' => c - ' ' + 1,
        _ => Placeholder,
    };

    /// <summary>The character of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not in [0, <see cref="Size"/>).</exception>
    public static char Char(int id) => id switch
    {
        Newline => '\n',
        > Newline and < Placeholder => (char)(' ' + id - 1),
        Placeholder => PlaceholderChar,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, $"Character ids are 0 to {Size - 1}."),
    };

    /// <summary>The ids of <paramref name="text"/>, with carriage returns dropped and backspaces applied.</summary>
    public static int[] Encode(ReadOnlySpan<char> text)
    {
        var ids = new int[text.Length];
        int n = 0;
        foreach (char c in text)
        {
            if (c == '\r') continue;
            if (c == '\b') { if (n > 0) n--; continue; }
            ids[n++] = Id(c);
        }
        return ids.AsSpan(0, n).ToArray();
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public static string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++) chars[i] = Char(ids[i]);
        return new string(chars);
    }
}
