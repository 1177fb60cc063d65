using System;
using System.Linq;
using NetCompiler;
using Xunit;
using static NetCompiler.Tests.Eager.GradCheck;

namespace NetCompiler.Tests.Eager;

/// <summary>Every eager op, loss and operator: forward against a float64 reference and gradients against central
/// finite differences of that reference, over rank 1-3 shapes, broadcasting, batched x unbatched operands and
/// batch 1 and 3.</summary>
public class OpsGradientTests
{
    // ---- along an axis --------------------------------------------------------------------------------------------

    private static double[] SoftmaxLine(double[] x)
    {
        double max = x.Max(), sum = x.Sum(v => Math.Exp(v - max));
        return x.Select(v => Math.Exp(v - max) / sum).ToArray();
    }

    [Theory, InlineData(1), InlineData(3)]
    public void ReductionsAndSoftmaxAlongAnAxis(int batch)
    {
        foreach (int axis in new[] { 0, 1, 2, -1, -3 })
        {
            Check($"sum axis {axis}", [B(batch, 2, 3, 4)], t => Ops.Sum(t[0], axis), x => AlongAxis(x[0], axis, l => [l.Sum()]));
            Check($"sum axis {axis} keepdim", [B(batch, 2, 3, 4)], t => Ops.Sum(t[0], axis, keepDim: true), x => AlongAxis(x[0], axis, l => [l.Sum()], keepDim: true));
            Check($"mean axis {axis}", [P(2, 3, 4)], t => Ops.Mean(t[0], axis), x => AlongAxis(x[0], axis, l => [l.Average()]));
            Check($"max axis {axis}", [B(batch, 2, 3, 4)], t => Ops.Max(t[0], axis), x => AlongAxis(x[0], axis, l => [l.Max()]));
            Check($"max axis {axis} keepdim", [P(2, 3, 4)], t => Ops.Max(t[0], axis, true), x => AlongAxis(x[0], axis, l => [l.Max()], keepDim: true));
            Check($"softmax axis {axis}", [B(batch, 2, 3, 4)], t => Ops.Softmax(t[0], axis), x => AlongAxis(x[0], axis, SoftmaxLine));
            Check($"log-softmax axis {axis}", [B(batch, 2, 3, 4)], t => Ops.LogSoftmax(t[0], axis),
                x => AlongAxis(x[0], axis, l => SoftmaxLine(l).Select(v => Math.Log(v)).ToArray()));
        }
        Check("max of the sample", [B(batch, 3, 4)], t => Ops.Max(t[0]), x => PerSample(x[0], l => l.Max()));
        Check("log-softmax last", [B(batch, 5)], t => Ops.LogSoftmax(t[0]), x => AlongAxis(x[0], -1, l => SoftmaxLine(l).Select(v => Math.Log(v)).ToArray()));
    }

