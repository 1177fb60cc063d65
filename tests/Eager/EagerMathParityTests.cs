using System;
using NetCompiler;
using NetCompiler.Tests.MathFunctions;
using Xunit;

namespace NetCompiler.Tests.Eager;

/// <summary>The interpreted path computes, bit for bit, what the compiled path's calls compute: for an element-wise op,
/// the function generated code calls (generator/Ops/Activations.cs: ScalarMath for a transcendental on one element,
/// SimdMath's float overload for the exact ones, SimdMath at every vector width; ScalarMathTests shows those agree lane
/// for lane), forward and backward, at every length 0..70 (each Vector512, Vector256 and Vector128 body and tail) and
/// over SimdMathTests' inputs (grid, binades, random bits, +-0, +-large, NaN, +-Inf); for softmax and the losses, the
/// formulas generated code writes. The ISA mode is the process's: CI runs the suite in all three.</summary>
public sealed class EagerMathParityTests
{
    /// <summary>An eager op and what generated code calls for it: f(x), and f' from the input x or the output y.</summary>
    private sealed record Activation(Func<Tensor, Tensor> Op, Func<float, float> F, Func<float, float, float>? Derivative);

    public static TheoryData<string> Activations => new() { "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Swish", "Silu", "Gelu", "GeluTanh", "Step" };

