using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace NetCompiler;

/// <summary>
/// Reads numeric CSV files into a <see cref="Dataset"/>: a classification table (one integer label column, every
/// other column a feature; e.g. the Kaggle MNIST CSV <c>label,pixel0,...,pixel783</c>) or a table with float
/// targets (regression). <see cref="CsvOptions"/> describes the layout. Files may be gzip-compressed.
/// </summary>
/// <remarks>
/// Every row must have as many fields as the first; empty lines at the end are ignored, but an empty line
/// followed by more data is an error (it usually means two files were joined or a row was lost). Values must
/// be finite numbers: an empty field, <c>NaN</c> or <c>Infinity</c> is a missing value, which this reader does not
/// guess about. Errors are <see cref="InvalidDataException"/>s naming the file, line, column and offending text.
/// </remarks>
public static class CsvReader
{
    private const NumberStyles NumberStyle = NumberStyles.Float;

    // Column roles in the plan: a value >= 0 is a feature's index within the row, these mark the rest.
    private const int LabelRole = -1;

    /// <summary>Reads a classification table: the label column (see <see cref="CsvOptions.LabelColumn"/>) holds
    /// class indices, every other column is a feature.</summary>
    /// <param name="path">The file, raw or gzip-compressed, UTF-8.</param>
    /// <param name="options">The layout; <see langword="null"/> for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file does not match the layout, or holds a non-numeric value or a bad label.</exception>
    public static Dataset ReadClassification(string path, CsvOptions? options = null)
    {
        using TextReader reader = OpenText(path);
        return Read(reader, path, options ?? new CsvOptions(), classification: true);
    }

    /// <summary>Reads a classification table from <paramref name="reader"/>; see <see cref="ReadClassification(string, CsvOptions?)"/>.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">What to call the source in messages and, by default, the dataset.</param>
    /// <param name="options">The layout; <see langword="null"/> for the defaults.</param>
    /// <exception cref="InvalidDataException">The text does not match the layout, or holds a non-numeric value or a bad label.</exception>
    public static Dataset ReadClassification(TextReader reader, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Read(reader, sourceName, options ?? new CsvOptions(), classification: true);
    }

    /// <summary>Reads a table with float targets: the last <see cref="CsvOptions.TargetCount"/> columns, or the
    /// columns named by <see cref="CsvOptions.TargetColumns"/>, are targets; every other column is a feature.</summary>
    /// <param name="path">The file, raw or gzip-compressed, UTF-8.</param>
    /// <param name="options">The layout; <see langword="null"/> for the defaults (one target, the last column).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file does not match the layout or holds a non-numeric value.</exception>
    public static Dataset ReadTargets(string path, CsvOptions? options = null)
    {
        using TextReader reader = OpenText(path);
        return Read(reader, path, options ?? new CsvOptions(), classification: false);
    }

    /// <summary>Reads a table with float targets from <paramref name="reader"/>; see <see cref="ReadTargets(string, CsvOptions?)"/>.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">What to call the source in messages and, by default, the dataset.</param>
    /// <param name="options">The layout; <see langword="null"/> for the defaults (one target, the last column).</param>
    /// <exception cref="InvalidDataException">The text does not match the layout or holds a non-numeric value.</exception>
    public static Dataset ReadTargets(TextReader reader, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Read(reader, sourceName, options ?? new CsvOptions(), classification: false);
    }

