using System;
using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>A classifier with the two mode-dependent layers: batch normalization (whole-batch statistics in training,
/// running statistics in inference) and dropout (dropped in training, passed through in inference).</summary>
[Network]
public partial class RegularizedMlpNet
{
    [Dense(6, 12, Bias = false)] Dense hidden;   // a bias before a batch normalization has no effect (PyTorch drops it too)
    [BatchNorm(12)] BatchNorm norm;
    [Dropout(0.3f)] Dropout drop;
    [Dense(12, 3)] Dense head;

    [Forward] Tensor Forward([Shape(6)] Tensor x) => head.Forward(drop.Forward(Relu(norm.Forward(hidden.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>BatchNorm2d's case: per-sample [C, H, W] normalized per channel over the batch and the positions, without a
/// bias, with another momentum and epsilon; a functional Dropout with p = 0 (a copy that still counts as a dropout op).</summary>
[Network]
public partial class ChannelNormNet
{
    [Param(2, 3, 4, Init = Init.Normal, Std = 0.5f)] Tensor scale;
    [BatchNorm(2, Bias = false, Momentum = 0.25f, Epsilon = 1e-3f)] BatchNorm norm;
    [Dense(12, 2)] Dense head;

    [Forward]
    Tensor Forward([Shape(2, 3, 4)] Tensor x)
    {
        var y = norm.Forward(Dropout(x * scale, 0f));             // [2, 3, 4]
        return head.Forward(Reshape(Tanh(y), 2, 12));              // [2, 2]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>Layers wide enough for TileGemm around a batch normalization: the whole batch (more rows than a tile) goes
/// through one TileGemm call.</summary>
[Network]
public partial class WideBatchNormNet
{
    [Dense(48, 64, Bias = false)] Dense wide;
    [BatchNorm(64)] BatchNorm norm;
    [Dense(64, 64)] Dense mix;
    [Dense(64, 5)] Dense head;

    [Forward] Tensor Forward([Shape(48)] Tensor x) => head.Forward(Dropout(Gelu(mix.Forward(Relu(norm.Forward(wide.Forward(x))))), 0.25f));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

public class DropoutBatchNormTests
{
    private static (float[] X, float[] T) Batch(INetwork net, int batch, int seed, int classes)
    {
        var rng = new Rng((ulong)seed);
        var x = CompiledVsInterpretedTests.Inputs(net, batch, rng);
        int targetSize = net.TargetShape.Aggregate(1, (a, b) => a * b);
        var t = Enumerable.Range(0, batch * targetSize).Select(_ => classes > 0 ? (float)rng.NextInt(classes) : rng.NextFloat()).ToArray();
        return (x, t);
    }

    [Fact]
    public void Layers_follow_PyTorch_names_and_initial_values_and_buffers_are_not_parameters()
    {
        var net = new RegularizedMlpNet(seed: 1);
        Assert.Equal(["hidden.weight", "norm.weight", "norm.bias", "head.weight", "head.bias"], net.Parameters.Layout.Select(p => p.Name));
        Assert.Equal(["norm.running_mean", "norm.running_var"], net.Parameters.BufferLayout.Select(b => b.Name));
        Assert.All(net.Parameters.GetBuffer("norm.running_mean").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Parameters.GetBuffer("norm.running_var").ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameters.GetValues("norm.weight").ToArray(), v => Assert.Equal(1f, v));
        Assert.True(((INetwork)net).CouplesBatch);
        Assert.False(((INetwork)new NormalizedTokenNet()).CouplesBatch);
        Assert.Equal(1, net.Parameters.RandomSeed);
    }

    [Theory]
    [InlineData(3)]   // with 2 samples a [C] batch normalization outputs +-1 whatever the input: its input gradient is 0 plus rounding noise
    [InlineData(7)]
    [InlineData(45)]   // more samples than a tile: the whole batch still runs as one
    public void Training_and_inference_match_the_interpreter_including_masks_and_running_statistics(int batch)
    {
        foreach (var (compiled, interpreted, classes) in new (INetwork, INetwork, int)[]
            { (new RegularizedMlpNet(3), new RegularizedMlpNet(3), 3), (new ChannelNormNet(4), new ChannelNormNet(4), 0), (new WideBatchNormNet(5), new WideBatchNormNet(5), 5) })
        {
            var (x, t) = Batch(compiled, batch, 10 + batch, classes);
            for (int step = 0; step < 2; step++)   // the second step draws other masks and starts from updated statistics
            {
                CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
                CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Buffers, compiled.Parameters.Buffers, "running statistics");
                Assert.Equal(step + 1, compiled.Parameters.RandomStep);
                Assert.Equal(step + 1, interpreted.Parameters.RandomStep);
            }
        }
    }

    [Fact]
    public void Infer_passes_dropout_through_and_normalizes_with_the_running_statistics()
    {
        var net = new RegularizedMlpNet(seed: 5);
        var (x, _) = Batch(net, 4, 1, 3);
        var rng = new Rng(8);
        var mean = net.Parameters.GetBuffer("norm.running_mean");
        var variance = net.Parameters.GetBuffer("norm.running_var");
        for (int c = 0; c < 12; c++) { mean[c] = rng.NextFloat() - 0.5f; variance[c] = 0.5f + rng.NextFloat(); }
        var y = new float[4 * 3];
        net.Infer(x, y, 4);
        net.Parameters.RandomStep = 99;   // another step's masks: inference draws none
        var again = new float[y.Length];
        net.Infer(x, again, 4);
        Assert.Equal(y, again);

        // float64: head(relu((W x - mean) / sqrt(var + 1e-5) * gamma + beta)), no dropout.
        var p = net.Parameters;
        double[] W1 = p.GetValues("hidden.weight").ToArray().Select(v => (double)v).ToArray();
        double[] W2 = p.GetValues("head.weight").ToArray().Select(v => (double)v).ToArray(), b2 = p.GetValues("head.bias").ToArray().Select(v => (double)v).ToArray();
        var gamma = p.GetValues("norm.weight").ToArray(); var beta = p.GetValues("norm.bias").ToArray();
        for (int s = 0; s < 4; s++)
        {
            var h = new double[12];
            for (int j = 0; j < 12; j++)
            {
                double z = 0;
                for (int i = 0; i < 6; i++) z += W1[j * 6 + i] * x[s * 6 + i];
                h[j] = Math.Max(0, (z - mean[j]) / Math.Sqrt(variance[j] + 1e-5) * gamma[j] + beta[j]);
            }
            for (int k = 0; k < 3; k++)
            {
                double o = b2[k];
                for (int j = 0; j < 12; j++) o += W2[k * 12 + j] * h[j];
                Assert.True(Math.Abs(o - y[s * 3 + k]) <= 1e-5 * (1 + Math.Abs(o)), $"sample {s} output {k}: float64 {o}, Infer {y[s * 3 + k]}");
            }
        }
        var interpreted = new float[y.Length];
        Interpreter.Infer(net, x, interpreted, 4);
        CompiledVsInterpretedTests.AssertClose(interpreted, y, "interpreted inference");
    }

    [Fact]
    public void Batch_statistics_and_gradients_match_PyTorch_formulas_in_float64()
    {
        // ChannelNormNet in float64, straight from PyTorch's definitions: BatchNorm2d over [N=5, C=2, 3, 4] with the
        // batch's mean and biased variance, running statistics moved by the momentum with the unbiased variance; the
        // gradients by central differences of that float64 loss.
        var net = new ChannelNormNet(seed: 6);
        const int batch = 5, C = 2, inner = 12, size = C * inner, n = batch * inner;
        var (x, t) = Batch(net, batch, 2, 0);
        var p = net.Parameters;
        var rng = new Rng(3);
        for (int c = 0; c < C; c++) p.GetValues("norm.weight")[c] = 0.5f + rng.NextFloat();
        double[] scale = p.GetValues("scale").ToArray().Select(v => (double)v).ToArray(), gamma = p.GetValues("norm.weight").ToArray().Select(v => (double)v).ToArray();
        double[] w = p.GetValues("head.weight").ToArray().Select(v => (double)v).ToArray(), b = p.GetValues("head.bias").ToArray().Select(v => (double)v).ToArray();

        (double Loss, double[] Mean, double[] Biased) Reference(double[] sc, double[] g)
        {
            var u = new double[batch * size];
            for (int i = 0; i < u.Length; i++) u[i] = x[i] * sc[i % size];
            double[] mean = new double[C], biased = new double[C];
            for (int c = 0; c < C; c++)
            {
                var values = Enumerable.Range(0, batch).SelectMany(s => Enumerable.Range(0, inner).Select(i => u[s * size + c * inner + i])).ToArray();
                mean[c] = values.Average();
                biased[c] = values.Select(v => (v - mean[c]) * (v - mean[c])).Average();
            }
            double loss = 0;
            for (int s = 0; s < batch; s++)
            {
                var y = new double[size];
                for (int i = 0; i < size; i++)
                    y[i] = Math.Tanh((u[s * size + i] - mean[i / inner]) / Math.Sqrt(biased[i / inner] + 1e-3) * g[i / inner]);
                for (int row = 0; row < 2; row++)
                    for (int k = 0; k < 2; k++)
                    {
                        double o = b[k];
                        for (int j = 0; j < 12; j++) o += w[k * 12 + j] * y[row * 12 + j];
                        double d = o - t[s * 4 + row * 2 + k];
                        loss += d * d / 4;   // MeanSquaredError: the mean over the sample's 4 outputs
                    }
            }
            return (loss / batch, mean, biased);
        }

        float compiledLoss = net.ComputeGradients(x, t, batch);
        var (expectedLoss, expectedMean, expectedBiased) = Reference(scale, gamma);
        Assert.Equal(expectedLoss, compiledLoss, 1e-5 * (1 + expectedLoss));
        for (int c = 0; c < C; c++)
        {
            Assert.Equal(0.25 * expectedMean[c], p.GetBuffer("norm.running_mean")[c], 1e-6);
            Assert.Equal(0.75 + 0.25 * expectedBiased[c] * n / (n - 1), p.GetBuffer("norm.running_var")[c], 1e-6);
        }

        const double h = 1e-6;
        void CheckGradient(string name, double[] values, Func<double[], double> loss)
        {
            var g = p.GetGradients(name).ToArray();
            double largest = 0;
            var expected = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                var plus = (double[])values.Clone(); plus[i] += h;
                var minus = (double[])values.Clone(); minus[i] -= h;
                expected[i] = (loss(plus) - loss(minus)) / (2 * h);
                largest = Math.Max(largest, Math.Abs(expected[i]));
            }
            Assert.True(largest > 1e-3, $"d loss / d {name} is too small to check");
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(expected[i] - g[i]) <= 1e-4 * largest + 1e-4 * Math.Abs(expected[i]),
                    $"d loss / d {name}[{i}]: float64 {expected[i]:G9}, compiled {g[i]:G9}");
        }
        CheckGradient("scale", scale, sc => Reference(sc, gamma).Loss);   // through the batch statistics
        CheckGradient("norm.weight", gamma, g => Reference(scale, g).Loss);
    }

    [Fact]
    public void Training_a_single_value_per_channel_is_refused_on_both_paths()
    {
        var net = new RegularizedMlpNet();
        var (x, t) = Batch(net, 1, 1, 3);
        var compiled = Assert.Throws<ArgumentException>(() => net.ComputeGradients(x, t, 1));
        Assert.Contains("more than one value per channel", compiled.Message);
        var eager = Assert.Throws<ArgumentException>(() => Interpreter.ComputeGradients(net, x, t, 1));
        Assert.Contains("more than one value per channel", eager.Message);
        var y = new float[3];
        net.Infer(x, y, 1);   // inference of one sample is fine
    }
}
