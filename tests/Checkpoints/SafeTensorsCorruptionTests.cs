using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using NetCompiler;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Checkpoints;

/// <summary>Every malformed file is refused with an <see cref="InvalidDataException"/> whose message names the file
/// and, where one is at fault, the tensor.</summary>
public class SafeTensorsCorruptionTests
{
    private const string Good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

    private static InvalidDataException ReadFails(byte[] bytes)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void TheBaseFileIsValid()
    {
        using var dir = new TempDirectory();
        string path = dir.File("good.safetensors");
        File.WriteAllBytes(path, HandBuilt.File(Good, new byte[12]));
        using var file = SafeTensors.Read(path);
        Assert.Equal(2, file.Tensors.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void FileShorterThanTheLengthPrefix(int length)
    {
        var e = ReadFails(new byte[length]);
        Assert.Contains("shorter than", e.Message);
    }

    [Fact]
    public void HeaderLengthOverTheLimit()
    {
        var bytes = HandBuilt.File(Good, new byte[12]);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        Assert.Contains("limit", ReadFails(bytes).Message);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.Contains("limit", ReadFails(bytes).Message);
    }

    [Fact]
    public void AHugeHeaderLengthIsRefusedBeforeTheFileIsRead()
    {
        using var dir = new TempDirectory();
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, 1UL << 63);
        string path = dir.WriteSparse("huge.safetensors", 256L << 20, (0, prefix));

        InvalidDataException? e = null;
        long allocated = Allocated.By(() => e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)));

