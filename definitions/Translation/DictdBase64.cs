using System;
using System.Text;

namespace NetCompiler.Definitions.Translation;

/// <summary>The numbers of a dictd <c>.index</c> file: offsets and lengths written in base 64 with the alphabet
/// <c>A-Z a-z 0-9 + /</c> (A = 0, / = 63), most significant digit first and without padding, so "B" is 1 and "BA" 64.</summary>
public static class DictdBase64
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>The number <paramref name="digits"/> stands for.</summary>
    /// <exception cref="FormatException">The digits are empty, hold a character outside the alphabet, or exceed a long.</exception>
    public static long Decode(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length == 0) throw new FormatException("A dictd base64 number has at least one digit.");
        long value = 0;
        foreach (char c in digits)
        {
            int digit = Alphabet.IndexOf(c);
            if (digit < 0) throw new FormatException($"'{digits}' is not a dictd base64 number: '{c}' is not one of {Alphabet}.");
            if (value > (long.MaxValue - digit) / 64) throw new FormatException($"The dictd base64 number '{digits}' does not fit a long.");
            value = value * 64 + digit;
        }
        return value;
    }

    /// <summary>The digits of <paramref name="value"/>: the inverse of <see cref="Decode"/> (for writing index files).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static string Encode(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var digits = new StringBuilder();
        do
        {
            digits.Insert(0, Alphabet[(int)(value % 64)]);
            value /= 64;
        } while (value > 0);
        return digits.ToString();
    }
}