    private static TextReader OpenText(string path)
    {
        Stream stream = DataFile.OpenRead(path, out _);
        return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    private static Dataset Read(TextReader reader, string source, CsvOptions options, bool classification)
    {
        if (!float.IsFinite(options.FeatureScale))
            throw new ArgumentException($"FeatureScale must be finite, got {options.FeatureScale}.", nameof(options));
        if (options.Classes is int c && c < 1)
            throw new ArgumentException($"Classes must be positive, got {c}.", nameof(options));

        char separator = options.Separator;
        int lineNumber = 0;
        string? line;

        // The first non-empty line fixes the column count and may be a header.
        string[]? header = null;
        int columns = 0;
        int firstLine = 0;
        string? firstRow = null;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            firstLine = lineNumber;
            string[] fields = SplitAll(line, separator);
            columns = fields.Length;
            bool isHeader = options.HasHeader ?? Array.Exists(fields, f => !TryParseFloat(Unquote(f), out _));
            if (isHeader) header = Array.ConvertAll(fields, f => Unquote(f).ToString());
            else firstRow = line;
            break;
        }
        if (firstLine == 0) throw new InvalidDataException($"'{source}': the file is empty.");

        int[] roles = PlanColumns(source, options, classification, header, columns, out int featureSize, out int targetSize);
        var plan = new RowPlan(source, separator, columns, firstLine, header, roles, options.FeatureScale, classification ? options.Classes : null);

        var features = new List<float>();
        var labels = new List<int>();
        var targets = new List<float>();
        var featureRow = new float[featureSize];
        var targetRow = new float[targetSize];
        int maxLabel = -1;

        if (firstRow is not null)
            plan.ParseRow(firstRow, firstLine, featureRow, targetRow, features, labels, targets, ref maxLabel);
        int blankLine = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (blankLine == 0) blankLine = lineNumber;
                continue;
            }
            if (blankLine != 0)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{source}', line {blankLine}: empty line in the middle of the data (more rows follow at line {lineNumber})."));
            plan.ParseRow(line, lineNumber, featureRow, targetRow, features, labels, targets, ref maxLabel);
        }

        int count = classification ? labels.Count : targets.Count / targetSize;
        if (count == 0) throw new InvalidDataException($"'{source}': no data rows{(header is null ? "" : " after the header")}.");

        string name = options.Name ?? Path.GetFileName(source);
        if (!classification) return new Dataset(name, features.ToArray(), featureSize, targets.ToArray(), targetSize);
        int classes = options.Classes ?? maxLabel + 1;
        return new Dataset(name, features.ToArray(), featureSize, labels.ToArray(), classes);
    }

    /// <summary>Gives each column a role: a feature index (>= 0), <see cref="LabelRole"/>, or a target
    /// <c>t</c> encoded as <c>-2 - t</c>.</summary>
    private static int[] PlanColumns(string source, CsvOptions options, bool classification, string[]? header,
        int columns, out int featureSize, out int targetSize)
    {
        var roles = new int[columns];
        Array.Fill(roles, int.MaxValue);
        targetSize = 0;
        if (classification)
        {
            int label = options.LabelColumnName is { } labelName
                ? FindColumn(source, header, labelName, "label column")
                : options.LabelColumn;
            if (label < 0 || label >= columns)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{source}': label column {label} (0-based) does not exist; the file has {columns} columns."));
            roles[label] = LabelRole;
        }
        else if (options.TargetColumns is { } names)
        {
            if (names.Count == 0) throw new ArgumentException("TargetColumns is empty.", nameof(options));
            for (int t = 0; t < names.Count; t++)
            {
                int column = FindColumn(source, header, names[t], "target column");
                if (roles[column] != int.MaxValue)
                    throw new ArgumentException($"Target column '{names[t]}' is listed twice.", nameof(options));
                roles[column] = -2 - t;
            }
            targetSize = names.Count;
        }
        else
        {
            if (options.TargetCount < 1) throw new ArgumentException($"TargetCount must be positive, got {options.TargetCount}.", nameof(options));
            if (options.TargetCount >= columns)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{source}': {options.TargetCount} target column(s) leave no features; the file has {columns} columns."));
            for (int t = 0; t < options.TargetCount; t++) roles[columns - options.TargetCount + t] = -2 - t;
            targetSize = options.TargetCount;
        }

        featureSize = 0;
        for (int i = 0; i < columns; i++)
            if (roles[i] == int.MaxValue) roles[i] = featureSize++;
        if (featureSize == 0)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{source}': no feature columns; the file has {columns} column(s)."));
        return roles;
    }

    private static int FindColumn(string source, string[]? header, string name, string what)
    {
        if (header is null)
            throw new InvalidDataException($"'{source}': {what} '{name}' is named, but the file has no header row.");
        int found = Array.IndexOf(header, name);
        if (found < 0)
            throw new InvalidDataException($"'{source}': {what} '{name}' is not in the header ({string.Join(", ", header)}).");
        if (Array.IndexOf(header, name, found + 1) >= 0)
            throw new InvalidDataException($"'{source}': {what} '{name}' appears more than once in the header.");
        return found;
    }

    private static string[] SplitAll(string line, char separator)
    {
        var fields = new List<string>();
        foreach (Range r in line.AsSpan().Split(separator)) fields.Add(line[r]);
        return fields.ToArray();
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> field)
    {
        field = field.Trim();
        return field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1].Trim() : field;
    }

    private static bool TryParseFloat(ReadOnlySpan<char> text, out float value) =>
        float.TryParse(text, NumberStyle, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    /// <summary>Everything needed to parse one data row, fixed by the first line.</summary>
    private sealed class RowPlan(string source, char separator, int columns, int firstLine, string[]? header,
        int[] roles, float scale, int? classes)
    {
        public void ParseRow(string line, int lineNumber, float[] featureRow, float[] targetRow,
            List<float> features, List<int> labels, List<float> targets, ref int maxLabel)
        {
            ReadOnlySpan<char> rest = line;
            int label = 0;
            for (int column = 0; ; column++)
            {
                int end = rest.IndexOf(separator);
                ReadOnlySpan<char> raw = end < 0 ? rest : rest[..end];
                if (column >= columns) throw WrongFieldCount(line, lineNumber);
                ReadOnlySpan<char> text = Unquote(raw);
                int role = roles[column];
                if (role == LabelRole) label = ParseLabel(text, lineNumber, column);
                else
                {
                    if (!TryParseFloat(text, out float value))
                        throw Error(lineNumber, column, $"'{text}' is not a {(text.Length == 0 ? "value (empty field)" : "finite number")}.");
                    if (role >= 0) featureRow[role] = value * scale;
                    else targetRow[-2 - role] = value;
                }
                if (end < 0)
                {
                    if (column != columns - 1) throw WrongFieldCount(line, lineNumber);
                    break;
                }
                rest = rest[(end + 1)..];
            }

            features.AddRange(featureRow);
            if (targetRow.Length > 0) targets.AddRange(targetRow);
            else
            {
                labels.Add(label);
                if (label > maxLabel) maxLabel = label;
            }
        }

        private int ParseLabel(ReadOnlySpan<char> text, int lineNumber, int column)
        {
            // Whole numbers written as floats ("3.0", as pandas writes them) are accepted; fractions are not.
            if (!double.TryParse(text, NumberStyle, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw Error(lineNumber, column, $"label '{text}' is not a number.");
            if (value != Math.Floor(value))
                throw Error(lineNumber, column, $"label '{text}' is not an integer.");
            if (value < 0)
                throw Error(lineNumber, column, $"label '{text}' is negative; labels are class indices from 0.");
            if (classes is int c && value >= c)
                throw Error(lineNumber, column, string.Create(CultureInfo.InvariantCulture,
                    $"label '{text}' is out of range for {c} classes (labels 0..{c - 1})."));
            if (value > int.MaxValue - 1)
                throw Error(lineNumber, column, $"label '{text}' is too large.");
            return (int)value;
        }

        private InvalidDataException WrongFieldCount(string line, int lineNumber)
        {
            int fields = line.AsSpan().Count(separator) + 1;
            return new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{source}', line {lineNumber}: {fields} fields, expected {columns} as in line {firstLine}" +
                $"{(header is null ? "" : " (the header)")}."));
        }

        private InvalidDataException Error(int lineNumber, int column, string what)
        {
            string name = header is null ? "" : $" ('{header[column]}')";
            return new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{source}', line {lineNumber}, column {column + 1}{name}: {what}"));
        }
    }
}
