using System;

namespace NetCompiler.Definitions.Text;

/// <summary>GPT-2's one-character-per-byte alphabet: bytes that print as Latin-1 (<c>!</c>..<c>~</c>,
/// <c>¡</c>..<c>¬</c>, <c>®</c>..<c>ÿ</c>) stand for themselves and the other 68 (controls, space, DEL, NBSP, soft hyphen)
/// for U+0100 onwards in byte order, so space is <c>Ġ</c> and newline <c>Ċ</c>. Any byte string written this way has no
/// whitespace or control characters, which is what lets a merge be written as two tokens and a space.</summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = BuildCharOfByte();
    private static readonly short[] ByteOfChar = BuildByteOfChar();

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char Char(byte value) => CharOfByte[value];

    /// <summary>The byte <paramref name="c"/> stands for, or false when <paramref name="c"/> is not in the alphabet.</summary>
    public static bool TryGetByte(char c, out byte value)
    {
        int b = c < ByteOfChar.Length ? ByteOfChar[c] : -1;
        value = (byte)b;
        return b >= 0;
    }

    /// <summary><paramref name="bytes"/> written in the alphabet, a character per byte.</summary>
    public static string Text(ReadOnlySpan<byte> bytes) => string.Create(bytes.Length, bytes,
        static (chars, b) => Write(b, chars));

    /// <summary>Writes the characters of <paramref name="bytes"/> into <paramref name="chars"/> (as long as the bytes).</summary>
    public static void Write(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (int i = 0; i < bytes.Length; i++) chars[i] = CharOfByte[bytes[i]];
    }

    private static bool PrintsAsItself(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';

    private static char[] BuildCharOfByte()
    {
        var chars = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) chars[b] = PrintsAsItself(b) ? (char)b : (char)next++;
        return chars;
    }

    private static short[] BuildByteOfChar()
    {
        var bytes = new short[256 + 68];
        Array.Fill(bytes, (short)-1);
        for (int b = 0; b < 256; b++) bytes[CharOfByte[b]] = (short)b;
        return bytes;
    }
}
