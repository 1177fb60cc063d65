using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Convolution;

/// <summary><see cref="UserConvNet"/> recomputed in float64 with <see cref="Scalar"/> from PyTorch's definitions of each
/// layer (<c>nn.Conv2d</c> through <see cref="ConvShape.Products"/>, <c>nn.BatchNorm2d</c>, <c>F.max_pool2d</c>,
/// <c>F.avg_pool2d</c> with count_include_pad, <c>nn.Linear</c>, cross-entropy) and nothing of NetCompiler's but the
/// parameter and buffer values it reads. The training form normalizes with the batch's statistics and moves the running
/// ones; the inference form uses the running ones.</summary>
internal sealed class UserConvNetReference
{
    private const double Epsilon = 1e-5, Momentum = 0.1;   // BatchNorm2d's defaults
    private const int Channels = 8, StemSize = 8 * 8;

    private static readonly ConvShape Stem = new(UserConvNet.C, UserConvNet.H, UserConvNet.W, Channels, 3, 2, Padding: 1);   // -> [8, 8, 8]
    private static readonly ConvShape Grouped = new(Channels, 4, 4, Channels, 3, 3, Padding: 1, Groups: 4);                   // [8, 4, 4]
    private static readonly ConvShape Depthwise = new(Channels, 4, 4, Channels, 3, 3, Padding: 2, Dilation: 2, Groups: 8);    // [8, 4, 4]
    private static readonly ConvShape Down = new(Channels, 5, 5, 12, 3, 3, Stride: 2);                                          // -> [12, 2, 2]

    private readonly Dictionary<string, Scalar[]> _parameters = new();

    private UserConvNetReference(ParameterStore store)
    {
        foreach (var p in store.Layout)
            _parameters[p.Name] = store.GetValues(p.Name).ToArray().Select(v => new Scalar(v)).ToArray();
    }

    /// <summary>What a training pass computes: the batch-mean loss, d loss / d every parameter, and the running statistics
    /// after the pass.</summary>
    public sealed record TrainingPass(double Loss, IReadOnlyDictionary<string, double[]> Gradients, double[] RunningMean, double[] RunningVar);

    /// <summary>The training pass over <paramref name="batch"/> images and class indices, from <paramref name="store"/>'s
    /// current parameters and running statistics.</summary>
    public static TrainingPass Train(ParameterStore store, float[] images, float[] labels, int batch)
    {
        var reference = new UserConvNetReference(store);
        var stems = Enumerable.Range(0, batch).Select(s => reference.Conv("stem", Stem, Image(images, s))).ToArray();
        var runningMean = store.GetBuffer("stemNorm.running_mean").ToArray().Select(v => (double)v).ToArray();
        var runningVar = store.GetBuffer("stemNorm.running_var").ToArray().Select(v => (double)v).ToArray();
        var normalized = Enumerable.Range(0, batch).Select(_ => new Scalar[Channels * StemSize]).ToArray();
        int n = batch * StemSize;
        for (int c = 0; c < Channels; c++)
        {
            // The batch's mean and biased variance over samples and positions normalize; the running variance takes the
            // unbiased one.
            var values = stems.SelectMany(x => x.Skip(c * StemSize).Take(StemSize)).ToArray();
            var mean = Scalar.Sum(values) / n;
            var variance = Scalar.Sum(values.Select(v => (v - mean) * (v - mean)).ToArray()) / n;
            var rstd = new Scalar(1) / Scalar.Sqrt(variance + Epsilon);
            for (int s = 0; s < batch; s++)
                for (int i = 0; i < StemSize; i++)
                    normalized[s][c * StemSize + i] = reference.Affine((stems[s][c * StemSize + i] - mean) * rstd, c);
            runningMean[c] = (1 - Momentum) * runningMean[c] + Momentum * mean.Value;
            runningVar[c] = (1 - Momentum) * runningVar[c] + Momentum * variance.Value * n / (n - 1);
        }
        var losses = Enumerable.Range(0, batch).Select(s => CrossEntropy(reference.AfterNorm(normalized[s]), (int)labels[s])).ToArray();
        var loss = Scalar.Sum(losses) / batch;
        loss.Backward();
        var gradients = reference._parameters.ToDictionary(p => p.Key, p => p.Value.Select(v => v.Grad).ToArray());
        return new TrainingPass(loss.Value, gradients, runningMean, runningVar);
    }

