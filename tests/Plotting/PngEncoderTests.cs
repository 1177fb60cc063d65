using System;
using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Plotting;
using Xunit;

namespace NetCompiler.Tests.Plotting;

/// <summary>PngEncoder: the CRC against its published check value and a bitwise reference, byte-exact round trips
/// through an independent decoder for images that exercise every filter, the chunk layout, and the atomic file
/// write.</summary>
public sealed class PngEncoderTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "nc-png-" + Guid.NewGuid().ToString("N"));

    public PngEncoderTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Crc32_OfCheckString_IsCbf43926()
    {
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xCBF43926u, PngTestDecoder.BitwiseCrc32(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Crc32_MatchesBitwiseReference_OnEmptyAndRandomInputs()
    {
        Assert.Equal(0u, PngEncoder.Crc32(ReadOnlySpan<byte>.Empty));
        var random = new Random(7);
        foreach (int length in new[] { 1, 2, 3, 7, 8, 255, 256, 1000, 65537 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(PngTestDecoder.BitwiseCrc32(data), PngEncoder.Crc32(data));
        }
        // The IEND chunk's CRC is the same in every PNG file.
        Assert.Equal(0xAE426082u, PngEncoder.Crc32("IEND"u8));
    }

    [Theory]
    [InlineData(1, 1, PngColorType.Rgb)]
    [InlineData(1, 1, PngColorType.Rgba)]
    [InlineData(3, 2, PngColorType.Rgb)]
    [InlineData(17, 5, PngColorType.Rgba)]
    [InlineData(64, 48, PngColorType.Rgb)]
    public void RandomImage_RoundTripsExactly(int width, int height, PngColorType colorType)
    {
        int channels = colorType == PngColorType.Rgba ? 4 : 3;
        var pixels = new byte[width * height * channels];
        new Random(width * 1000 + height).NextBytes(pixels);

        DecodedPng decoded = PngTestDecoder.Decode(PngEncoder.Encode(width, height, pixels, colorType));

        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal((int)colorType, decoded.ColorType);
        Assert.Equal(pixels, decoded.Pixels);
    }

    [Fact]
    public void SmoothImage_UsesSeveralFilterTypes_AndRoundTripsExactly()
    {
        // Gradients, a flat region and noise in different bands of rows, so the per-row choice varies.
        const int width = 96, height = 96;
        var pixels = new byte[width * height * 3];
        var random = new Random(3);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                (pixels[i], pixels[i + 1], pixels[i + 2]) = (y / 24) switch
                {
                    0 => ((byte)(x * 2), (byte)(y * 3), (byte)(x + y)),
                    1 => ((byte)200, (byte)200, (byte)200),
                    2 => ((byte)(x * y), (byte)(x ^ y), (byte)random.Next(256)),
                    _ => ((byte)((x + y) * 5), (byte)(y * 7), (byte)(x * 3 + y)),
                };
            }

        DecodedPng decoded = PngTestDecoder.Decode(PngEncoder.Encode(width, height, pixels));

        Assert.Equal(pixels, decoded.Pixels);
        Assert.True(decoded.FilterTypesUsed.Count >= 3, "filters used: " + string.Join(",", decoded.FilterTypesUsed));
    }

    [Fact]
    public void Chunks_AreIhdrIdatIend_AndLargeDataIsSplitOverSeveralIdats()
    {
        // Random pixels do not compress, so about 480 KB of IDAT data must be split into 64 KiB chunks.
        const int width = 400, height = 400;
        var pixels = new byte[width * height * 3];
        new Random(11).NextBytes(pixels);

        DecodedPng decoded = PngTestDecoder.Decode(PngEncoder.Encode(width, height, pixels));

        Assert.Equal("IHDR", decoded.ChunkTypes[0]);
        Assert.Equal("IEND", decoded.ChunkTypes[^1]);
        Assert.True(decoded.ChunkTypes.Skip(1).SkipLast(1).All(t => t == "IDAT"));
        Assert.True(decoded.ChunkTypes.Count > 3, $"{decoded.ChunkTypes.Count} chunks");
        Assert.Equal(pixels, decoded.Pixels);
    }

    [Fact]
    public void Encode_ToStream_LeavesStreamOpen_AndWritesAfterExistingBytes()
    {
        var pixels = new byte[] { 1, 2, 3, 4, 5, 6 };
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);
        PngEncoder.Encode(stream, 2, 1, pixels);
        Assert.True(stream.CanWrite);
        Assert.Equal(pixels, PngTestDecoder.Decode(stream.ToArray()[6..]).Pixels);
    }

    [Fact]
    public void Encode_RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(2, 2, new byte[11]));
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(2, 2, new byte[12], PngColorType.Rgba));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(0, 2, Array.Empty<byte>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(2, -1, Array.Empty<byte>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(1, 1, new byte[3], (PngColorType)3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(1 << 20, 1 << 20, Array.Empty<byte>()));
    }

    [Fact]
    public void WriteFile_WritesDecodablePng_AndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(directory, "image.png");
        var pixels = Enumerable.Range(0, 5 * 4 * 3).Select(i => (byte)(i * 13)).ToArray();

        PngEncoder.WriteFile(path, 5, 4, pixels);

        Assert.Equal(pixels, PngTestDecoder.Decode(path).Pixels);
        Assert.Equal(new[] { path }, Directory.GetFiles(directory));
    }

    [Fact]
    public void WriteFile_ReplacesExistingFile()
    {
        string path = Path.Combine(directory, "image.png");
        File.WriteAllText(path, "not a png, and longer than the image that replaces it " + new string('x', 10000));

        PngEncoder.WriteFile(path, 1, 1, new byte[] { 9, 8, 7 });

        Assert.Equal(new byte[] { 9, 8, 7 }, PngTestDecoder.Decode(path).Pixels);
        Assert.Equal(new[] { path }, Directory.GetFiles(directory));
    }

    [Fact]
    public void WriteFile_WhenRenameFails_DeletesTemporaryFile()
    {
        // A directory where the file should go makes the final rename fail after the data has been written.
        string path = Path.Combine(directory, "taken");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => PngEncoder.WriteFile(path, 1, 1, new byte[3]));

        Assert.Empty(Directory.GetFiles(directory));
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void WriteFile_WithBadArguments_CreatesNothing()
    {
        string path = Path.Combine(directory, "image.png");
        Assert.Throws<ArgumentException>(() => PngEncoder.WriteFile(path, 2, 2, new byte[5]));
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }
}
