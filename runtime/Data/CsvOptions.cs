using System.Collections.Generic;

namespace NetCompiler;

/// <summary>
/// How <see cref="CsvReader"/> reads a numeric CSV file. The defaults read the Kaggle MNIST CSV as it is:
/// comma-separated, header detected, label in column 0, every other column a feature.
/// </summary>
/// <remarks>
/// Numbers are parsed with the invariant culture (<c>1.5</c>, <c>-2e-3</c>; never <c>1,5</c>). Fields may be
/// surrounded by whitespace or double quotes, but a quoted field cannot contain the separator: this is a
/// reader for numeric tables, not a general CSV parser. Columns are numbered from 0 in options and from 1 in
/// error messages, as spreadsheets and editors show them.
/// </remarks>
public sealed record CsvOptions
{
    /// <summary>The field separator; <c>','</c> by default (use <c>';'</c> or <c>'\t'</c> for other tables).</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Whether the first non-empty line is a header of column names. <see langword="null"/> (the default)
    /// detects it: the line is a header when one of its fields is not a number.</summary>
    public bool? HasHeader { get; init; }

    /// <summary>Factor applied to every feature (not to labels or targets), e.g. <c>1f / 255f</c> for pixel bytes; 1 by default.</summary>
    public float FeatureScale { get; init; } = 1f;

    /// <summary>The dataset's name; the file name by default.</summary>
    public string? Name { get; init; }

    /// <summary>Classification: the 0-based index of the label column; 0 by default. Ignored when
    /// <see cref="LabelColumnName"/> is set.</summary>
    public int LabelColumn { get; init; }

    /// <summary>Classification: the name of the label column in the header (which must then exist).</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>Classification: the number of classes. <see langword="null"/> (the default) infers it as the
    /// largest label plus one; set it when a small file may not contain the last class.</summary>
    public int? Classes { get; init; }

    /// <summary>Targets: how many of the last columns are targets; 1 by default. Ignored when
    /// <see cref="TargetColumns"/> is set.</summary>
    public int TargetCount { get; init; } = 1;

    /// <summary>Targets: the names of the target columns in the header (which must then exist), in the order
    /// the targets should have; every other column is a feature.</summary>
    public IReadOnlyList<string>? TargetColumns { get; init; }
}
