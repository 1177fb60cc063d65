using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using static NetCompiler.Tests.Attention.TransformerReference;

namespace NetCompiler.Tests.Zoo;

/// <summary>A BERT masked language model in float64 with <see cref="Scalar"/>, from Devlin et al.'s and Hugging Face's
/// formulas, written with plain loops and nothing of NetCompiler's but the parameter values (read by
/// <see cref="UserBertMlm"/>'s names): embeddings E[id] + P[pos] + T[0], LayerNorm (biased variance, eps inside the
/// square root); per layer q, k, v = x W^T + b, per head softmax(q k^T / sqrt(d)) over the keys whose id is not 0 (a
/// query with no such key gets zeros), heads side by side, x = LN(x + dense(...)), x = LN(x + dense(gelu(dense(x))));
/// the head LN(gelu(dense(x))) E^T + bias; the loss the mean cross-entropy over the positions whose label is not 0.</summary>
internal sealed class BertReference(IReadOnlyDictionary<string, Scalar[]> parameters, int width, int heads, int layers, int hidden, double epsilon)
{
    /// <summary>The logits [T, V] of one sample's <paramref name="ids"/> and its loss against <paramref name="labels"/>.</summary>
    public (Scalar[] Logits, Scalar Loss) MaskedLanguageModel(float[] ids, float[] labels, int vocabulary)
    {
        int t = ids.Length;
        var x = new Scalar[t * width];
        var word = parameters["word_embeddings.weight"];
        var position = parameters["position_embeddings.weight"];
        var segment = parameters["token_type_embeddings.weight"];
        for (int i = 0; i < t; i++)
            for (int c = 0; c < width; c++)
                x[i * width + c] = word[(int)ids[i] * width + c] + position[i * width + c] + segment[c];
        x = LayerNorm("embeddings_LayerNorm", x, t);
        for (int l = 0; l < layers; l++)
        {
            string p = $"layer.{l}.";
            var attention = SelfAttention(p, x, t, ids);
            x = LayerNorm(p + "attention_LayerNorm", Add(x, Linear(p + "attention_output", attention, t, width, width)), t);
            var h = Linear(p + "intermediate", x, t, width, hidden).Select(Scalar.Gelu).ToArray();
            x = LayerNorm(p + "output_LayerNorm", Add(x, Linear(p + "output", h, t, hidden, width)), t);
        }
        var transformed = LayerNorm("transform_LayerNorm", Linear("transform", x, t, width, width).Select(Scalar.Gelu).ToArray(), t);
        var bias = parameters["bias"];
        var logits = new Scalar[t * vocabulary];
        for (int i = 0; i < t; i++)
            for (int v = 0; v < vocabulary; v++)
                logits[i * vocabulary + v] = Scalar.Dot(Row(transformed, i, width, 0, width), Row(word, v, width, 0, width)) + bias[v];
        var losses = new List<Scalar>();
        for (int i = 0; i < t; i++)
            if (labels[i] != 0) losses.Add(CrossEntropy(Row(logits, i, vocabulary, 0, vocabulary), (int)labels[i]));
        return (logits, Scalar.Sum(losses) / losses.Count);
    }

    private Scalar[] SelfAttention(string prefix, Scalar[] x, int t, float[] ids)
    {
        var q = Linear(prefix + "query", x, t, width, width);
        var k = Linear(prefix + "key", x, t, width, width);
        var v = Linear(prefix + "value", x, t, width, width);
        int d = width / heads;
        double scale = 1 / Math.Sqrt(d);
        int[] keys = Enumerable.Range(0, t).Where(j => ids[j] != 0).ToArray();
        var merged = new Scalar[t * width];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < t; i++)
            {
                if (keys.Length == 0)
                {
                    for (int c = 0; c < d; c++) merged[i * width + h * d + c] = new Scalar(0);
                    continue;
                }
                var p = Softmax(keys.Select(j => Scalar.Dot(Row(q, i, width, h * d, d), Row(k, j, width, h * d, d)) * scale).ToArray());
                for (int c = 0; c < d; c++)
                    merged[i * width + h * d + c] = Scalar.Dot(p, keys.Select(j => v[j * width + h * d + c]).ToArray());
            }
        return merged;
    }

    private Scalar[] Linear(string name, Scalar[] x, int rows, int inputs, int outputs) =>
        new NetCompiler.Tests.Attention.TransformerReference(parameters).Linear(name, x, rows, inputs, outputs);

    /// <summary>LayerNorm over each row of x [rows, width] with this model's epsilon.</summary>
    private Scalar[] LayerNorm(string name, Scalar[] x, int rows)
    {
        var gamma = parameters[name + ".weight"];
        var beta = parameters[name + ".bias"];
        var y = new Scalar[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var row = Row(x, r, width, 0, width);
            var mean = Scalar.Sum(row) / width;
            var centered = row.Select(v => v - mean).ToArray();
            var rstd = new Scalar(1) / Scalar.Sqrt(Scalar.Dot(centered, centered) / width + epsilon);
            for (int c = 0; c < width; c++) y[r * width + c] = centered[c] * rstd * gamma[c] + beta[c];
        }
        return y;
    }
}
