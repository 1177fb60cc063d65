using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number <c>0x00 0x00 type ndims</c>,
/// <c>ndims</c> big-endian int32 dimensions, then the elements, row-major. Only unsigned bytes (type 0x08) are
/// supported, which is what image and label files use. Files may be raw or gzip-compressed; compression is
/// detected from the content, not the file name.
/// </summary>
/// <remarks>
/// A file must hold exactly the data its header announces: a short file and trailing bytes are both errors,
/// because either means the file is not what its header says (a cut download, two files concatenated).
/// The header is never trusted with an allocation: a raw file's length is checked against it first, and a gzip
/// file's buffer grows only as decompressed data arrives, so a lying header costs no more than the file holds.
/// Every error is an <see cref="InvalidDataException"/> whose message names the file and what is wrong,
/// or a <see cref="FileNotFoundException"/> for a missing file.
/// </remarks>
public static class IdxReader
{
    /// <summary>The IDX element type code for unsigned bytes.</summary>
    public const byte UnsignedByteType = 0x08;

    // Anything larger cannot be one .NET array.
    private static readonly long MaxElements = Array.MaxLength;

    /// <summary>Reads an IDX file of unsigned bytes with any number of dimensions.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file of unsigned bytes.</exception>
    public static IdxArray Read(string path) => ReadCore(path, expectedDimensions: 0);

