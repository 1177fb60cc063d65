using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace NetCompiler.Tests.Plotting;

/// <summary>A decoded 8-bit RGB or RGBA PNG, as <see cref="PngTestDecoder"/> read it.</summary>
internal sealed record DecodedPng(int Width, int Height, int ColorType, int Channels, byte[] Pixels,
    IReadOnlyList<string> ChunkTypes, IReadOnlySet<int> FilterTypesUsed)
{
    public (byte R, byte G, byte B) Rgb(int x, int y)
    {
        int i = (y * Width + x) * Channels;
        return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }
}

/// <summary>A PNG reader written from the specification for these tests only, sharing no code with the encoder: it
/// checks the signature, the chunk order and every CRC (with a bitwise CRC-32, not the encoder's table), inflates the
/// concatenated IDAT data and undoes all five filter types. It accepts only what the encoder claims to write
/// (8-bit RGB or RGBA, not interlaced) and fails the test on anything else.</summary>
internal static class PngTestDecoder
{
    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    /// <summary>CRC-32 one bit at a time (reflected polynomial 0xEDB88320), the form the specification's annex
    /// derives the table from.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    public static DecodedPng Decode(string path) => Decode(File.ReadAllBytes(path));

    public static DecodedPng Decode(byte[] png)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature)) throw new InvalidDataException("bad signature");

        var types = new List<string>();
        var idat = new MemoryStream();
        int width = 0, height = 0, colorType = -1;
        int offset = 8;
        while (true)
        {
            if (offset + 12 > png.Length) throw new InvalidDataException("truncated chunk header");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (length > int.MaxValue || offset + 12 + (long)length > png.Length) throw new InvalidDataException("chunk runs past the end");
            string type = Encoding.ASCII.GetString(png, offset + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(offset + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + (int)length));
            uint actual = BitwiseCrc32(png.AsSpan(offset + 4, 4 + (int)length));
            if (stored != actual) throw new InvalidDataException($"CRC mismatch in {type}: stored {stored:X8}, computed {actual:X8}");
            types.Add(type);
            offset += 12 + (int)length;

            if (types.Count == 1 && type != "IHDR") throw new InvalidDataException("IHDR must come first");
            switch (type)
            {
                case "IHDR":
                    if (length != 13) throw new InvalidDataException("IHDR length");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    if (width <= 0 || height <= 0) throw new InvalidDataException("dimensions");
                    if (data[8] != 8) throw new InvalidDataException("bit depth");
                    colorType = data[9];
                    if (colorType is not (2 or 6)) throw new InvalidDataException("colour type");
                    if (data[10] != 0 || data[11] != 0 || data[12] != 0) throw new InvalidDataException("compression, filter or interlace method");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    if (length != 0) throw new InvalidDataException("IEND must be empty");
                    if (offset != png.Length) throw new InvalidDataException("bytes after IEND");
                    return Unfilter(width, height, colorType, Inflate(idat.ToArray()), types);
                default:
                    // Critical chunks (upper-case first letter) other than these would change the meaning of the image.
                    if (char.IsUpper(type[0])) throw new InvalidDataException($"unexpected critical chunk {type}");
                    break;
            }
        }
    }

    private static byte[] Inflate(byte[] zlib)
    {
        using var input = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static DecodedPng Unfilter(int width, int height, int colorType, byte[] raw, List<string> types)
    {
        int bpp = colorType == 6 ? 4 : 3;
        int stride = width * bpp;
        if (raw.Length != (stride + 1) * height) throw new InvalidDataException($"inflated {raw.Length} bytes, expected {(stride + 1) * height}");
        var pixels = new byte[stride * height];
        var filters = new HashSet<int>();
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            filters.Add(filter);
            for (int i = 0; i < stride; i++)
            {
                int x = raw[y * (stride + 1) + 1 + i];
                int a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int c = i >= bpp && y > 0 ? pixels[(y - 1) * stride + i - bpp] : 0;
                int predicted = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => PaethPredictor(a, b, c),
                    _ => throw new InvalidDataException($"filter type {filter} in row {y}"),
                };
                pixels[y * stride + i] = (byte)(x + predicted);
            }
        }
        return new DecodedPng(width, height, colorType, bpp, pixels, types, filters);
    }

    // Written as in the specification's pseudo-code (section 9.4).
    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        else if (pb <= pc) return b;
        else return c;
    }
}
