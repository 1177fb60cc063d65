using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Zoo;

/// <summary><see cref="UserTokenNet"/> recomputed in float64 with <see cref="Scalar"/>, from PyTorch's definitions of
/// each layer and nothing of NetCompiler's but the parameter values it reads and the dropout masks
/// (<see cref="DropoutMasks.Keeps"/>, which are data: which elements a step drops). Exact GELU with a float64 erf.
/// The training form drops (masks of <see cref="ParameterStore.RandomStep"/> before the pass) and normalizes the pooled
/// features with the batch's statistics; the inference form does neither and uses the running statistics.</summary>
internal sealed class UserTokenNetReference
{
    private const int T = UserTokenNet.T, D = UserTokenNet.D, Heads = 2, HeadDim = D / Heads, Hidden = UserTokenNet.Hidden;
    private const double Epsilon = 1e-5, Momentum = 0.1;   // LayerNorm's and BatchNorm's defaults

    // Dropout ops by number (the order they run in): attention weights, attention output, MLP.
    private static readonly float[] DropoutProbabilities = [0.1f, 0.2f, 0.3f];

    private readonly Dictionary<string, Scalar[]> _parameters = new();
    private readonly ulong? _stepKey;   // null: the inference form

    private UserTokenNetReference(ParameterStore store, bool training)
    {
        foreach (var p in store.Layout)
            _parameters[p.Name] = store.GetValues(p.Name).ToArray().Select(v => new Scalar(v)).ToArray();
        if (training) _stepKey = DropoutMasks.StepKey(store.RandomSeed, store.RandomStep);
    }

    /// <summary>What a training pass computes: the batch-mean loss, d loss / d every parameter (and each gradient's
    /// <see cref="Scalar.GradMagnitude"/>, the scale of its rounding error), and the running statistics after the pass.</summary>
    public sealed record TrainingPass(double Loss, IReadOnlyDictionary<string, double[]> Gradients, IReadOnlyDictionary<string, double[]> Magnitudes,
        double[] RunningMean, double[] RunningVar);

    /// <summary>The training pass over <paramref name="batch"/> samples of <paramref name="inputs"/> (ids then positions)
    /// and class indices <paramref name="labels"/>, from <paramref name="store"/>'s current parameters, buffers and
    /// random step.</summary>
    public static TrainingPass Train(ParameterStore store, float[] inputs, float[] labels, int batch)
    {
        var reference = new UserTokenNetReference(store, training: true);
        var pooled = Enumerable.Range(0, batch).Select(s => reference.Pooled(inputs, s)).ToArray();
        var runningMean = store.GetBuffer("pooledNorm.running_mean").ToArray().Select(v => (double)v).ToArray();
        var runningVar = store.GetBuffer("pooledNorm.running_var").ToArray().Select(v => (double)v).ToArray();
        var normalized = new Scalar[batch][];
        for (int s = 0; s < batch; s++) normalized[s] = new Scalar[D];
        for (int c = 0; c < D; c++)
        {
            // BatchNorm1d in training: the batch's mean and biased variance normalize; the running variance takes the
            // unbiased one.
            var column = pooled.Select(x => x[c]).ToArray();
            var mean = Scalar.Sum(column) / batch;
            var variance = Scalar.Sum(column.Select(x => (x - mean) * (x - mean)).ToArray()) / batch;
            var rstd = new Scalar(1) / Scalar.Sqrt(variance + Epsilon);
            for (int s = 0; s < batch; s++) normalized[s][c] = reference.Affine("pooledNorm", (column[s] - mean) * rstd, c);
            runningMean[c] = (1 - Momentum) * runningMean[c] + Momentum * mean.Value;
            runningVar[c] = (1 - Momentum) * runningVar[c] + Momentum * variance.Value * batch / (batch - 1);
        }
        var losses = new Scalar[batch];
        for (int s = 0; s < batch; s++) losses[s] = CrossEntropy(reference.Dense("head", normalized[s], 1, D, UserTokenNet.Classes), (int)labels[s]);
        var loss = Scalar.Sum(losses) / batch;
        loss.Backward();
        var gradients = reference._parameters.ToDictionary(p => p.Key, p => p.Value.Select(v => v.Grad).ToArray());
        var magnitudes = reference._parameters.ToDictionary(p => p.Key, p => p.Value.Select(v => v.GradMagnitude).ToArray());
        return new TrainingPass(loss.Value, gradients, magnitudes, runningMean, runningVar);
    }

    /// <summary>The inference form's logits, [batch, Classes]: no dropout, the running statistics normalize.</summary>
    public static double[] Infer(ParameterStore store, float[] inputs, int batch)
    {
        var reference = new UserTokenNetReference(store, training: false);
        var mean = store.GetBuffer("pooledNorm.running_mean").ToArray();
        var variance = store.GetBuffer("pooledNorm.running_var").ToArray();
        var logits = new List<double>();
        for (int s = 0; s < batch; s++)
        {
            var pooled = reference.Pooled(inputs, s);
            var normalized = Enumerable.Range(0, D).Select(c => reference.Affine("pooledNorm", (pooled[c] - mean[c]) / Math.Sqrt(variance[c] + Epsilon), c)).ToArray();
            logits.AddRange(reference.Dense("head", normalized, 1, D, UserTokenNet.Classes).Select(l => l.Value));
        }
        return logits.ToArray();
    }

