using System;
using System.IO;
using System.Linq;
using NetCompiler;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Checkpoints;

/// <summary>Files laid out the way <c>safetensors.torch.save_file</c> writes them: tensors sorted by dtype (widest
/// first) then name, <c>__metadata__</c> first with <c>{"format":"pt"}</c>, and mixed dtypes.</summary>
public class SafeTensorsPyTorchTests
{
    // F16 bit patterns: 1, -2, 65504 (max), smallest subnormal, -0, +inf, a quiet NaN with payload, 0.1 (rounded).
    private static readonly ushort[] HalfBits = { 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x7E01, 0x2E66 };
    // BF16 bit patterns: 1, -2, -inf, NaN with payload, smallest subnormal, 3.140625, largest finite.
    private static readonly ushort[] BFloatBits = { 0x3F80, 0xC000, 0xFF80, 0x7FC1, 0x0001, 0x4049, 0x7F7F, 0x8000 };
    private static readonly float[] Weight = { 0.5f, -1.25f, 3f, float.Epsilon, -0f, 1e-3f };
    private static readonly float[] Bias = { 7f, 8f, 9f };

    /// <summary>PyTorch's order: F32 ("a.bias", "z.weight"), then BF16 ("g.bf"), then F16 ("h.half"); data in that order.</summary>
    private static byte[] PyTorchStyleFile(bool pad, bool shuffleHeader)
    {
        string[] entries =
        {
            "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}",
            "\"z.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[12,36]}",
            "\"g.bf\":{\"dtype\":\"BF16\",\"shape\":[2,4],\"data_offsets\":[36,52]}",
            "\"h.half\":{\"dtype\":\"F16\",\"shape\":[8],\"data_offsets\":[52,68]}",
        };
        // Old writers listed entries in other orders (e.g. by name); the offsets alone define the layout.
        if (shuffleHeader) entries = new[] { entries[3], entries[1], entries[0], entries[2] };
        string header = "{\"__metadata__\":{\"format\":\"pt\"}," + string.Join(",", entries) + "}";
        return HandBuilt.File(header,
            HandBuilt.Concat(HandBuilt.F32(Bias), HandBuilt.F32(Weight), HandBuilt.U16(BFloatBits), HandBuilt.U16(HalfBits)), pad);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void PyTorchStyleFileIsReadCorrectly(bool pad, bool shuffleHeader)
    {
        using var dir = new TempDirectory();
        string path = dir.File("torch.safetensors");
        File.WriteAllBytes(path, PyTorchStyleFile(pad, shuffleHeader));

        using var file = SafeTensors.Read(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Single(file.Metadata);
        Assert.Equal(new[] { "a.bias", "z.weight", "g.bf", "h.half" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { "F32", "F32", "BF16", "F16" }, file.Tensors.Select(t => t.DType));
        Assert.Equal(new long[] { 2, 3 }, file.Get("z.weight").Shape);
        Assert.Equal(36, file.Get("g.bf").DataBegin);
        Assert.Equal(52, file.Get("g.bf").DataEnd);

        Assert.Equal(FloatBits.Of(Bias), FloatBits.Of(file.ReadFloats("a.bias")));
        Assert.Equal(FloatBits.Of(Weight), FloatBits.Of(file.ReadFloats("z.weight")));

        float[] half = file.ReadFloats("h.half");
        Assert.Equal(new[] { 1f, -2f, 65504f, MathF.Pow(2, -24) }, half[..4]);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(half[4]));
        Assert.Equal(float.PositiveInfinity, half[5]);
        Assert.True(float.IsNaN(half[6]));
        Assert.Equal(0.0999755859375f, half[7]);

        float[] bf = file.ReadFloats("g.bf");
        Assert.Equal(new[] { 1f, -2f, float.NegativeInfinity }, bf[..3]);
        Assert.Equal(0x7FC10000, BitConverter.SingleToInt32Bits(bf[3])); // payload kept
        Assert.Equal(MathF.Pow(2, -133), bf[4]);
        Assert.Equal(3.140625f, bf[5]);
        Assert.Equal(BitConverter.Int32BitsToSingle(0x7F7F0000), bf[6]);
    }

    /// <summary>Independent IEEE 754 binary16 -> binary32 widening by bit manipulation.</summary>
    private static int HalfToSingleBits(ushort h)
    {
        int sign = (h >> 15) << 31, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
        if (exponent == 0x1F) return sign | 0x7F800000 | (mantissa << 13);          // inf / NaN, payload kept
        if (exponent != 0) return sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
        // Zero or subnormal: mantissa * 2^-24 is exact in float.
        return sign | BitConverter.SingleToInt32Bits(mantissa * MathF.Pow(2, -24));
    }

    [Fact]
    public void EveryHalfAndBFloat16ValueConvertsExactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("all16.safetensors");
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        File.WriteAllBytes(path, HandBuilt.File(
            "{\"half\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0,131072]}," +
            "\"bf\":{\"dtype\":\"BF16\",\"shape\":[65536],\"data_offsets\":[131072,262144]}}",
            HandBuilt.Concat(HandBuilt.U16(all), HandBuilt.U16(all))));

        using var file = SafeTensors.Read(path);
        float[] half = file.ReadFloats("half");
        float[] bf = file.ReadFloats("bf");
        for (int i = 0; i < 65536; i++)
        {
            ushort bits = (ushort)i;
            float viaSystemHalf = (float)BitConverter.UInt16BitsToHalf(bits);
            if (float.IsNaN(viaSystemHalf))
            {
                Assert.True(float.IsNaN(half[i]), $"F16 0x{bits:X4}");
                Assert.Equal(bits >> 15, BitConverter.SingleToInt32Bits(half[i]) >>> 31);
            }
            else
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(viaSystemHalf), BitConverter.SingleToInt32Bits(half[i]));
                Assert.Equal(HalfToSingleBits(bits), BitConverter.SingleToInt32Bits(half[i]));
            }
            // bfloat16 is the top 16 bits of a float32.
            Assert.Equal(i << 16, BitConverter.SingleToInt32Bits(bf[i]));
        }
    }

    [Fact]
    public void Float64IsRoundedToNearestFloat()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f64.safetensors");
        double[] values = { 1.0 / 3.0, -0.0, 1e300, -1e300, 1e-50, double.NaN, 16777217.0, Math.PI };
        File.WriteAllBytes(path, HandBuilt.File(
            "{\"d\":{\"dtype\":\"F64\",\"shape\":[8],\"data_offsets\":[0,64]}}", HandBuilt.F64(values)));

        using var file = SafeTensors.Read(path);
        float[] read = file.ReadFloats("d");
        Assert.Equal(values.Select(v => BitConverter.SingleToInt32Bits((float)v)), FloatBits.Of(read));
        Assert.Equal(float.PositiveInfinity, read[2]);
        Assert.Equal(16777216f, read[6]);
    }

    [Fact]
    public void OtherDTypesValidateButCannotBeReadAsFloats()
    {
        using var dir = new TempDirectory();
        string path = dir.File("ints.safetensors");
        File.WriteAllBytes(path, HandBuilt.File(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," +
            "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]}," +
            "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[12,15]}," +
            "\"packed\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[15,16]}}",
            new byte[16]));

        using var file = SafeTensors.Read(path);
        Assert.Equal(new[] { "w", "step", "mask", "packed" }, file.Tensors.Select(t => t.Name));
        var step = file.Get("step");
        Assert.Equal("I64", step.DType);
        Assert.False(step.CanReadFloats);
        var e = Assert.Throws<InvalidDataException>(() => file.ReadFloats("step", new float[1]));
        Assert.Contains(path, e.Message);
        Assert.Contains("'step'", e.Message);
        Assert.Contains("I64", e.Message);
        Assert.Throws<InvalidDataException>(() => file.ReadFloats("mask"));
        Assert.Equal(new[] { 0f }, file.ReadFloats("w"));
    }
}
