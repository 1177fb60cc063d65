using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Definitions.Training;

/// <summary>Reads the commands' option values: each failure is an <see cref="ArgumentException"/> whose message names
/// the option and the value, which the commands print as their one <c>error:</c> line (exit code 2).</summary>
internal static class OptionValues
{
    /// <summary>The value after the option at <paramref name="i"/>, which then points at the value.</summary>
    public static string Next(IReadOnlyList<string> args, ref int i)
    {
        string option = args[i];
        if (i + 1 >= args.Count) throw new ArgumentException($"Option {option} needs a value.");
        if (args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Option {option} needs a value, not the option '{args[i + 1]}'.");
        return args[++i];
    }

    public static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
        : throw new ArgumentException($"{option} takes an integer from {int.MinValue} to {int.MaxValue}, not '{text}'.");

    public static int PositiveInt(string option, string text) =>
        Int(option, text) is var v and > 0 ? v : throw new ArgumentException($"{option} must be positive, not {text}.");

    public static int NonNegativeInt(string option, string text) =>
        Int(option, text) is var v and >= 0 ? v : throw new ArgumentException($"{option} cannot be negative ({text}).");

    public static int ThreadCount(string option, string text) =>
        Int(option, text) is var v and > 0 and <= TrainArguments.MaxThreads ? v
        : throw new ArgumentException($"{option} must be from 1 to {TrainArguments.MaxThreads}, not {text}.");

    public static float NonNegativeFloat(string option, string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && v >= 0f ? v
        : throw new ArgumentException($"{option} takes a finite non-negative number, not '{text}'.");

    public static float Fraction(string option, string text) =>
        NonNegativeFloat(option, text) is var v and < 1f ? v : throw new ArgumentException($"{option} must be at least 0 and below 1, not {text}.");

    public static string Choice(string option, string text, IReadOnlyList<string> choices) =>
        choices.Contains(text.ToLowerInvariant()) ? text.ToLowerInvariant()
        : throw new ArgumentException($"{option} must be one of {string.Join(", ", choices)}; not '{text}'.");
}
