using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Checkpoints;

/// <summary>Checks the bytes the writer produces against the format description, parsing them here by hand
/// rather than with the reader under test.</summary>
public class SafeTensorsLayoutTests
{
    [Theory]
    [InlineData("a")]          // short names: several padding lengths get exercised across the cases
    [InlineData("ab")]
    [InlineData("abc")]
    [InlineData("abcd")]
    [InlineData("encoder.layers.0.attention.weight")]
    public void WrittenFileMatchesTheSpecificationByteForByte(string firstName)
    {
        using var dir = new TempDirectory();
        string path = dir.File("layout.safetensors");
        var tensors = new[]
        {
            new NamedTensor(firstName, new[] { 2, 3 }, new[] { 1f, 2f, 3f, 4f, 5f, -0f }),
            new NamedTensor("scalar", Array.Empty<int>(), new[] { float.NaN }),
            new NamedTensor("zero", new[] { 4, 0 }, Array.Empty<float>()),
            new NamedTensor("v", new[] { 3 }, new[] { float.Epsilon, -1.5f, 1e30f }),
        };
        var metadata = new Dictionary<string, string> { ["z"] = "last", ["format"] = "pt", ["名前"] = "値" };
        SafeTensors.Write(path, tensors, metadata);
        byte[] bytes = File.ReadAllBytes(path);

        // 8-byte little-endian length, then a header that ends where the data section starts, 8-aligned.
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.True(8 + (long)n <= bytes.Length);
        long dataStart = 8 + (long)n;
        Assert.Equal(0, dataStart % 8);

        // The header is strict UTF-8 JSON followed only by space padding (fewer than 8 spaces).
        byte[] headerBytes = bytes[8..(int)dataStart];
        string header = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes);
        string json = header.TrimEnd(' ');
        Assert.EndsWith("}", json);
        Assert.InRange(header.Length - json.Length, 0, 7);
        Assert.DoesNotContain('\n', json);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var keys = root.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(new[] { "__metadata__" }.Concat(tensors.Select(t => t.Name)), keys);

        var meta = root.GetProperty("__metadata__");
        Assert.Equal(new[] { "format", "z", "名前" }, meta.EnumerateObject().Select(p => p.Name)); // ordinal-sorted
        Assert.Equal("値", meta.GetProperty("名前").GetString());

        long expectedBegin = 0;
        foreach (var t in tensors)
        {
            var entry = root.GetProperty(t.Name);
            Assert.Equal(new[] { "dtype", "shape", "data_offsets" }, entry.EnumerateObject().Select(p => p.Name));
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            Assert.Equal(t.Shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(2, offsets.Length);
            Assert.Equal(expectedBegin, offsets[0]);
            Assert.Equal(expectedBegin + 4L * t.Data.Length, offsets[1]);

            // Raw little-endian float32 at those offsets.
            for (int i = 0; i < t.Data.Length; i++)
            {
                int bits = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)(dataStart + offsets[0] + 4 * i)));
                Assert.Equal(BitConverter.SingleToInt32Bits(t.Data.Span[i]), bits);
            }
            expectedBegin = offsets[1];
        }
        // No trailing bytes.
        Assert.Equal(dataStart + expectedBegin, bytes.LongLength);
    }

    [Fact]
    public void WithoutMetadataTheHeaderHasNoMetadataKeyAndMatchesTheReferenceWriter()
    {
        using var dir = new TempDirectory();
        string path = dir.File("ref.safetensors");
        // The reference implementation's own serialization test: "attn.0", F32 [1, 2, 3] = 0..5, no metadata.
        SafeTensors.Write(path, new[] { new NamedTensor("attn.0", new[] { 1, 2, 3 }, new[] { 0f, 1f, 2f, 3f, 4f, 5f }) });
        var expected = HandBuilt.File("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
            HandBuilt.F32(0f, 1f, 2f, 3f, 4f, 5f));
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(64, expected[0]);
    }
}