    /// <summary>The inference form's logits, [batch, Classes]: the running statistics normalize.</summary>
    public static double[] Infer(ParameterStore store, float[] images, int batch)
    {
        var reference = new UserConvNetReference(store);
        var mean = store.GetBuffer("stemNorm.running_mean").ToArray();
        var variance = store.GetBuffer("stemNorm.running_var").ToArray();
        var logits = new List<double>();
        for (int s = 0; s < batch; s++)
        {
            var stem = reference.Conv("stem", Stem, Image(images, s));
            var normalized = stem.Select((v, i) => reference.Affine((v - mean[i / StemSize]) / Math.Sqrt(variance[i / StemSize] + Epsilon), i / StemSize)).ToArray();
            logits.AddRange(reference.AfterNorm(normalized).Select(l => l.Value));
        }
        return logits.ToArray();
    }

    private static Scalar[] Image(float[] images, int s)
    {
        int size = Stem.InputSize;
        return images.AsSpan(s * size, size).ToArray().Select(v => new Scalar(v)).ToArray();
    }

    // Everything after the batch normalization, for one sample [8, 8, 8] -> logits [Classes].
    private Scalar[] AfterNorm(Scalar[] normalized)
    {
        var h = Pool(Relu(normalized), Channels, 8, 3, 2, 1, max: true);                        // [8, 4, 4]
        var r = Conv("depthwise", Depthwise, Relu(Conv("grouped", Grouped, h)));
        var y = Pool(Relu(r.Select((v, i) => v + h[i]).ToArray()), Channels, 4, 2, 1, 1, max: false);   // [8, 5, 5]
        var z = Conv("down", Down, y).Select(Scalar.Tanh).ToArray();                           // [12, 2, 2] flattened
        return Linear("head", z, UserConvNet.Classes);
    }

    // y[m, p] = b[m] + the dot product of the weights and inputs that reach (m, p), the weight [M, C / groups, kh, kw]
    // as nn.Conv2d's.
    private Scalar[] Conv(string name, ConvShape shape, Scalar[] x)
    {
        var w = _parameters[name + ".weight"];
        var b = _parameters.GetValueOrDefault(name + ".bias");
        int positions = shape.OH * shape.OW;
        var weights = Enumerable.Range(0, shape.OutputSize).Select(_ => new List<Scalar>()).ToArray();
        var inputs = Enumerable.Range(0, shape.OutputSize).Select(_ => new List<Scalar>()).ToArray();
        foreach (var (yi, wi, xi) in shape.Products())
        {
            weights[yi].Add(w[wi]);
            inputs[yi].Add(x[xi]);
        }
        return Enumerable.Range(0, shape.OutputSize)
            .Select(i => b is null ? Scalar.Dot(weights[i], inputs[i]) : Scalar.Dot(weights[i], inputs[i]) + b[i / positions]).ToArray();
    }

    // Square windows over [channels, size, size]: the first largest element inside x, or the sum over kernel^2.
    private static Scalar[] Pool(Scalar[] x, int channels, int size, int kernel, int stride, int padding, bool max)
    {
        int output = (size + 2 * padding - kernel) / stride + 1;
        var y = new Scalar[channels * output * output];
        for (int c = 0; c < channels; c++)
            for (int oy = 0; oy < output; oy++)
                for (int ox = 0; ox < output; ox++)
                {
                    var window = new List<Scalar>();
                    for (int i = 0; i < kernel; i++)
                        for (int j = 0; j < kernel; j++)
                        {
                            int iy = oy * stride - padding + i, ix = ox * stride - padding + j;
                            if (iy >= 0 && iy < size && ix >= 0 && ix < size) window.Add(x[(c * size + iy) * size + ix]);
                        }
                    y[(c * output + oy) * output + ox] = max
                        ? window.Aggregate((best, v) => v.Value > best.Value ? v : best)
                        : Scalar.Sum(window) / (kernel * kernel);
                }
        return y;
    }

    private static readonly Scalar Zero = new(0);

    private static Scalar[] Relu(Scalar[] x) => x.Select(v => v.Value > 0 ? v : Zero).ToArray();

    private Scalar Affine(Scalar normalized, int c) => normalized * _parameters["stemNorm.weight"][c] + _parameters["stemNorm.bias"][c];

    // y = x W^T + b, W [outputs, inputs] as nn.Linear's.
    private Scalar[] Linear(string name, Scalar[] x, int outputs)
    {
        var w = _parameters[name + ".weight"];
        var b = _parameters[name + ".bias"];
        return Enumerable.Range(0, outputs).Select(o => Scalar.Dot(w.AsSpan(o * x.Length, x.Length).ToArray(), x) + b[o]).ToArray();
    }

    // -log softmax(logits)[label] = logsumexp(logits) - logits[label], shifted by the largest logit (a constant).
    private static Scalar CrossEntropy(Scalar[] logits, int label)
    {
        double max = logits.Max(v => v.Value);
        return Scalar.Log(Scalar.Sum(logits.Select(v => Scalar.Exp(v - max)).ToArray())) + max - logits[label];
    }
}