        Assert.Contains(path, e!.Message);
        Assert.Contains("header length 9223372036854775808 exceeds the 100000000-byte limit", e.Message);
        Assert.True(allocated < 1 << 20, $"{allocated:N0} bytes allocated");
    }

    /// <summary>A header of <paramref name="count"/> zero-size tensors: about 55 bytes each in the file.</summary>
    private static string ZeroSizeTensors(int count) =>
        "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")) + "}";

    [Fact]
    public void MoreThanAHundredThousandEntriesAreRefused()
    {
        var e = ReadFails(HandBuilt.File(ZeroSizeTensors(100_001), []));
        Assert.Contains("more than 100000 tensors and metadata entries", e.Message);
    }

    [Fact]
    public void ParsingAHeaderAllocatesInProportionToItsSize()
    {
        using var dir = new TempDirectory();
        byte[] bytes = HandBuilt.File(ZeroSizeTensors(50_000), []);
        string path = dir.Write("many.safetensors", bytes);

        SafeTensorsFile? file = null;
        long allocated = Allocated.By(() => file = SafeTensors.Read(path));

        using (file) Assert.Equal(50_000, file!.Tensors.Count);
        // The header itself and a few hundred bytes per entry (a JSON document of it took 23 times its size).
        Assert.True(allocated < 8L * bytes.Length, $"{allocated:N0} bytes allocated for a {bytes.Length:N0}-byte header");
    }

    [Theory]
    [InlineData("shape", "has a \"shape\" of 2000000 dimensions, more than the 64 a tensor may have")]
    [InlineData("data_offsets", "has \"data_offsets\" with 2000000 values, not [begin, end]")]
    public void AnArrayOfMillionsOfIntegersCostsNoMoreThanTheHeader(string field, string message)
    {
        // "0," is two bytes of file; kept as a list of longs and an array made of it, it cost twelve times that
        // (a 60 MB file of one tensor ran out of a 512 MB heap).
        string zeros = string.Join(",", Enumerable.Repeat("0", 2_000_000));
        string header = field == "shape"
            ? "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + zeros + "],\"data_offsets\":[0,0]}}"
            : "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[" + zeros + "]}}";
        using var dir = new TempDirectory();
        byte[] bytes = HandBuilt.File(header, []);
        string path = dir.Write("long.safetensors", bytes);

        InvalidDataException? e = null;
        long allocated = Allocated.By(() => e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)));

        Assert.Contains($"tensor 'a' {message}", e!.Message);
        Assert.True(allocated < 2L * bytes.Length, $"{allocated:N0} bytes allocated for a {bytes.Length:N0}-byte header");
    }

    [Fact]
    public void SixtyFourDimensionsAreTheMost()
    {
        using var dir = new TempDirectory();
        string path = dir.File("rank.safetensors");
        string Ones(int n) => string.Join(",", Enumerable.Repeat("1", n));
        File.WriteAllBytes(path, HandBuilt.File("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + Ones(64) + "],\"data_offsets\":[0,4]}}", new byte[4]));
        using (var file = SafeTensors.Read(path)) Assert.Equal(64, file.Get("a").Shape.Count);
        File.WriteAllBytes(path, HandBuilt.File("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + Ones(65) + "],\"data_offsets\":[0,4]}}", new byte[4]));
        Assert.Contains("65 dimensions, more than the 64", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
        // Never written either.
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(dir.File("w.safetensors"), [new NamedTensor("a", new int[65].Select(_ => 1).ToArray(), new float[1])]));
        Assert.Contains("65 dimensions", e.Message);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var bytes = HandBuilt.File(Good, new byte[12]);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length - 7);
        Assert.Contains("header length", ReadFails(bytes).Message);
    }

    [Fact]
    public void TruncatedDataNamesTheLastTensor()
    {
        var bytes = HandBuilt.File(Good, new byte[12]);
        var e = ReadFails(bytes[..^3]);
        Assert.Contains("tensor 'b'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TrailingBytesAfterTheLastTensor()
    {
        Assert.Contains("trailing", ReadFails(HandBuilt.File(Good, new byte[13])).Message);
    }

    [Fact]
    public void HeaderThatIsNotUtf8()
    {
        var bytes = HandBuilt.File("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        bytes[10] = 0xFF; // inside the name "a"
        Assert.Contains("UTF-8", ReadFails(bytes).Message);
    }

    [Theory]
    // Header JSON, data bytes, the tensor the message must name (or null), a fragment it must contain.
    [InlineData("", 0, null, "JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",", 0, null, "JSON")]
    [InlineData("{\"a\":1,}", 0, null, "JSON")]
    [InlineData("[1,2]", 0, null, "array, not an object")]
    [InlineData("\"text\"", 0, null, "string, not an object")]
    [InlineData("{\"a\":[0,4]}", 4, "a", "not an object")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "no \"dtype\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "a", "no \"shape\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "a", "no \"data_offsets\"")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "unknown dtype \"F33\"")]
    [InlineData("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "unknown dtype")]
    [InlineData("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "not a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,12]}}", 12, "a", "not an array")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "a", "non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "a", "non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4, "a", "non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", 4, "a", "non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "a", "overflows")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "a", "3 values")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "a", "end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "a", "span 8 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "(4 bytes)")]
    [InlineData("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, "a", "whole number of bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "more than once")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, null, "'a' more than once")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, "a", "beyond the end")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "overlap tensor 'a'")]
    [InlineData("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "b", "overlap tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "b", "overlap tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20, "b", "hole after byte 8")]
    [InlineData("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "hole after byte 0")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9, null, "trailing bytes")]
    [InlineData("{}", 4, null, "trailing bytes")]
    [InlineData("{\"__metadata__\":[\"pt\"]}", 0, null, "not an object of strings")]
    [InlineData("{\"__metadata__\":{\"format\":1}}", 0, null, "metadata 'format'")]
    public void MalformedHeaderIsRefused(string header, int dataBytes, string? tensor, string fragment)
    {
        var e = ReadFails(HandBuilt.File(header, new byte[dataBytes]));
        Assert.Contains(fragment, e.Message);
        if (tensor is not null) Assert.Contains($"tensor '{tensor}'", e.Message);
    }

    [Theory]
    // Accepted, as by the reference: unknown fields, null metadata, zero-size tensors sharing an offset.
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":true}}", 4)]
    [InlineData("{\"__metadata__\":null,\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"F16\",\"shape\":[2,0],\"data_offsets\":[4,4]}}", 4)]
    [InlineData("  {\"a\" : {\"shape\" : [ 1 ] , \"data_offsets\" : [0, 4], \"dtype\" : \"F32\"}}\n", 4)]
    public void UnusualButValidHeaderIsAccepted(string header, int dataBytes)
    {
        using var dir = new TempDirectory();
        string path = dir.File("ok.safetensors");
        File.WriteAllBytes(path, HandBuilt.File(header, new byte[dataBytes]));
        using var file = SafeTensors.Read(path);
        Assert.True(file.Contains("a"));
    }

    [Fact]
    public void EmptyFileNameIsAnArgumentErrorAndMissingFileIsAnIOError()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Read(""));
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Read(dir.File("missing.safetensors")));
    }

    [Fact]
    public void EveryTruncationOfAValidFileIsRefused()
    {
        byte[] full = HandBuilt.File("{\"__metadata__\":{\"k\":\"v\"}," + Good.Substring(1), new byte[12]);
        for (int length = 0; length < full.Length; length++)
            ReadFails(full[..length]);
    }
}
