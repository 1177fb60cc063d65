using System;
using System.Runtime.Intrinsics;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.MathFunctions;

/// <summary>ScalarMath, the approximations generated scalar code calls, must give exactly what a lane of the
/// Vector512 and Vector256 kernels gives for the same input (so a compiled scalar element and a vectorized one
/// never differ), over SimdMathTests' inputs: grid, every binade, random bit patterns and the special values.
/// The accuracy of those approximations against MathF is SimdMathTests' subject.</summary>
public sealed class ScalarMathTests
{
    private delegate float Scalar(float x);
    private delegate Vector512<float> Wide(Vector512<float> x);
    private delegate Vector256<float> Half(Vector256<float> x);

    public static TheoryData<string> Functions => new() { "Exp", "Log", "Tanh", "Sigmoid", "Gelu", "GeluTanh", "Swish", "GeluGrad", "GeluTanhGrad", "SwishGrad" };

    [Theory]
    [MemberData(nameof(Functions))]
    public void MatchesEveryLaneOfTheVectorKernelsBitForBit(string name)
    {
        var (scalar, wide, half) = Of(name);
        float[] x = SimdMathTests.VectorInputs;   // a multiple of 16 long
        int checkedCount = 0;
        for (int i = 0; i < x.Length; i += 16)
        {
            var w = wide(Vector512.LoadUnsafe(ref x[i]));
            var h0 = half(Vector256.LoadUnsafe(ref x[i]));
            var h1 = half(Vector256.LoadUnsafe(ref x[i + 8]));
            for (int lane = 0; lane < 16; lane++)
            {
                float got = scalar(x[i + lane]);
                float fromHalf = lane < 8 ? h0.GetElement(lane) : h1.GetElement(lane - 8);
                if (!Same(got, w.GetElement(lane)) || !Same(got, fromHalf))
                    Assert.Fail($"{name}({x[i + lane]:R}): ScalarMath gives {got:R}, Vector512 {w.GetElement(lane):R}, Vector256 {fromHalf:R}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 1000, $"only {checkedCount} inputs checked");
    }

    [Fact]
    public void KeepsTheSpecialValuesOfTheVectorKernels()
    {
        Assert.Equal(0f, ScalarMath.Exp(float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, ScalarMath.Exp(100f));
        Assert.Equal(float.NegativeInfinity, ScalarMath.Log(0f));
        Assert.True(float.IsNaN(ScalarMath.Log(-1f)));
        Assert.Equal(-1f, ScalarMath.Tanh(float.NegativeInfinity));
        Assert.True(float.IsNegative(ScalarMath.Tanh(-0f)));
        Assert.Equal(1f, ScalarMath.Sigmoid(float.PositiveInfinity));
        Assert.True(float.IsNaN(ScalarMath.Sigmoid(float.NaN)));
    }

    /// <summary>Same bits, or both NaN (a NaN's payload is not part of the contract).</summary>
    private static bool Same(float a, float b) =>
        BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));

    private static (Scalar, Wide, Half) Of(string name) => name switch
    {
        "Exp" => (ScalarMath.Exp, SimdMath.Exp, SimdMath.Exp),
        "Log" => (ScalarMath.Log, SimdMath.Log, SimdMath.Log),
        "Tanh" => (ScalarMath.Tanh, SimdMath.Tanh, SimdMath.Tanh),
        "Sigmoid" => (ScalarMath.Sigmoid, SimdMath.Sigmoid, SimdMath.Sigmoid),
        "Gelu" => (ScalarMath.Gelu, SimdMath.Gelu, SimdMath.Gelu),
        "GeluTanh" => (ScalarMath.GeluTanh, SimdMath.GeluTanh, SimdMath.GeluTanh),
        "Swish" => (x => ScalarMath.Swish(x, 1.5f), x => SimdMath.Swish(x, 1.5f), x => SimdMath.Swish(x, 1.5f)),
        "GeluGrad" => (ScalarMath.GeluGrad, SimdMath.GeluGrad, SimdMath.GeluGrad),
        "GeluTanhGrad" => (ScalarMath.GeluTanhGrad, SimdMath.GeluTanhGrad, SimdMath.GeluTanhGrad),
        "SwishGrad" => (x => ScalarMath.SwishGrad(x, 1.5f), x => SimdMath.SwishGrad(x, 1.5f), x => SimdMath.SwishGrad(x, 1.5f)),
        _ => throw new ArgumentException(name),
    };
}