    // Sample s up to the mean over positions: [D].
    private Scalar[] Pooled(float[] inputs, int s)
    {
        var x = new Scalar[T * D];
        for (int i = 0; i < T; i++)
        {
            int id = (int)inputs[s * 2 * T + i], place = (int)inputs[s * 2 * T + T + i];
            for (int c = 0; c < D; c++) x[i * D + c] = _parameters["tokens.weight"][id * D + c] + _parameters["positions.weight"][place * D + c];
        }
        x = Add(x, Dropout(Attention(LayerNorm("attentionNorm", x), s), 1, s));
        var hidden = Dense("up", LayerNorm("mlpNorm", x), T, D, Hidden).Select(Scalar.Gelu).ToArray();
        x = Add(x, Dropout(Dense("down", hidden, T, Hidden, D), 2, s));
        return Enumerable.Range(0, D).Select(c => Scalar.Sum(Enumerable.Range(0, T).Select(i => x[i * D + c]).ToArray()) / T).ToArray();
    }

    // softmax(q k^T / sqrt(HeadDim)) v per head, position i over j <= i; dropout on the weights; heads merged, projected.
    private Scalar[] Attention(Scalar[] x, int s)
    {
        Scalar[] q = Dense("attention.query", x, T, D, D), k = Dense("attention.key", x, T, D, D), v = Dense("attention.value", x, T, D, D);
        var weights = new Scalar[Heads * T * T];
        var zero = new Scalar(0);
        for (int h = 0; h < Heads; h++)
            for (int i = 0; i < T; i++)
            {
                var scores = Enumerable.Range(0, i + 1).Select(j =>
                    Scalar.Sum(Enumerable.Range(0, HeadDim).Select(d => q[i * D + h * HeadDim + d] * k[j * D + h * HeadDim + d]).ToArray()) / Math.Sqrt(HeadDim)).ToArray();
                var row = Softmax(scores);
                for (int j = 0; j < T; j++) weights[(h * T + i) * T + j] = j <= i ? row[j] : zero;   // masked: weight exactly 0
            }
        weights = Dropout(weights, 0, s);
        var merged = new Scalar[T * D];
        for (int h = 0; h < Heads; h++)
            for (int i = 0; i < T; i++)
                for (int d = 0; d < HeadDim; d++)
                    merged[i * D + h * HeadDim + d] = Scalar.Sum(Enumerable.Range(0, T).Select(j => weights[(h * T + i) * T + j] * v[j * D + h * HeadDim + d]).ToArray());
        return Dense("attention.output", merged, T, D, D);
    }

    // y = x W^T + b over `rows` rows, W [out, in] as nn.Linear; no b for a layer without bias.
    private Scalar[] Dense(string name, Scalar[] x, int rows, int inputs, int outputs)
    {
        var w = _parameters[name + ".weight"];
        var b = _parameters.GetValueOrDefault(name + ".bias") ?? Enumerable.Repeat(new Scalar(0), outputs).ToArray();
        var y = new Scalar[rows * outputs];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
                y[r * outputs + o] = Scalar.Sum(Enumerable.Range(0, inputs).Select(j => w[o * inputs + j] * x[r * inputs + j]).ToArray()) + b[o];
        return y;
    }

    // nn.LayerNorm over the last dimension of [T, D]: biased variance, eps inside the square root.
    private Scalar[] LayerNorm(string name, Scalar[] x)
    {
        var y = new Scalar[T * D];
        for (int i = 0; i < T; i++)
        {
            var row = x.Skip(i * D).Take(D).ToArray();
            var mean = Scalar.Sum(row) / D;
            var rstd = new Scalar(1) / Scalar.Sqrt(Scalar.Sum(row.Select(v => (v - mean) * (v - mean)).ToArray()) / D + Epsilon);
            for (int c = 0; c < D; c++) y[i * D + c] = Affine(name, (row[c] - mean) * rstd, c);
        }
        return y;
    }

    private Scalar Affine(string name, Scalar normalized, int c) => normalized * _parameters[name + ".weight"][c] + _parameters[name + ".bias"][c];

    // Training: element e of sample s is kept (and scaled by 1 / (1 - p)) as the mask of dropout op `op` says.
    private Scalar[] Dropout(Scalar[] x, int op, int s)
    {
        if (_stepKey is not { } stepKey) return x;
        float p = DropoutProbabilities[op];
        ulong key = DropoutMasks.OpKey(stepKey, op);
        var zero = new Scalar(0);
        return x.Select((v, e) => DropoutMasks.Keeps(key, unchecked((uint)(s * x.Length + e)), p) ? v * DropoutMasks.Scale(p) : zero).ToArray();
    }

    private static Scalar[] Add(Scalar[] a, Scalar[] b) => a.Select((v, i) => v + b[i]).ToArray();

    // Shifted by the largest score (a constant: softmax does not depend on it).
    private static Scalar[] Softmax(Scalar[] x)
    {
        double max = x.Max(v => v.Value);
        var e = x.Select(v => Scalar.Exp(v - max)).ToArray();
        var total = Scalar.Sum(e);
        return e.Select(v => v / total).ToArray();
    }

    // -log softmax(logits)[label] = logsumexp(logits) - logits[label].
    private static Scalar CrossEntropy(Scalar[] logits, int label)
    {
        double max = logits.Max(v => v.Value);
        return Scalar.Log(Scalar.Sum(logits.Select(v => Scalar.Exp(v - max)).ToArray())) + max - logits[label];
    }
}