    /// <summary>Reads an IDX file of unsigned bytes that must have <paramref name="dimensions"/> dimensions
    /// (3 for an image file, 1 for a label file).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <param name="dimensions">The required number of dimensions, 1 to 255.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file of unsigned bytes with that many dimensions.</exception>
    public static IdxArray Read(string path, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, 255);
        return ReadCore(path, dimensions);
    }

    /// <summary>
    /// Reads an image file (<c>N x rows x cols</c> unsigned bytes) and a label file (<c>N</c> unsigned bytes) into a
    /// classification dataset with <c>rows * cols</c> features per sample, each pixel multiplied by <paramref name="scale"/>.
    /// </summary>
    /// <param name="imagesPath">The image file, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
    /// <param name="labelsPath">The label file, e.g. <c>train-labels-idx1-ubyte.gz</c>.</param>
    /// <param name="name">The dataset's name.</param>
    /// <param name="classes">Number of classes; every label must be below it.</param>
    /// <param name="scale">Factor applied to each pixel byte; the default maps 0..255 to 0..1.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the counts differ, or a label is out of range.</exception>
    public static Dataset ReadImagesAndLabels(string imagesPath, string labelsPath, string name, int classes = 10, float scale = 1f / 255f)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        IdxArray images, labels;
        using (var imagesFile = Open(imagesPath, 3))
        using (var labelsFile = Open(labelsPath, 1))
        {
            // Compared before any data is read: a small gzip file can really hold billions of labels.
            if (imagesFile.Dimensions[0] != labelsFile.Dimensions[0])
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Image and label counts differ: '{imagesPath}' has {imagesFile.Dimensions[0]} images but '{labelsPath}' has {labelsFile.Dimensions[0]} labels."));
            images = imagesFile.ReadData();
            labels = labelsFile.ReadData();
        }
        int featureSize = images.ItemSize;
        if (featureSize == 0)
            throw new InvalidDataException($"'{imagesPath}': images of size {images.Dimensions[1]} x {images.Dimensions[2]} have no pixels.");

        var labelValues = new int[labels.Count];
        byte[] labelBytes = labels.Data;
        for (int i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= classes)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{labelsPath}': sample {i} has label {labelBytes[i]}, but there are {classes} classes (labels 0..{classes - 1})."));
            labelValues[i] = labelBytes[i];
        }

        float[] features = ToFloats(images.Data, scale);

        return new Dataset(name, features, featureSize, labelValues, classes);
    }

    // 47 M pixels for the 60k set: vectorized, in cache-sized chunks so the scale pass reads what the
    // conversion just wrote, into an array that is not zeroed first (every element is written).
    private static float[] ToFloats(byte[] bytes, float scale)
    {
        const int Chunk = 16 * 1024;
        float[] result = GC.AllocateUninitializedArray<float>(bytes.Length);
        for (int start = 0; start < bytes.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, bytes.Length - start);
            Span<float> destination = result.AsSpan(start, length);
            TensorPrimitives.ConvertChecked<byte, float>(bytes.AsSpan(start, length), destination);
            TensorPrimitives.Multiply(destination, scale, destination);
        }
        return result;
    }

    private static IdxArray ReadCore(string path, int expectedDimensions)
    {
        using var file = Open(path, expectedDimensions);
        return file.ReadData();
    }

    /// <summary>Opens <paramref name="path"/> and reads and checks its header; nothing is allocated for the data yet.</summary>
    private static HeaderRead Open(string path, int expectedDimensions)
    {
        Stream stream = DataFile.OpenRead(path, out bool gzip);
        try
        {
            Span<byte> magicBytes = stackalloc byte[4];
            int n = DataFile.ReadFully(stream, magicBytes);
            if (n < 4)
                throw new InvalidDataException(
                    $"'{path}': truncated header: the file has {n} bytes{Decompressed(gzip)}, an IDX file starts with a 4-byte magic number.");
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
            CheckMagic(path, magic, expectedDimensions);

            int ndims = magicBytes[3];
            var header = new byte[4 * ndims];
            n = DataFile.ReadFully(stream, header);
            if (n < header.Length)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}': truncated header: expected {4 + header.Length} bytes (magic number and {ndims} dimensions), found {4 + n}{Decompressed(gzip)}."));

            var dimensions = new int[ndims];
            long total = 1;
            for (int i = 0; i < ndims; i++)
            {
                dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
                if (dimensions[i] < 0)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"'{path}': dimension {i} is negative ({dimensions[i]}); the header is corrupt."));
                total *= dimensions[i];
                if (total > MaxElements)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"'{path}': dimensions {IdxArray.FormatDimensions(dimensions.AsSpan(0, i + 1))} hold more than {MaxElements} elements; the header is corrupt."));
            }
            return new HeaderRead(path, stream, gzip, dimensions, (int)total);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>An IDX file whose header has been read and checked, positioned at its data.</summary>
    private sealed class HeaderRead(string path, Stream stream, bool gzip, int[] dimensions, int total) : IDisposable
    {
        /// <summary>A gzip stream's first buffer; it doubles as data arrives.</summary>
        private const int InitialGzipBuffer = 1 << 20;

        public int[] Dimensions => dimensions;

        /// <summary>Reads exactly the data the header announces. The header alone is never trusted with an allocation:
        /// a raw file's length is checked first, and a gzip stream's buffer grows only as decompressed data arrives.</summary>
        public IdxArray ReadData()
        {
            byte[] data;
            int n;
            if (stream.CanSeek)
            {
                long remaining = stream.Length - stream.Position;
                if (remaining < total) throw Truncated(remaining);
                if (remaining > total) throw Trailing(remaining - total);
                data = GC.AllocateUninitializedArray<byte>(total);
                n = DataFile.ReadFully(stream, data);
            }
            else
            {
                data = new byte[Math.Min(total, InitialGzipBuffer)];
                n = DataFile.ReadFully(stream, data);
                while (n == data.Length && n < total)
                {
                    Array.Resize(ref data, (int)Math.Min(total, 2L * data.Length));
                    n += DataFile.ReadFully(stream, data.AsSpan(n));
                }
            }
            if (n < total) throw Truncated(n);   // a raw file that shrank since it was measured, or a short gzip stream

            long trailing = CountRemaining(stream);
            if (trailing > 0) throw Trailing(trailing);
            return new IdxArray(path, dimensions, data);
        }

        private InvalidDataException Truncated(long found) => new(string.Create(CultureInfo.InvariantCulture,
            $"'{path}': truncated data: expected {total} bytes of data for dimensions {IdxArray.FormatDimensions(dimensions)}, found {found}{Decompressed(gzip)}."));

        private InvalidDataException Trailing(long extra) => new(string.Create(CultureInfo.InvariantCulture,
            $"'{path}': {extra} unexpected bytes after the {total} bytes of data for dimensions {IdxArray.FormatDimensions(dimensions)}{Decompressed(gzip)}."));

        public void Dispose() => stream.Dispose();
    }

    private static void CheckMagic(string path, uint magic, int expectedDimensions)
    {
        byte type = (byte)(magic >> 8);
        int ndims = (int)(magic & 0xFF);
        bool ok = (magic >> 16) == 0 && type == UnsignedByteType && ndims > 0
            && (expectedDimensions == 0 || ndims == expectedDimensions);
        if (ok) return;

        string expected = expectedDimensions == 0
            ? "an IDX file of unsigned bytes (magic 0x000008nn with nn > 0 dimensions)"
            : string.Create(CultureInfo.InvariantCulture,
                $"an IDX file of unsigned bytes with {expectedDimensions} dimension{(expectedDimensions == 1 ? "" : "s")} (magic 0x{((uint)UnsignedByteType << 8) | (uint)expectedDimensions:X8})");
        string found = (magic >> 16) != 0 ? "not an IDX file"
            : type != UnsignedByteType ? $"element type 0x{type:X2} ({TypeName(type)}); only unsigned bytes (0x08) are supported"
            : ndims == 0 ? "no dimensions"
            : string.Create(CultureInfo.InvariantCulture, $"{ndims} dimension{(ndims == 1 ? "" : "s")}");
        throw new InvalidDataException($"'{path}': expected {expected}, found 0x{magic:X8} ({found}).");
    }

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "not an IDX type",
    };

    private static string Decompressed(bool gzip) => gzip ? " after gzip decompression" : "";

    private static long CountRemaining(Stream stream)
    {
        Span<byte> buffer = stackalloc byte[4096];
        long count = 0;
        int n;
        while ((n = DataFile.ReadFully(stream, buffer)) > 0) count += n;
        return count;
    }
}
