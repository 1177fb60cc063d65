using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetCompiler.Tests.Data;

/// <summary>A fresh temporary directory, deleted on dispose, for tests that write data files.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netcompiler-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteText(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a leftover temp directory must not fail a test
    }
}

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