    /// <summary>Float64 layer norm (or RMS norm without the mean) of x's last dimension, scaled by w and shifted by b.</summary>
    private static DT NormalizeRef(DT x, DT w, DT? b, double eps, bool layer)
    {
        int d = x.Shape[^1];
        var y = new DT(BatchOf(x, w), x.Shape);
        for (int s = 0; s < y.Samples; s++)
            for (int r = 0; r < x.N / d; r++)
            {
                var row = Enumerable.Range(0, d).Select(i => x.At(s, r * d + i)).ToArray();
                double mean = layer ? row.Average() : 0, rstd = 1 / Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average() + eps);
                for (int i = 0; i < d; i++) y.Ref(s, r * d + i) = (row[i] - mean) * rstd * w.At(s, i) + (b is null ? 0 : b.At(s, i));
            }
        return y;
    }

    [Theory, InlineData(1), InlineData(3)]
    public void LayerAndRmsNormalization(int batch)
    {
        Check("layer norm [T, D] with weight and bias", [B(batch, 3, 5), P(5), P(5)], t => Ops.LayerNormalize(t[0], t[1], t[2], 1e-5f),
            x => NormalizeRef(x[0], x[1], x[2], 1e-5, layer: true));
        Check("layer norm without bias, rank 1", [B(batch, 7), P(7)], t => Ops.LayerNormalize(t[0], t[1], null, 0.1f),
            x => NormalizeRef(x[0], x[1], null, 0.1, layer: true));
        Check("layer norm of a parameter, batched weight", [P(2, 4), B(batch, 4), P(4)], t => Ops.LayerNormalize(t[0], t[1], t[2]),
            x => NormalizeRef(x[0], x[1], x[2], 1e-5, layer: true));
        Check("rms norm", [B(batch, 2, 3, 6), P(6)], t => Ops.RmsNormalize(t[0], t[1], 1e-6f), x => NormalizeRef(x[0], x[1], null, 1e-6, layer: false));
    }

    // ---- operators -------------------------------------------------------------------------------------------

    [Theory, InlineData(1), InlineData(3)]
    public void AddBroadcasts(int batch)
    {
        Func<DT[], DT> add = x => Zip(x[0], x[1], (a, b) => a + b);
        Check("add same shape batched", [B(batch, 2, 3), B(batch, 2, 3)], t => t[0] + t[1], add);
        Check("add [T,D] + [D] param", [B(batch, 3, 4), P(4)], t => t[0] + t[1], add);
        Check("add [D] param + [T,D]", [P(4), B(batch, 3, 4)], t => t[0] + t[1], add);
        Check("add rank3 + rank2 param", [B(batch, 2, 3, 4), P(3, 4)], t => t[0] + t[1], add);
        Check("add rank3 + rank1 batched", [B(batch, 2, 3, 4), B(batch, 4)], t => t[0] + t[1], add);
        Check("add scalar param", [B(batch, 2, 3), P()], t => t[0] + t[1], add);
        Check("add batched scalar", [B(batch), B(batch, 2, 3)], t => t[0] + t[1], add);
        Check("add same shape unbatched", [P(2, 3), B(batch, 2, 3)], t => t[0] + t[1], add);
        Check("add both unbatched", [P(2, 3), P(3)], t => t[0] + t[1], add);
        Check("add per-sample scalars", [B(batch), P()], t => t[0] + t[1], add);
        Check("add self", [B(batch, 5)], t => t[0] + t[0], x => Map(x[0], v => 2 * v));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void SubtractBroadcasts(int batch)
    {
        Func<DT[], DT> sub = x => Zip(x[0], x[1], (a, b) => a - b);
        Check("sub same shape", [B(batch, 2, 3), B(batch, 2, 3)], t => t[0] - t[1], sub);
        Check("sub [T,D] - [D]", [B(batch, 3, 4), P(4)], t => t[0] - t[1], sub);
        Check("sub [D] - [T,D]", [P(4), B(batch, 3, 4)], t => t[0] - t[1], sub);
        Check("sub rank3 - batched rank2", [B(batch, 2, 3, 4), B(batch, 3, 4)], t => t[0] - t[1], sub);
        Check("sub scalar - tensor", [P(), B(batch, 2, 3)], t => t[0] - t[1], sub);
        Check("sub tensor - batched scalar", [B(batch, 2, 3), B(batch)], t => t[0] - t[1], sub);
    }

    [Theory, InlineData(1), InlineData(3)]
    public void MultiplyBroadcasts(int batch)
    {
        Func<DT[], DT> mul = x => Zip(x[0], x[1], (a, b) => a * b);
        Check("mul same shape", [B(batch, 2, 3), B(batch, 2, 3)], t => t[0] * t[1], mul);
        Check("mul [T,D] * [D]", [B(batch, 3, 4), P(4)], t => t[0] * t[1], mul);
        Check("mul [D] * [T,D]", [P(4), B(batch, 3, 4)], t => t[0] * t[1], mul);
        Check("mul rank3 * rank2 param", [B(batch, 2, 3, 4), P(3, 4)], t => t[0] * t[1], mul);
        Check("mul scalar param", [P(), B(batch, 2, 3)], t => t[0] * t[1], mul);
        Check("mul batched scalar", [B(batch, 2, 3), B(batch)], t => t[0] * t[1], mul);
        Check("mul unbatched * batched same shape", [P(2, 3), B(batch, 2, 3)], t => t[0] * t[1], mul);
        Check("mul self", [B(batch, 2, 3)], t => t[0] * t[0], x => Map(x[0], v => v * v));
        Check("mul constant operand", [B(batch, 3, 4), new In(0, [4], Grad: false)], t => t[0] * t[1], mul);
    }

    [Theory, InlineData(1), InlineData(3)]
    public void ScalarOperators(int batch)
    {
        const float c = 1.75f;
        In[] x = [B(batch, 2, 3)];
        Check("x + c", x, t => t[0] + c, r => Map(r[0], v => v + c));
        Check("c + x", x, t => c + t[0], r => Map(r[0], v => c + v));
        Check("x - c", x, t => t[0] - c, r => Map(r[0], v => v - c));
        Check("c - x", x, t => c - t[0], r => Map(r[0], v => c - v));
        Check("x * c", x, t => t[0] * c, r => Map(r[0], v => v * c));
        Check("c * x", x, t => c * t[0], r => Map(r[0], v => c * v));
        Check("x / c", x, t => t[0] / c, r => Map(r[0], v => v / c));
        Check("-x", x, t => -t[0], r => Map(r[0], v => -v));
        Check("-p", [P(3)], t => -t[0], r => Map(r[0], v => -v));
        Check("p / c", [P(2, 2)], t => t[0] / c, r => Map(r[0], v => v / c));
        Check("batched scalar * c", [B(batch)], t => t[0] * c, r => Map(r[0], v => v * c));
    }

    // ---- linear algebra --------------------------------------------------------------------------------------

    [Theory, InlineData(1), InlineData(3)]
    public void MatMulShapes(int batch)
    {
        Func<DT[], DT> mm = x => GradCheck.MatMul(x[0], x[1]);
        Check("matmul batched x param", [B(batch, 3, 4), P(4, 5)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul param x batched", [P(3, 4), B(batch, 4, 5)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul batched x batched", [B(batch, 3, 4), B(batch, 4, 2)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul param x param", [P(2, 3), P(3, 2)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul rank3 x param", [B(batch, 2, 3, 4), P(4, 5)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul rank3 x rank3", [B(batch, 2, 3, 4), B(batch, 2, 4, 3)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul rank2 x rank3", [B(batch, 3, 4), B(batch, 2, 4, 2)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul rank3 x batched rank2", [B(batch, 2, 3, 4), B(batch, 4, 2)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul row vector", [B(batch, 4), P(4, 3)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul column vector", [P(3, 4), B(batch, 4)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul column vector batched", [B(batch, 2, 3, 4), B(batch, 4)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul dot", [B(batch, 5), B(batch, 5)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul n=1", [B(batch, 3, 4), P(4, 1)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul k=1", [B(batch, 3, 1), P(1, 4)], t => Ops.MatMul(t[0], t[1]), mm);
        Check("matmul wide", [B(batch, 2, 20), P(20, 19)], t => Ops.MatMul(t[0], t[1]), mm);
    }

    [Theory, InlineData(1), InlineData(3)]
    public void TransposeSwapsLastTwo(int batch)
    {
        Check("transpose rank2", [B(batch, 3, 4)], t => Ops.Transpose(t[0]), x => GradCheck.Transpose(x[0]));
        Check("transpose rank3", [B(batch, 2, 3, 5)], t => Ops.Transpose(t[0]), x => GradCheck.Transpose(x[0]));
        Check("transpose param", [P(9, 10)], t => Ops.Transpose(t[0]), x => GradCheck.Transpose(x[0]));
        Check("transpose then matmul", [B(batch, 3, 4), B(batch, 3, 4)], t => Ops.MatMul(t[0], Ops.Transpose(t[1])),
            x => GradCheck.MatMul(x[0], GradCheck.Transpose(x[1])));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void LinearLayers(int batch)
    {
        Check("linear rank1", [B(batch, 4), P(3, 4), P(3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear rank2", [B(batch, 2, 4), P(3, 4), P(3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear rank3", [B(batch, 2, 2, 5), P(3, 5), P(3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear no bias", [B(batch, 2, 4), P(3, 4)], t => Ops.Linear(t[0], t[1], null), x => GradCheck.Linear(x[0], x[1], null));
        Check("linear wide", [B(batch, 17), P(9, 17), P(9)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear unbatched input", [P(4), P(3, 4), P(3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear batched weight", [B(batch, 2, 4), B(batch, 3, 4), P(3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("linear batched bias", [P(2, 4), P(3, 4), B(batch, 3)], t => Ops.Linear(t[0], t[1], t[2]), x => GradCheck.Linear(x[0], x[1], x[2]));
        Check("dense layer", [B(batch, 2, 4), P(3, 4), P(3)], t => new Dense(t[1], t[2]).Forward(t[0]), x => GradCheck.Linear(x[0], x[1], x[2]));
    }

    // ---- views -----------------------------------------------------------------------------------------------

    [Theory, InlineData(0), InlineData(1), InlineData(3)]
    public void SplitPiecesAddTheirGradientsIntoTheWhole(int batch)
    {
        // x [2, 4] cut along the last axis into 1 + 2 + 1; the pieces come back in another order through other ops:
        // y[r] = [3 x[r, 3], x[r, 0], x[r, 1]^2, x[r, 2]^2].
        Check("split", [new In(batch, [2, 4])], t =>
        {
            var (a, b, c) = Ops.Split(t[0], -1, 1, 2, 1);
            return Ops.Concat(Ops.Concat(c * 3f, a, 1), b * b, 1);
        }, x =>
        {
            var y = new DT(x[0].Batch, [2, 4]);
            for (int s = 0; s < y.Samples; s++)
                for (int r = 0; r < 2; r++)
                {
                    y.Ref(s, r * 4) = 3 * x[0].At(s, r * 4 + 3);
                    y.Ref(s, r * 4 + 1) = x[0].At(s, r * 4);
                    y.Ref(s, r * 4 + 2) = x[0].At(s, r * 4 + 1) * x[0].At(s, r * 4 + 1);
                    y.Ref(s, r * 4 + 3) = x[0].At(s, r * 4 + 2) * x[0].At(s, r * 4 + 2);
                }
            return y;
        });
    }

    // ---- reductions and element-wise functions ---------------------------------------------------------------

    [Theory, InlineData(1), InlineData(3)]
    public void Reductions(int batch)
    {
        Check("sum rank2", [B(batch, 3, 4)], t => Ops.Sum(t[0]), x => PerSample(x[0], v => v.Sum()));
        Check("sum rank3", [B(batch, 2, 3, 4)], t => Ops.Sum(t[0]), x => PerSample(x[0], v => v.Sum()));
        Check("sum param", [P(5)], t => Ops.Sum(t[0]), x => PerSample(x[0], v => v.Sum()));
        Check("sum scalar", [B(batch)], t => Ops.Sum(t[0]), x => PerSample(x[0], v => v.Sum()));
        Check("mean rank2", [B(batch, 3, 4)], t => Ops.Mean(t[0]), x => PerSample(x[0], v => v.Average()));
        Check("mean rank3", [B(batch, 2, 3, 4)], t => Ops.Mean(t[0]), x => PerSample(x[0], v => v.Average()));
        Check("mean param", [P(2, 3)], t => Ops.Mean(t[0]), x => PerSample(x[0], v => v.Average()));
    }

    public static TheoryData<string, int> ElementwiseCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Swish", "Silu", "Gelu", "GeluTanh", "Exp", "Log", "Sqrt", "Rsqrt", "Abs" })
            foreach (int batch in new[] { 1, 3 }) data.Add(name, batch);
        return data;
    }

    private static (Func<Tensor, Tensor>, Func<double, double>, bool, bool) Case(Func<Tensor, Tensor> op, Func<double, double> f, bool kink = false,
        bool positive = false) => (op, f, kink, positive);

    [Theory, MemberData(nameof(ElementwiseCases))]
    public void ElementwiseFunctions(string name, int batch)
    {
        (Func<Tensor, Tensor> op, Func<double, double> f, bool kink, bool positive) = name switch
        {
            "Sigmoid" => Case(Ops.Sigmoid, Sigmoid),
            "Tanh" => Case(Ops.Tanh, Math.Tanh),
            "Relu" => Case(Ops.Relu, v => Math.Max(0, v), kink: true),
            "LeakyRelu" => Case(x => Ops.LeakyRelu(x, 0.1f), v => v > 0 ? v : (double)0.1f * v, kink: true),
            "Swish" => Case(x => Ops.Swish(x, 1.5f), v => v * Sigmoid(1.5 * v)),
            "Silu" => Case(Ops.Silu, v => v * Sigmoid(v)),
            "Gelu" => Case(Ops.Gelu, v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))),
            "GeluTanh" => Case(Ops.GeluTanh, v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
            "Exp" => Case(Ops.Exp, Math.Exp),
            "Log" => Case(Ops.Log, Math.Log, positive: true),
            "Sqrt" => Case(Ops.Sqrt, Math.Sqrt, positive: true),
            "Rsqrt" => Case(Ops.Rsqrt, v => 1 / Math.Sqrt(v), positive: true),
            "Abs" => Case(Ops.Abs, Math.Abs, kink: true),
            _ => throw new ArgumentException(name),
        };
        var gen = positive ? Uniform(0.2, 4) : kink ? AwayFromZero(0.01, 3) : Uniform(-3, 3);
        // 37 elements per sample: exercises the Vector512, Vector256 and scalar-tail paths.
        Check(name + " rank2", [new In(batch, [37, 1], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
        Check(name + " rank3", [new In(batch, [2, 3, 4], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
        Check(name + " param", [new In(0, [5], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
    }

    [Fact]
    public void MathFunctionsAtTheEdgesOfTheirDomainsFollowPyTorch()
    {
        // No clamping: log(0) = -inf, log(-1) = NaN, sqrt(-1) = NaN, rsqrt(0) = +inf; the derivatives follow (PyTorch's).
        var x = Tensor.Constant(new[] { 0f, -1f, 4f }, 3);
        Assert.Equal(float.NegativeInfinity, Ops.Log(x).ToArray()[0]);
        Assert.True(float.IsNaN(Ops.Log(x).ToArray()[1]));
        Assert.True(float.IsNaN(Ops.Sqrt(x).ToArray()[1]));
        Assert.Equal(new[] { float.PositiveInfinity, 0.5f }, Ops.Rsqrt(x).ToArray().Where((_, i) => i != 1));
        // abs' is sign(x) with 0 at 0; sqrt' at 0 is +inf.
        var store = new ParameterStore(new[] { new ParameterInfo("p", 0, [3]) });
        new[] { 0f, -2f, 3f }.CopyTo(store.Values, 0);
        Ops.Sum(Ops.Abs(store["p"])).Backward();
        Assert.Equal(new[] { 0f, -1f, 1f }, store.Gradients);
        Array.Clear(store.Gradients);
        Ops.Sum(Ops.Sqrt(store["p"])).Backward();
        Assert.Equal(float.PositiveInfinity, store.Gradients[0]);
    }

    // ---- binary math and Where -------------------------------------------------------------------------------

    [Theory, InlineData(1), InlineData(3)]
    public void DivideBroadcasts(int batch)
    {
        Func<DT[], DT> div = x => Zip(x[0], x[1], (a, b) => a / b);
        var away = AwayFromZero(0.5, 2);
        Check("div same shape", [B(batch, 2, 3), new In(batch, [2, 3], Gen: away)], t => t[0] / t[1], div);
        Check("div [T,D] / [D] param", [B(batch, 3, 4), new In(0, [4], Gen: away)], t => t[0] / t[1], div);
        Check("div [D] / [T,D]", [P(4), new In(batch, [3, 4], Gen: away)], t => Ops.Div(t[0], t[1]), div);
        Check("div rank3 / rank2 param", [B(batch, 2, 3, 17), new In(0, [3, 17], Gen: away)], t => t[0] / t[1], div);
        Check("div by scalar param", [B(batch, 2, 3), new In(0, [], Gen: away)], t => t[0] / t[1], div);
        Check("div scalar by tensor", [P(), new In(batch, [2, 3], Gen: away)], t => t[0] / t[1], div);
        Check("div by batched scalar", [B(batch, 2, 3), new In(batch, [], Gen: away)], t => t[0] / t[1], div);
        Check("number / x", [new In(batch, [37], Gen: away)], t => 1.5f / t[0], x => Map(x[0], v => 1.5 / v));
        Check("div self", [new In(batch, [5], Gen: away)], t => t[0] / t[0], x => Map(x[0], _ => 1));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void MaximumAndMinimumBroadcast(int batch)
    {
        Func<DT[], DT> max = x => Zip(x[0], x[1], Math.Max), min = x => Zip(x[0], x[1], Math.Min);
        foreach (var (name, op, reference) in new[] { ("max", (Func<Tensor, Tensor, Tensor>)Ops.Maximum, max), ("min", Ops.Minimum, min) })
        {
            Check(name + " same shape", [B(batch, 2, 3), B(batch, 2, 3)], t => op(t[0], t[1]), reference);
            Check(name + " [T,D] and [D] param", [B(batch, 3, 4), P(4)], t => op(t[0], t[1]), reference);
            Check(name + " [D] param and [T,D]", [P(4), B(batch, 3, 4)], t => op(t[0], t[1]), reference);
            Check(name + " rank3 and rank2", [B(batch, 2, 3, 17), P(3, 17)], t => op(t[0], t[1]), reference);
            Check(name + " scalar param", [B(batch, 2, 3), P()], t => op(t[0], t[1]), reference);
            Check(name + " batched scalar", [B(batch), B(batch, 2, 3)], t => op(t[0], t[1]), reference);
        }
    }

    [Fact]
    public void MaximumAndMinimumSplitTheGradientOnTies()
    {
        // torch.maximum / torch.minimum: each operand gets half of dy where they are equal, all of it where it wins.
        var store = new ParameterStore(new[] { new ParameterInfo("a", 0, [3]), new ParameterInfo("b", 3, [3]) });
        new[] { 1f, 2f, 5f, 1f, 3f, 4f }.CopyTo(store.Values, 0);
        Ops.Sum(Ops.Maximum(store["a"], store["b"]) * 2f).Backward();
        Assert.Equal(new[] { 1f, 0f, 2f, 1f, 2f, 0f }, store.Gradients);
        Array.Clear(store.Gradients);
        Ops.Sum(Ops.Minimum(store["a"], store["b"]) * 2f).Backward();
        Assert.Equal(new[] { 1f, 2f, 0f, 1f, 0f, 2f }, store.Gradients);
        Array.Clear(store.Gradients);
        // Maximum(x, x): the two halves add up to the whole gradient.
        Ops.Sum(Ops.Maximum(store["a"], store["a"])).Backward();
        Assert.Equal(new[] { 1f, 1f, 1f, 0f, 0f, 0f }, store.Gradients);
        // NaN propagates forward.
        Assert.True(float.IsNaN(Ops.Maximum(Tensor.Scalar(float.NaN), Tensor.Scalar(1f)).ToArray()[0]));
        Assert.True(float.IsNaN(Ops.Minimum(Tensor.Scalar(1f), Tensor.Scalar(float.NaN)).ToArray()[0]));
    }

    private static DT WhereRef(DT m, DT a, DT b)
    {
        var shape = BroadcastShape(m.Shape, a.Shape, b.Shape);
        var y = new DT(BatchOf(m, a, b), shape);
        double At(DT x, int s, int i) => x.At(s, BroadcastIndex(shape, x.Shape, i));
        for (int s = 0; s < y.Samples; s++)
            for (int i = 0; i < y.N; i++)
                y.Ref(s, i) = At(m, s, i) != 0 ? At(a, s, i) : At(b, s, i);
        return y;
    }

    [Theory, InlineData(1), InlineData(3)]
    public void WhereSelectsAndBroadcasts(int batch)
    {
        Func<Random, double> bits = r => r.Next(2);
        In Mask(int b, params int[] shape) => new(b, shape, Grad: false, Gen: bits);
        Func<DT[], DT> where = x => WhereRef(x[0], x[1], x[2]);
        Check("where same shape", [Mask(batch, 2, 3), B(batch, 2, 3), B(batch, 2, 3)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where constant mask over rank3", [Mask(0, 3, 17), B(batch, 2, 3, 17), P(17)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where row mask", [Mask(0, 4), B(batch, 3, 4), B(batch, 3, 4)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where scalar branch", [Mask(batch, 2, 3), P(), B(batch, 2, 3)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where longest is a branch", [Mask(0, 3), P(3), B(batch, 2, 3)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where same branch", [Mask(batch, 5), B(batch, 5)], t => Ops.Where(t[0], t[1], t[1]), x => WhereRef(x[0], x[1], x[1]));
        Check("where number", [Mask(0, 3, 3), B(batch, 2, 3, 3)], t => Ops.Where(t[0], t[1], -7f),
            x => WhereRef(x[0], x[1], new DT(0, [], [-7])));
    }

    /// <summary>Broadcasting beyond a suffix (NumPy's rule): a 1 inside a shape, operands that broadcast each other, a
    /// leading 1, batched and unbatched sides; lengths of 17 and 20 take the vector paths with tails.</summary>
    [Theory, InlineData(1), InlineData(3)]
    public void BinaryOpsRepeatDimensionsOfOne(int batch)
    {
        var away = AwayFromZero(0.5, 2);
        var pairs = new (string Name, In A, In B)[]
        {
            ("[4,1] and [3]", B(batch, 4, 1), P(3)),
            ("[T,1] and [1,T]", B(batch, 5, 1), P(1, 5)),
            ("[1,T] and [T,1]", P(1, 17), B(batch, 17, 1)),
            ("[2,1,4] and [3,1]", B(batch, 2, 1, 4), P(3, 1)),
            ("[2,1,5] and [1,3,1]", P(2, 1, 5), B(batch, 1, 3, 1)),
            ("[3,1] and [1,20] batched", B(batch, 3, 1), B(batch, 1, 20)),
            ("[1] and [3,4]", P(1), B(batch, 3, 4)),
            ("[2,3,1] and [2,1,4] unbatched", P(2, 3, 1), P(2, 1, 4)),
        };
        foreach (var (name, a, b) in pairs)
        {
            Check("add " + name, [a, b], t => t[0] + t[1], x => Zip(x[0], x[1], (p, q) => p + q));
            Check("sub " + name, [a, b], t => t[0] - t[1], x => Zip(x[0], x[1], (p, q) => p - q));
            Check("mul " + name, [a, b], t => t[0] * t[1], x => Zip(x[0], x[1], (p, q) => p * q));
            Check("div " + name, [a, b with { Gen = away }], t => t[0] / t[1], x => Zip(x[0], x[1], (p, q) => p / q));
            Check("max " + name, [a, b], t => Ops.Maximum(t[0], t[1]), x => Zip(x[0], x[1], Math.Max));
            Check("min " + name, [a, b], t => Ops.Minimum(t[0], t[1]), x => Zip(x[0], x[1], Math.Min));
        }
    }

    [Theory, InlineData(1), InlineData(3)]
    public void WhereRepeatsDimensionsOfOne(int batch)
    {
        Func<Random, double> bits = r => r.Next(2);
        In Mask(int b, params int[] shape) => new(b, shape, Grad: false, Gen: bits);
        Func<DT[], DT> where = x => WhereRef(x[0], x[1], x[2]);
        Check("where [T,1] mask over rows", [Mask(batch, 3, 1), B(batch, 3, 17), P(1, 17)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where [1,T] mask, [T,1] and [T,T] branches", [Mask(0, 1, 5), B(batch, 5, 1), P(5, 5)], t => Ops.Where(t[0], t[1], t[2]), where);
        Check("where [2,1,4] mask, [3,1] and a number", [Mask(0, 2, 1, 4), B(batch, 3, 1)], t => Ops.Where(t[0], t[1], -7f),
            x => WhereRef(x[0], x[1], new DT(0, [], [-7])));
        Check("where all three broadcast", [Mask(batch, 4, 1, 1), P(1, 3, 1), B(batch, 1, 1, 6)], t => Ops.Where(t[0], t[1], t[2]), where);
    }

    [Fact]
    public void TriangleIsTheCausalMaskAndTakesNoGradient()
    {
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 0 }, Ops.Triangle(2, 3).ToArray());
        Assert.Equal(new float[] { 1, 0, 1, 1, 1, 1 }, Ops.Triangle(3, 2).ToArray());
        Assert.False(Ops.Triangle(2, 2).RequiresGrad);
        Assert.Throws<ArgumentException>(() => Ops.Triangle(0, 2));
        // Masking with -inf before a softmax: the upper triangle gets probability 0 and no gradient.
        var store = new ParameterStore(new[] { new ParameterInfo("s", 0, [3, 3]) });
        new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }.CopyTo(store.Values, 0);
        var p = Ops.Softmax(Ops.Where(Ops.Triangle(3, 3), store["s"], float.NegativeInfinity));
        var values = p.ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f }, values.Take(3));
        Assert.Equal(0f, values[5]);
        Ops.Sum(p * Tensor.Constant(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 3, 3)).Backward();
        Assert.All(new[] { 1, 2, 5 }, i => Assert.Equal(0f, store.Gradients[i]));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void SoftmaxOverLastDimension(int batch)
    {
        Check("softmax rank1", [B(batch, 5)], t => Ops.Softmax(t[0]), x => GradCheck.Softmax(x[0]));
        Check("softmax rank2", [B(batch, 3, 4)], t => Ops.Softmax(t[0]), x => GradCheck.Softmax(x[0]));
        Check("softmax rank3", [B(batch, 2, 3, 17)], t => Ops.Softmax(t[0]), x => GradCheck.Softmax(x[0]));
        Check("softmax param", [P(2, 3)], t => Ops.Softmax(t[0]), x => GradCheck.Softmax(x[0]));
        Check("softmax large logits", [new In(batch, [2, 4], Gen: Uniform(80, 90))], t => Ops.Softmax(t[0]), x => GradCheck.Softmax(x[0]));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void StepHasValuesAndNoGradient(int batch)
    {
        var ops = new GradCheck.Operands([new In(batch, [2, 5], Gen: AwayFromZero(0.01, 2))], seed: 3);
        var x = ops.Tensors[0];
        var y = Ops.Step(x);
        var xv = x.ToArray();
        Assert.Equal(xv.Select(v => v > 0 ? 1f : 0f), y.ToArray());
        // Nothing flows back through the step: the gradient of x stays zero.
        Ops.Sum(y * 2f).Backward();
        Assert.All(ops.Gradient(0), g => Assert.Equal(0f, g));
    }

    // ---- losses ----------------------------------------------------------------------------------------------

    private static readonly Func<Random, double> Probability = Uniform(0.05, 0.95);
    private static In Probs(int batch, params int[] shape) => new(batch, shape, Gen: Probability);

    [Theory, InlineData(1), InlineData(3)]
    public void BinaryCrossEntropyLoss(int batch)
    {
        Func<DT[], DT> bce = x => ElementLoss(x[0], x[1], (y, t) => t * Math.Log(y) + (1 - t) * Math.Log(1 - y), n => -1.0 / n);
        Check("bce rank1", [Probs(batch, 3), new In(batch, [3], Grad: false, Gen: Probability)], t => Ops.BinaryCrossEntropy(t[0], t[1]), bce);
        Check("bce rank2 soft target with grad", [Probs(batch, 2, 3), Probs(batch, 2, 3)], t => Ops.BinaryCrossEntropy(t[0], t[1]), bce);
        Check("bce rank3", [Probs(batch, 2, 2, 3), new In(batch, [2, 2, 3], Grad: false, Gen: r => r.Next(2))], t => Ops.BinaryCrossEntropy(t[0], t[1]), bce);
        Check("bce unbatched target", [Probs(batch, 4), new In(0, [4], Grad: false, Gen: r => r.Next(2))], t => Ops.BinaryCrossEntropy(t[0], t[1]), bce);
        Check("bce of sigmoid", [B(batch, 4), new In(batch, [4], Grad: false, Gen: r => r.Next(2))], t => Ops.BinaryCrossEntropy(Ops.Sigmoid(t[0]), t[1]),
            x => ElementLoss(Map(x[0], Sigmoid), x[1], (y, t) => t * Math.Log(y) + (1 - t) * Math.Log(1 - y), n => -1.0 / n));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void SquaredErrorLosses(int batch)
    {
        Func<DT[], DT> mse = x => ElementLoss(x[0], x[1], (y, t) => (y - t) * (y - t), n => 1.0 / n);
        Func<DT[], DT> quad = x => ElementLoss(x[0], x[1], (y, t) => (y - t) * (y - t), n => 0.5);
        Check("mse rank1", [B(batch, 3), new In(batch, [3], Grad: false)], t => Ops.MeanSquaredError(t[0], t[1]), mse);
        Check("mse rank2 target grad", [B(batch, 2, 3), B(batch, 2, 3)], t => Ops.MeanSquaredError(t[0], t[1]), mse);
        Check("mse rank3", [B(batch, 2, 2, 3), new In(batch, [2, 2, 3], Grad: false)], t => Ops.MeanSquaredError(t[0], t[1]), mse);
        Check("mse unbatched target", [B(batch, 4), P(4)], t => Ops.MeanSquaredError(t[0], t[1]), mse);
        Check("quadratic rank1", [B(batch, 3), new In(batch, [3], Grad: false)], t => Ops.QuadraticCost(t[0], t[1]), quad);
        Check("quadratic rank2 target grad", [B(batch, 2, 3), B(batch, 2, 3)], t => Ops.QuadraticCost(t[0], t[1]), quad);
        Check("quadratic rank3", [B(batch, 2, 2, 3), new In(batch, [2, 2, 3], Grad: false)], t => Ops.QuadraticCost(t[0], t[1]), quad);
    }

    private static In Classes(int batch, int classes, params int[] shape) => new(batch, shape, Grad: false, Gen: r => r.Next(classes));

    // Soft targets are uniform in [0, 1] without normalizing rows: the loss and its gradients are defined for any
    // targets, which checks the sum(t) factor of the logits' gradient.
    [Theory, InlineData(1), InlineData(3)]
    public void CrossEntropyLoss(int batch)
    {
        Func<DT[], DT> ce = x => GradCheck.CrossEntropy(x[0], x[1]);
        Check("ce indices rank1", [B(batch, 5), Classes(batch, 5, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce indices rank2", [B(batch, 3, 5), Classes(batch, 5, 3, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce indices rank3", [B(batch, 2, 3, 4), Classes(batch, 4, 2, 3, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce indices wide", [B(batch, 2, 19), Classes(batch, 19, 2, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce probabilities rank1", [B(batch, 5), new In(batch, [5], Grad: false, Gen: Uniform(0, 1))], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce probabilities rank2 target grad", [B(batch, 3, 4), new In(batch, [3, 4], Gen: Uniform(0, 1))], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce probabilities rank3", [B(batch, 2, 2, 3), new In(batch, [2, 2, 3], Grad: false, Gen: Uniform(0, 1))], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce unbatched target", [B(batch, 2, 3), new In(0, [2, 1], Grad: false, Gen: r => r.Next(3))], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce param logits", [P(2, 3), Classes(batch, 3, 2, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce large logits", [new In(batch, [2, 4], Gen: Uniform(-90, 90)), Classes(batch, 4, 2, 1)], t => Ops.CrossEntropy(t[0], t[1]), ce);
        Check("ce of linear", [B(batch, 2, 4), P(3, 4), P(3), Classes(batch, 3, 2, 1)], t => Ops.CrossEntropy(Ops.Linear(t[0], t[1], t[2]), t[3]),
            x => GradCheck.CrossEntropy(GradCheck.Linear(x[0], x[1], x[2]), x[3]));
    }

    // ---- a composite: a small pre-norm-free attention-like block -----------------------------------------------

    [Theory, InlineData(1), InlineData(3)]
    public void CompositeAttentionLikeBlock(int batch)
    {
        // y = x + softmax(q k^T / 2) v with q = x Wq, v = x Wv, k = x: exercises tape fan-out and broadcasting together.
        Check("attention-like", [B(batch, 3, 4), P(4, 4), P(4, 4)],
            t => t[0] + Ops.MatMul(Ops.Softmax(Ops.MatMul(Ops.MatMul(t[0], t[1]), Ops.Transpose(t[0])) / 2f), Ops.MatMul(t[0], t[2])),
            x =>
            {
                var q = GradCheck.MatMul(x[0], x[1]);
                var s = Map(GradCheck.MatMul(q, GradCheck.Transpose(x[0])), v => v / 2);
                return Zip(x[0], GradCheck.MatMul(GradCheck.Softmax(s), GradCheck.MatMul(x[0], x[2])), (a, b) => a + b);
            });
    }
}
