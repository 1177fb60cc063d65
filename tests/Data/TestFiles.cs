using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetCompiler.Tests.Data;

/// <summary>Builds IDX file contents the way the MNIST files are laid out.</summary>
internal static class Idx
{
    /// <summary>An IDX file of unsigned bytes: magic 0x000008nn, big-endian dimensions, then the data.</summary>
    public static byte[] Bytes(int[] dimensions, byte[] data) => Raw(0x0800u | (uint)dimensions.Length, dimensions, data);

    /// <summary>An IDX file with any magic number (for corrupt headers).</summary>
    public static byte[] Raw(uint magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>Gzip of <paramref name="header"/> followed by <paramref name="zeros"/> zero bytes, without holding them in memory.</summary>
    public static byte[] GzipWithZeros(byte[] header, long zeros)
    {
        var chunk = new byte[1 << 16];
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(header);
            for (long left = zeros; left > 0; left -= chunk.Length) gzip.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
        }
        return output.ToArray();
    }

    /// <summary><paramref name="count"/> images of rows x cols with pixel (n, i) = (7n + i) mod 256, and labels n mod classes.</summary>
    public static (byte[] Images, byte[] Labels) Synthetic(int count, int rows, int cols, int classes = 10)
    {
        var pixels = new byte[count * rows * cols];
        for (int n = 0; n < count; n++)
            for (int i = 0; i < rows * cols; i++) pixels[n * rows * cols + i] = (byte)((7 * n + i) % 256);
        var labels = new byte[count];
        for (int n = 0; n < count; n++) labels[n] = (byte)(n % classes);
        return (Bytes([count, rows, cols], pixels), Bytes([count], labels));
    }
}
