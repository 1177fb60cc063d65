using System;
using System.Collections.Generic;
using System.IO;
using NetCompiler;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Checkpoints;

public class SafeTensorsRoundTripTests
{
    private static readonly float[] Special =
    {
        BitConverter.Int32BitsToSingle(0x7FC01234),          // quiet NaN with a payload
        BitConverter.Int32BitsToSingle(unchecked((int)0xFF800001)), // negative signalling NaN
        -0f, 0f,
        float.Epsilon,                                       // smallest denormal
        BitConverter.Int32BitsToSingle(0x007FFFFF),          // largest denormal
        float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity,
        1f / 3f,
    };

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    [Fact]
    public void SeveralTensorsAndMetadataRoundTripBitExactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var tensors = new List<NamedTensor>
        {
            new("scalar", Array.Empty<int>(), new[] { 3.5f }),
            new("special", new[] { Special.Length }, Special),
            new("layer.weight", new[] { 3, 4 }, Random(12, 1)),
            new("empty", new[] { 0, 3 }, Array.Empty<float>()),
            new("層.重み", new[] { 2, 1, 2 }, Random(4, 2)),
            new("bias", new[] { 4 }, Random(4, 3)),
        };
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["説明"] = "日本語のテキスト, émoji 😀",
            ["tricky"] = "quote \" backslash \\ newline \n tab \t nul \0 end",
        };

        SafeTensors.Write(path, tensors, metadata);
        using var file = SafeTensors.Read(path);

        Assert.Equal(path, file.Path);
        Assert.Equal(metadata.Count, file.Metadata.Count);
        foreach (var (key, value) in metadata) Assert.Equal(value, file.Metadata[key]);

        // Tensors come back in data order, which for our writer is the order given.
        Assert.Equal(tensors.ConvertAll(t => t.Name), new List<SafeTensorInfo>(file.Tensors).ConvertAll(t => t.Name));
        foreach (var t in tensors)
        {
            Assert.True(file.Contains(t.Name));
            var info = file.Get(t.Name);
            Assert.Equal("F32", info.DType);
            Assert.True(info.HasShape(t.Shape));
            Assert.Equal(t.Data.Length, info.ElementCount);
            Assert.Equal(4L * t.Data.Length, info.ByteLength);
            Assert.True(info.CanReadFloats);

            var back = new float[t.Data.Length];
            file.ReadFloats(t.Name, back);
            Assert.Equal(FloatBits.Of(t.Data.Span), FloatBits.Of(back));
            Assert.Equal(FloatBits.Of(t.Data.Span), FloatBits.Of(file.ReadFloats(t.Name)));
        }
        Assert.Empty(file.Get("scalar").Shape);
        Assert.Equal(1, file.Get("scalar").ElementCount);
        Assert.Equal("[0, 3]", file.Get("empty").ShapeText);
    }

    [Fact]
    public void NoTensorsAndNoMetadataRoundTrip()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.safetensors");
        SafeTensors.Write(path, Array.Empty<NamedTensor>());
        using var file = SafeTensors.Read(path);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
        // The reference writer's bytes for an empty dict: "{}" padded to 8.
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void LargeTensorRoundTripsAndDataMayBeASliceOfABiggerArray()
    {
        using var dir = new TempDirectory();
        string path = dir.File("big.safetensors");
        var storage = Random(8_000_001, 4); // 32 MB
        var tensors = new[]
        {
            new NamedTensor("head", new[] { 1 }, storage.AsMemory(0, 1)),
            new NamedTensor("big", new[] { 2000, 4000 }, storage.AsMemory(1, 8_000_000)),
        };
        SafeTensors.Write(path, tensors);

        using var file = SafeTensors.Read(path);
        var big = file.ReadFloats("big");
        Assert.True(storage.AsSpan(1).SequenceEqual(big));
        Assert.Equal(storage[0], file.ReadFloats("head")[0]);
    }

    [Fact]
    public void AFileOver2GBIsReadTensorByTensor()
    {
        using var dir = new TempDirectory();
        // 8.8 GB of F32, more than one array can hold, then a small tensor: sparse, so only the ends are written.
        const long Huge = 2_200_000_000, HugeBytes = 4 * Huge;
        byte[] head = HandBuilt.File(
            $"{{\"huge\":{{\"dtype\":\"F32\",\"shape\":[{Huge}],\"data_offsets\":[0,{HugeBytes}]}}," +
            $"\"w\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[{HugeBytes},{HugeBytes + 8}]}}}}", []);
        string path = dir.WriteSparse("big.safetensors", head.Length + HugeBytes + 8, (0, head), (head.Length + HugeBytes, HandBuilt.F32(1.5f, -2f)));

        long allocated = Allocated.By(() =>
        {
            using var file = SafeTensors.Read(path);
            Assert.Equal(new[] { 1.5f, -2f }, file.ReadFloats("w"));
            Assert.Equal(Huge, file.Get("huge").ElementCount);
            var e = Assert.Throws<InvalidDataException>(() => file.ReadFloats("huge"));
            Assert.Contains(path, e.Message);
            Assert.Contains("'huge'", e.Message);
        });
        Assert.True(allocated < 1 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void AnOpenFileReadsWhatWasValidatedEvenAfterItIsReplaced()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, [new NamedTensor("a", [2], new[] { 1f, 2f })]);
        using var file = SafeTensors.Read(path);
        SafeTensors.Write(path, [new NamedTensor("a", [2], new[] { 3f, 4f })]);

        Assert.Equal(new[] { 1f, 2f }, file.ReadFloats("a"));
        using (var replaced = SafeTensors.Read(path)) Assert.Equal(new[] { 3f, 4f }, replaced.ReadFloats("a"));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloats("a"));
    }

    [Fact]
    public void OverwritingReplacesTheFileAndLeavesNothingElse()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, new[] { new NamedTensor("a", new[] { 2 }, new[] { 1f, 2f }) });
        SafeTensors.Write(path, new[] { new NamedTensor("b", new[] { 1 }, new[] { 5f }) }, new Dictionary<string, string> { ["step"] = "2" });

        using var file = SafeTensors.Read(path);
        Assert.False(file.Contains("a"));
        Assert.Equal(new[] { 5f }, file.ReadFloats("b"));
        Assert.Equal("2", file.Metadata["step"]);
        Assert.Equal(new[] { "model.safetensors" }, dir.Entries());
    }

    [Fact]
    public void MissingTensorNamesTheFileAndListsSomeNames()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var tensors = new List<NamedTensor>();
        for (int i = 0; i < 15; i++) tensors.Add(new NamedTensor($"t{i:D2}", new[] { 1 }, new[] { (float)i }));
        SafeTensors.Write(path, tensors);
        using var file = SafeTensors.Read(path);

        var e = Assert.Throws<KeyNotFoundException>(() => file.Get("nope"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("'t00'", e.Message);
        Assert.Contains("15 in all", e.Message);
        Assert.Throws<KeyNotFoundException>(() => file.ReadFloats("nope", new float[1]));
    }

    [Fact]
    public void DestinationOfWrongLengthIsRejected()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, new[] { new NamedTensor("w", new[] { 2, 3 }, new float[6]) });
        using var file = SafeTensors.Read(path);
        var e = Assert.Throws<ArgumentException>(() => file.ReadFloats("w", new float[5]));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }
}
