using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using static NetCompiler.Tests.Attention.TransformerReference;

namespace NetCompiler.Tests.Attention;

/// <summary>T5's layers in float64 with <see cref="Scalar"/>, from Hugging Face's <c>modeling_t5.py</c> formulas with
/// plain loops and nothing of NetCompiler's but the parameter values (by name): <c>T5LayerNorm</c> (x / sqrt(mean(x^2) +
/// eps) times the weight, no mean, no bias), <c>T5Attention</c> (q, k, v, o without bias; scores q_h k_h^T not scaled, plus
/// the relative position bias <c>relative_attention_bias(bucket(j - i))[h]</c> with <c>_relative_position_bucket</c>
/// transcribed in RelativePositionBiasTests; a key whose id is the pad id gets no weight, causal: keys up to the query),
/// <c>T5DenseActDense</c> with ReLU, and the cross-entropy of each target row ignoring the ignore index, a sample's loss
/// the mean over its kept rows.</summary>
internal sealed class T5Reference(IReadOnlyDictionary<string, Scalar[]> parameters)
{
    private readonly TransformerReference _linear = new(parameters);

    /// <summary>T5LayerNorm over each row of x [rows, width].</summary>
    public Scalar[] RmsNorm(string name, Scalar[] x, int rows, int width, double epsilon)
    {
        var w = parameters[name + ".weight"];
        var y = new Scalar[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var row = Row(x, r, width, 0, width);
            var rstd = new Scalar(1) / Scalar.Sqrt(Scalar.Dot(row, row) / width + epsilon);
            for (int c = 0; c < width; c++) y[r * width + c] = row[c] * rstd * w[c];
        }
        return y;
    }

    /// <summary>T5Attention of query rows x [tq, width] over memory [tk, width]: names <c>{q,k,v,o}.weight</c> under
    /// the prefixes given; <paramref name="bias"/> [heads, tq, tk] (or null); keys whose id in <paramref name="keyIds"/>
    /// is <paramref name="padId"/> masked.</summary>
    public Scalar[] Attention(string q, string k, string v, string o, Scalar[] x, int tq, Scalar[] memory, int tk, int width, int heads,
        Scalar[]? bias, int[]? keyIds, int padId, bool causal)
    {
        var qs = _linear.Linear(q, x, tq, width, width);
        var ks = _linear.Linear(k, memory, tk, width, width);
        var vs = _linear.Linear(v, memory, tk, width, width);
        int d = width / heads;
        var merged = new Scalar[tq * width];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < tq; i++)
            {
                var keys = Enumerable.Range(0, causal ? i + 1 : tk).Where(j => keyIds is null || keyIds[j] != padId).ToArray();
                for (int c = 0; c < d; c++) merged[i * width + h * d + c] = new Scalar(0);
                if (keys.Length == 0) continue;   // every key padding: zeros (NetCompiler's definition)
                var scores = keys.Select(j => Scalar.Dot(Row(qs, i, width, h * d, d), Row(ks, j, width, h * d, d))
                    + (bias is null ? new Scalar(0) : bias[(h * tq + i) * tk + j])).ToArray();
                var p = Softmax(scores);
                for (int c = 0; c < d; c++)
                    merged[i * width + h * d + c] = Scalar.Dot(p, keys.Select(j => vs[j * width + h * d + c]).ToArray());
            }
        return _linear.Linear(o, merged, tq, width, width);
    }

    /// <summary>The relative position bias [heads, tq, tk] from the table <paramref name="name"/>.weight [buckets, heads].</summary>
    public Scalar[] RelativeBias(string name, int tq, int tk, int heads, int buckets, bool bidirectional, int maxDistance)
    {
        var table = parameters[name + ".weight"];
        var y = new Scalar[heads * tq * tk];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++)
                    y[(h * tq + i) * tk + j] = table[RelativePositionBiasTests.T5Bucket(j - i, bidirectional, buckets, maxDistance) * heads + h];
        return y;
    }

    /// <summary>wo(relu(wi(x))).</summary>
    public Scalar[] FeedForward(string wi, string wo, Scalar[] x, int rows, int width, int hidden) =>
        _linear.Linear(wo, _linear.Linear(wi, x, rows, width, hidden).Select(v => v.Value > 0 ? v : v * 0.0).ToArray(), rows, hidden, width);

    /// <summary>Rows of the embedding <paramref name="name"/>.weight picked by <paramref name="ids"/>.</summary>
    public Scalar[] Embed(string name, int[] ids, int width) =>
        ids.SelectMany(id => parameters[name + ".weight"].AsSpan(id * width, width).ToArray()).ToArray();

    public Scalar[] Linear(string name, Scalar[] x, int rows, int inputs, int outputs) => _linear.Linear(name, x, rows, inputs, outputs);

    /// <summary>Mean over the rows whose target is not <paramref name="ignore"/> of -log softmax(logits row)[target]; 0
    /// when every row is ignored.</summary>
    public static Scalar CrossEntropy(Scalar[] logits, int[] targets, int classes, int ignore)
    {
        var kept = Enumerable.Range(0, targets.Length).Where(r => targets[r] != ignore).ToArray();
        if (kept.Length == 0) return new Scalar(0);
        return Scalar.Sum(kept.Select(r => TransformerReference.CrossEntropy(Row(logits, r, classes, 0, classes), targets[r])).ToArray()) / kept.Length;
    }
}
