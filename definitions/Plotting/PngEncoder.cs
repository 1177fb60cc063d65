using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetCompiler.Definitions.Plotting;

/// <summary>The PNG colour types this encoder writes (always 8 bits per channel). The values are the ones stored in
/// the IHDR chunk.</summary>
public enum PngColorType : byte
{
    /// <summary>Three bytes per pixel: red, green, blue.</summary>
    Rgb = 2,

    /// <summary>Four bytes per pixel: red, green, blue, alpha (not premultiplied).</summary>
    Rgba = 6,
}

/// <summary>A minimal PNG writer with no dependencies beyond the BCL: signature, IHDR, IDAT (zlib via
/// <see cref="ZLibStream"/>), IEND, each chunk with its CRC-32. Non-interlaced, 8 bits per channel.</summary>
/// <remarks>Each row is filtered with whichever of the five PNG filters gives the smallest sum of absolute
/// residuals (the heuristic the PNG specification recommends and libpng uses); for charts, which are mostly flat
/// colour, that makes the zlib stream several times smaller than filter type 0 alone.</remarks>
public static class PngEncoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // Decoders accept any IDAT split; bounded chunks keep each one far from the 2^31 - 1 length limit and let a
    // streaming reader start inflating before the whole image has arrived.
    private const int MaxIdatLength = 1 << 16;

    /// <summary>Writes a PNG image to <paramref name="output"/>. The stream is left open.</summary>
    /// <param name="output">A writable stream.</param>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Rows top to bottom, pixels left to right, channels in R, G, B(, A) order; exactly
    /// <c>width * height * channels</c> bytes.</param>
    /// <param name="colorType">Whether <paramref name="pixels"/> holds RGB or RGBA.</param>
    /// <param name="compression">The zlib effort; <see cref="CompressionLevel.Optimal"/> unless speed matters.</param>
    public static void Encode(Stream output, int width, int height, ReadOnlySpan<byte> pixels,
        PngColorType colorType = PngColorType.Rgb, CompressionLevel compression = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(output);
        int channels = ValidateAndGetChannels(width, height, pixels.Length, colorType);

        output.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;                 // bit depth
        ihdr[9] = (byte)colorType;
        ihdr[10] = 0;                // compression method: deflate (the only one defined)
        ihdr[11] = 0;                // filter method: adaptive, five filter types (the only one defined)
        ihdr[12] = 0;                // no interlace
        WriteChunk(output, "IHDR"u8, ihdr);

        byte[] compressed = CompressScanlines(width, height, channels, pixels, compression);
        for (int offset = 0; offset < compressed.Length; offset += MaxIdatLength)
            WriteChunk(output, "IDAT"u8, compressed.AsSpan(offset, Math.Min(MaxIdatLength, compressed.Length - offset)));

        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>Encodes a PNG image into a new byte array. See <see cref="Encode(Stream, int, int, ReadOnlySpan{byte}, PngColorType, CompressionLevel)"/>.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Rows top to bottom; exactly <c>width * height * channels</c> bytes.</param>
    /// <param name="colorType">Whether <paramref name="pixels"/> holds RGB or RGBA.</param>
    /// <returns>The complete PNG file.</returns>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> pixels, PngColorType colorType = PngColorType.Rgb)
    {
        using var stream = new MemoryStream();
        Encode(stream, width, height, pixels, colorType);
        return stream.ToArray();
    }

    /// <summary>Writes a PNG image to <paramref name="path"/> atomically: the bytes go to a temporary file in the same
    /// directory, which is flushed to disk and then renamed over <paramref name="path"/>. A reader (or a crash) sees
    /// either the old file or the complete new one, never a truncated PNG; on failure the temporary file is
    /// deleted.</summary>
    /// <param name="path">The destination; its directory must exist. An existing file is replaced.</param>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Rows top to bottom; exactly <c>width * height * channels</c> bytes.</param>
    /// <param name="colorType">Whether <paramref name="pixels"/> holds RGB or RGBA.</param>
    public static void WriteFile(string path, int width, int height, ReadOnlySpan<byte> pixels, PngColorType colorType = PngColorType.Rgb)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Validate before touching the file system so bad arguments cannot leave anything behind.
        ValidateAndGetChannels(width, height, pixels.Length, colorType);

        byte[] data = pixels.ToArray();   // a span cannot be captured by the write callback
        AtomicFile.Write(path, file => Encode(file, width, height, data, colorType));
    }

    /// <summary>The CRC-32 of <paramref name="data"/> as PNG, zlib's <c>crc32</c> and gzip define it (reflected
    /// polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF). The check value of "123456789" is
    /// 0xCBF43926.</summary>
    /// <param name="data">The bytes to checksum.</param>
    /// <returns>The CRC.</returns>
    public static uint Crc32(ReadOnlySpan<byte> data) => ~UpdateCrc32(0xFFFFFFFFu, data);

    // Table-driven, one byte per step: chunk data here is at most 64 KiB, so slicing-by-8 would buy nothing visible.
    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    // Running form (no pre/post inversion), so one CRC can cover the chunk type and the chunk data without copying
    // them into one buffer.
    private static uint UpdateCrc32(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = CrcTable;
        foreach (byte b in data)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        // The CRC covers type and data but not the length field.
        BinaryPrimitives.WriteUInt32BigEndian(word, ~UpdateCrc32(UpdateCrc32(0xFFFFFFFFu, type), data));
        output.Write(word);
    }

    private static int ValidateAndGetChannels(int width, int height, int pixelBytes, PngColorType colorType)
    {
        int channels = colorType switch
        {
            PngColorType.Rgb => 3,
            PngColorType.Rgba => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(colorType), colorType, "Only RGB and RGBA are supported."),
        };
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        // One more byte per row for the filter type must still fit in an array.
        long rowBytes = (long)width * channels + 1;
        if (rowBytes * height > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width} x {height} image is too large.");
        if (pixelBytes != (long)width * height * channels)
            throw new ArgumentException($"Expected {(long)width * height * channels} bytes for a {width} x {height} {colorType} image, got {pixelBytes}.", "pixels");
        return channels;
    }

    // ---- scanline filtering (PNG specification, section 9) ---------------------------------------------------

    private static byte[] CompressScanlines(int width, int height, int channels, ReadOnlySpan<byte> pixels, CompressionLevel compression)
    {
        int stride = width * channels;
        var filtered = new byte[(stride + 1) * height];
        var candidate = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
            // Row -1 is defined as all zeros, which makes Up equal None and Paeth equal Sub on the first row.
            ReadOnlySpan<byte> prior = y == 0 ? new byte[stride] : pixels.Slice((y - 1) * stride, stride);
            Span<byte> target = filtered.AsSpan(y * (stride + 1), stride + 1);

            long bestScore = long.MaxValue;
            for (byte type = 0; type <= 4; type++)
            {
                FilterRow(type, row, prior, channels, candidate);
                long score = Score(candidate);
                if (score < bestScore)
                {
                    bestScore = score;
                    target[0] = type;
                    candidate.CopyTo(target[1..]);
                }
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, compression, leaveOpen: true))
            zlib.Write(filtered);
        return compressed.ToArray();
    }

    // Residuals read as signed bytes: small negative values (0xFF, 0xFE) count as small, as they compress like it.
    // Filter type 0 is scored the same way although its bytes are raw samples, as the usual heuristic does.
    private static long Score(ReadOnlySpan<byte> residuals)
    {
        long sum = 0;
        foreach (byte r in residuals)
            sum += Math.Abs((int)(sbyte)r);  // widen first: Math.Abs(sbyte.MinValue) throws
        return sum;
    }

    // a = the same channel of the pixel to the left, b = the byte above, c = above-left; all 0 outside the image.
    private static void FilterRow(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0;
            int b = prior[i];
            int c = i >= bpp ? prior[i - bpp] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            output[i] = (byte)(row[i] - predictor);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        // The tie-breaking order (a, then b, then c) is part of the format.
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

}
