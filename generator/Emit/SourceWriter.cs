using System;
using System.Globalization;
using System.Text;

namespace NetCompiler.Generator.Emit;

/// <summary>Indented text writer for generated C#. Culture-invariant helpers for literals.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public int Indent { get => _indent; set => _indent = value; }

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public SourceWriter Open(string line)
    {
        if (line.Length > 0) Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public void Append(SourceWriter other) => Append(other.ToString());

    /// <summary>Appends <paramref name="text"/> (written at indent 0) line by line at the current indent.</summary>
    public void Append(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) { _text.Append('\n'); continue; }
            _text.Append(' ', _indent * 4).Append(line).Append('\n');
        }
        if (_text.Length > 0 && _text[_text.Length - 1] == '\n') _text.Length--;
    }

    /// <summary>Appends <paramref name="text"/> as it is (text written by another writer at the same indent).</summary>
    public void Raw(string text) => _text.Append(text);

    public override string ToString() => _text.ToString();

    /// <summary>A float literal that round-trips, e.g. <c>0.1f</c>.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value)) return "float.NaN";
        if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        return s + "f";
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A string literal.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "") + "\"";

    /// <summary>Text safe inside a // comment.</summary>
    public static string Comment(string text) => text.Replace("\r", " ").Replace("\n", " ");

    public static string Join(int[] values) => string.Join(", ", Array.ConvertAll(values, Int));
}
