using System;
using System.Globalization;

namespace NetCompiler;

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions (outermost first) and its data, row-major.</summary>
public sealed class IdxArray
{
    /// <summary>Wraps already-read IDX contents; <paramref name="data"/> must hold the product of the dimensions.</summary>
    /// <param name="path">The file the array was read from (for messages).</param>
    /// <param name="dimensions">Dimensions, outermost first (for images: count, rows, columns).</param>
    /// <param name="data">The elements, row-major.</param>
    /// <exception cref="ArgumentException">The data length is not the product of the dimensions.</exception>
    public IdxArray(string path, int[] dimensions, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        long product = 1;
        foreach (int d in dimensions)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in {FormatDimensions(dimensions)}.", nameof(dimensions));
            product *= d;
        }
        if (product != data.Length)
            throw new ArgumentException($"{data.Length} bytes of data for dimensions {FormatDimensions(dimensions)} (expected {product}).", nameof(data));
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file the array was read from.</summary>
    public string Path { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Dimensions { get; }

    /// <summary>The elements, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>The outermost dimension: the number of items (images, labels).</summary>
    public int Count => Dimensions.Length == 0 ? 0 : Dimensions[0];

    /// <summary>Elements per item: the product of all dimensions but the first (1 for a vector).</summary>
    public int ItemSize
    {
        get { int n = 1; for (int i = 1; i < Dimensions.Length; i++) n *= Dimensions[i]; return n; }
    }

    /// <summary>Dimensions as text, e.g. <c>[60000, 28, 28]</c>.</summary>
    public string DimensionsText => FormatDimensions(Dimensions);

    /// <summary>A one-line summary, e.g. <c>train-images-idx3-ubyte.gz: u8 [60000, 28, 28]</c>.</summary>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: u8 {DimensionsText}";

    internal static string FormatDimensions(ReadOnlySpan<int> dimensions)
    {
        var parts = new string[dimensions.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = dimensions[i].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }
}
