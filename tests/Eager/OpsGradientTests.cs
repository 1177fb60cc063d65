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
        foreach (var name in new[] { "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Swish", "Silu", "Gelu", "GeluTanh" })
            foreach (int batch in new[] { 1, 3 }) data.Add(name, batch);
        return data;
    }

    private static (Func<Tensor, Tensor>, Func<double, double>, bool) Case(Func<Tensor, Tensor> op, Func<double, double> f, bool kink = false) => (op, f, kink);

    [Theory, MemberData(nameof(ElementwiseCases))]
    public void ElementwiseFunctions(string name, int batch)
    {
        (Func<Tensor, Tensor> op, Func<double, double> f, bool kink) = name switch
        {
            "Sigmoid" => Case(Ops.Sigmoid, Sigmoid),
            "Tanh" => Case(Ops.Tanh, Math.Tanh),
            "Relu" => Case(Ops.Relu, v => Math.Max(0, v), kink: true),
            "LeakyRelu" => Case(x => Ops.LeakyRelu(x, 0.1f), v => v > 0 ? v : (double)0.1f * v, kink: true),
            "Swish" => Case(x => Ops.Swish(x, 1.5f), v => v * Sigmoid(1.5 * v)),
            "Silu" => Case(Ops.Silu, v => v * Sigmoid(v)),
            "Gelu" => Case(Ops.Gelu, v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))),
            "GeluTanh" => Case(Ops.GeluTanh, v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
            _ => throw new ArgumentException(name),
        };
        var gen = kink ? AwayFromZero(0.01, 3) : Uniform(-3, 3);
        // 37 elements per sample: exercises the Vector512, Vector256 and scalar-tail paths.
        Check(name + " rank2", [new In(batch, [37, 1], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
        Check(name + " rank3", [new In(batch, [2, 3, 4], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
        Check(name + " param", [new In(0, [5], Gen: gen)], t => op(t[0]), x => Map(x[0], f));
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
