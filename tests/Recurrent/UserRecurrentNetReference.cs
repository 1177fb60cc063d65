using System;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Tests.Recurrent;

/// <summary><see cref="UserRecurrentNet"/> in float64: PyTorch's <c>nn.Embedding</c> (row lookup), <c>nn.GRU</c> and
/// <c>nn.LSTM(bidirectional=True)</c> (<see cref="RecurrentReference"/>), <c>nn.Linear</c> (y = W x + b, W [out, in]) and
/// <c>nn.CrossEntropyLoss</c> (log-sum-exp minus the label's logit, mean over the batch), over parameter values copied
/// from a network (and perturbed in place by finite differences).</summary>
internal sealed class UserRecurrentNetReference
{
    private const int T = UserRecurrentNet.T, Classes = UserRecurrentNet.Classes;

    private static readonly RecurrentSpec Encoder = new(RecurrentCell.Gru, UserRecurrentNet.Embedded, UserRecurrentNet.Encoded);
    private static readonly RecurrentSpec Reader = new(RecurrentCell.Lstm, UserRecurrentNet.Encoded, UserRecurrentNet.Hidden, Bidirectional: true);

    /// <summary>Every parameter by its network name, as float64.</summary>
    public Dictionary<string, double[]> Parameters { get; }

    public UserRecurrentNetReference(ParameterStore store) => Parameters = ReferenceGradient.Parameters(store, "");

    /// <summary>The logits of one sample of token ids.</summary>
    public double[] Logits(ReadOnlySpan<float> ids)
    {
        double[] table = Parameters["tokens.weight"];
        int e = UserRecurrentNet.Embedded;
        var embedded = new double[T * e];
        for (int t = 0; t < T; t++) Array.Copy(table, (int)ids[t] * e, embedded, t * e, e);
        var encoded = RecurrentReference.Forward(Encoder, Layer("encoder."), embedded, T).Output;
        var read = RecurrentReference.Forward(Reader, Layer("reader."), encoded, T);
        double[] features = read.Hidden.Concat(read.Cell!).ToArray();
        double[] w = Parameters["head.weight"], b = Parameters["head.bias"];
        var logits = new double[Classes];
        for (int o = 0; o < Classes; o++)
        {
            logits[o] = b[o];
            for (int i = 0; i < features.Length; i++) logits[o] += w[o * features.Length + i] * features[i];
        }
        return logits;
    }

    /// <summary>The batch-mean cross-entropy of the logits against class indices.</summary>
    public double Loss(float[] ids, float[] labels, int batch)
    {
        double total = 0;
        for (int s = 0; s < batch; s++)
        {
            var logits = Logits(ids.AsSpan(s * T, T));
            double max = logits.Max();
            total += max + Math.Log(logits.Sum(l => Math.Exp(l - max))) - logits[(int)labels[s]];
        }
        return total / batch;
    }

    /// <summary>The parameters of one layer without its prefix (the arrays themselves, so perturbations reach them).</summary>
    private Dictionary<string, double[]> Layer(string prefix) =>
        Parameters.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
}