    private static Activation Of(string name) => name switch
    {
        "Sigmoid" => new(Ops.Sigmoid, ScalarMath.Sigmoid, (x, y) => SimdMath.SigmoidGradFromOutput(y)),
        "Tanh" => new(Ops.Tanh, ScalarMath.Tanh, (x, y) => SimdMath.TanhGradFromOutput(y)),
        "Relu" => new(Ops.Relu, SimdMath.Relu, (x, y) => SimdMath.ReluGrad(y)),
        "LeakyRelu" => new(t => Ops.LeakyRelu(t, 0.1f), x => SimdMath.LeakyRelu(x, 0.1f), (x, y) => SimdMath.LeakyReluGrad(x, 0.1f)),
        "Swish" => new(t => Ops.Swish(t, 1.5f), x => ScalarMath.Swish(x, 1.5f), (x, y) => ScalarMath.SwishGrad(x, 1.5f)),
        "Silu" => new(Ops.Silu, x => ScalarMath.Swish(x, 1f), (x, y) => ScalarMath.SwishGrad(x, 1f)),
        "Gelu" => new(Ops.Gelu, ScalarMath.Gelu, (x, y) => ScalarMath.GeluGrad(x)),
        "GeluTanh" => new(Ops.GeluTanh, ScalarMath.GeluTanh, (x, y) => ScalarMath.GeluTanhGrad(x)),
        "Step" => new(Ops.Step, SimdMath.Step, null),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Activations))]
    public void EveryLengthGivesTheCompiledPathsBits(string name)
    {
        var activation = Of(name);
        float[] pool = SimdMathTests.Inputs;   // the specials first, then grid, binades and random bits
        for (int n = 1; n <= 70; n++)
        {
            // The specials shifted through every lane and tail position, then a window of ordinary inputs.
            Check(activation, pool.AsSpan(n % 64, n), name);
            Check(activation, pool.AsSpan(64 + n * 601 % (pool.Length - 134), n), name);
        }
    }

    [Theory, MemberData(nameof(Activations))]
    public void AllSimdMathInputsGiveTheCompiledPathsBits(string name) =>
        Check(Of(name), SimdMathTests.VectorInputs.AsSpan(0, SimdMathTests.VectorInputs.Length - 1), name);   // 16k - 1: a tail at every width

    [Fact]
    public void TheDriversWriteExactlyTheirLength()
    {
        for (int n = 0; n <= 70; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = i - 30.5f;
            var y = new float[n + 1];
            y[n] = 42f;
            Kernels.Map(new TanhKernel(), x, y);
            Kernels.MultiplyAccumulate(new TanhGradKernel(), x, x, y);
            Assert.Equal(42f, y[n]);
            for (int i = 0; i < n; i++)
                Assert.Equal(ScalarMath.Tanh(x[i]) + x[i] * SimdMath.TanhGradFromOutput(x[i]), y[i]);
        }
    }

    /// <summary>Rows of two classes (a sum of two terms has one order, so the whole formula must agree to the bit):
    /// softmax exp(x - max) * (1 / sum); cross-entropy max + log(sum) - x[label] and its gradient
    /// (scale / sum) exp(x - max) - scale onehot; binary cross-entropy -(t max(log y, -100) + (1 - t) max(log(1 - y),
    /// -100)) and its gradient scale (y - t) / max(y (1 - y), 1e-12) (generator/Ops/Softmax.cs, CrossEntropy.cs and
    /// BinaryCrossEntropy.cs).</summary>
    [Fact]
    public void SoftmaxAndLossesUseTheCompiledPathsFormulas()
    {
        var rng = new Random(7);
        for (int k = 0; k < 2000; k++)
        {
            float a = (float)(rng.NextDouble() * 60 - 30), b = k % 10 == 0 ? a : (float)(rng.NextDouble() * 60 - 30);
            int label = k % 2;
            float max = MathF.Max(a, b), ea = ScalarMath.Exp(a - max), eb = ScalarMath.Exp(b - max), sum = ea + eb;

            var softmax = Ops.Softmax(Tensor.Constant([a, b], 2)).Values;
            Assert.Equal(Bits(ea * (1f / sum), eb * (1f / sum)), Bits(softmax[0], softmax[1]));

            var logits = Parameter(a, b);
            var ce = Ops.CrossEntropy(logits["z"], Tensor.Constant([label], 1));
            ce.Backward();
            Assert.Equal(Bits(max + ScalarMath.Log(sum) - (label == 0 ? a : b)), Bits(ce.Values[0]));
            float factor = 1f / sum;
            float[] dz = [0f + factor * ea, 0f + factor * eb];
            dz[label] -= 1f;
            Assert.Equal(Bits(dz), Bits(logits.Gradients));

            float y = (float)rng.NextDouble(), t = k % 3 == 0 ? 1f : (float)rng.NextDouble();
            var probability = Parameter(y);
            var bce = Ops.BinaryCrossEntropy(probability["z"], Tensor.Constant([t], 1));
            bce.Backward();
            float term = t * MathF.Max(ScalarMath.Log(y), -100f) + (1f - t) * MathF.Max(ScalarMath.Log(1f - y), -100f);
            Assert.Equal(Bits(-(0f + term) * 1f), Bits(bce.Values[0]));
            Assert.Equal(Bits(0f + 1f * (y - t) / MathF.Max(y * (1f - y), 1e-12f)), Bits(probability.Gradients));
        }
    }

    /// <summary>y = op(x) against f(x), and dx after a backward pass with dy = w (distinct per element) against
    /// 0 + w f'(x, y), both bit for bit (NaN payloads aside).</summary>
    private static void Check(Activation activation, ReadOnlySpan<float> x, string name)
    {
        int n = x.Length;
        var store = new ParameterStore([new ParameterInfo("x", 0, [n])]);
        x.CopyTo(store.Values);
        var y = activation.Op(store["x"]);
        var w = new float[n];
        for (int i = 0; i < n; i++)
        {
            w[i] = 0.5f + i % 7 * 0.25f;
            float want = activation.F(x[i]);
            if (!Same(want, y.Values[i])) Assert.Fail($"{name}({x[i]:R}) at {i} of {n}: eager {y.Values[i]:R}, compiled path {want:R}");
        }
        if (activation.Derivative is null) return;
        Ops.Sum(y * Tensor.Constant(w, n)).Backward();
        for (int i = 0; i < n; i++)
        {
            float want = 0f + w[i] * activation.Derivative(x[i], y.Values[i]);
            if (!Same(want, store.Gradients[i])) Assert.Fail($"d{name}({x[i]:R}) at {i} of {n}: eager {store.Gradients[i]:R}, compiled path {want:R}");
        }
    }

    private static ParameterStore Parameter(params float[] values)
    {
        var store = new ParameterStore([new ParameterInfo("z", 0, [values.Length])]);
        values.CopyTo(store.Values, 0);
        return store;
    }

    private static int[] Bits(params float[] values) => TestSupport.FloatBits.Of(values);

    private static bool Same(float a, float b) =>
        BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));
}
