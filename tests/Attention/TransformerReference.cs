using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Attention;

/// <summary>PyTorch's Transformer layers in float64 with <see cref="Scalar"/>, written from their documented formulas with
/// plain loops and nothing of NetCompiler's but the parameter values (read by PyTorch's names under a prefix). Sequences
/// are row-major [T, width]. nn.Linear: y = x W^T + b. nn.LayerNorm: biased variance, eps 1e-5 inside the square root.
/// nn.MultiheadAttention: q, k, v = rows 0..E-1, E..2E-1, 2E..3E-1 of <c>in_proj_weight</c> (plus <c>in_proj_bias</c>),
/// per head softmax(q_h k_h^T / sqrt(E / heads)) v_h (query i over keys 0..i when causal), heads side by side, then
/// <c>out_proj</c>. GELU exact (erf). Pre-norm layers as <c>norm_first=True</c>: x + sublayer(norm(x)).</summary>
internal sealed class TransformerReference(IReadOnlyDictionary<string, Scalar[]> parameters)
{
    private const double Epsilon = 1e-5;

    /// <summary>nn.TransformerEncoderLayer(norm_first=True, activation="gelu", dropout=0) over x [T, width]: names
    /// <c>norm1</c>, <c>self_attn</c>, <c>norm2</c>, <c>linear1</c> (width -> hidden), <c>linear2</c>.</summary>
    public Scalar[] EncoderLayer(string prefix, Scalar[] x, int t, int width, int heads, int hidden, bool causal)
    {
        x = Add(x, MultiHeadAttention(prefix + "self_attn", LayerNorm(prefix + "norm1", x, t, width), t, null, t, width, heads, causal));
        return Add(x, FeedForward(prefix, LayerNorm(prefix + "norm2", x, t, width), t, width, hidden));
    }

    /// <summary>nn.TransformerDecoderLayer(norm_first=True, activation="gelu", dropout=0) over x [T, width] and memory
    /// [S, width], the self-attention causal: names <c>norm1</c>, <c>self_attn</c>, <c>norm2</c>, <c>multihead_attn</c>,
    /// <c>norm3</c>, <c>linear1</c>, <c>linear2</c>.</summary>
    public Scalar[] DecoderLayer(string prefix, Scalar[] x, int t, Scalar[] memory, int s, int width, int heads, int hidden)
    {
        x = Add(x, MultiHeadAttention(prefix + "self_attn", LayerNorm(prefix + "norm1", x, t, width), t, null, t, width, heads, causal: true));
        x = Add(x, MultiHeadAttention(prefix + "multihead_attn", LayerNorm(prefix + "norm2", x, t, width), t, memory, s, width, heads, causal: false));
        return Add(x, FeedForward(prefix, LayerNorm(prefix + "norm3", x, t, width), t, width, hidden));
    }

    /// <summary>linear2(gelu(linear1(x))).</summary>
    private Scalar[] FeedForward(string prefix, Scalar[] x, int t, int width, int hidden) =>
        Linear(prefix + "linear2", Linear(prefix + "linear1", x, t, width, hidden).Select(Scalar.Gelu).ToArray(), t, hidden, width);

    /// <summary>nn.MultiheadAttention(width, heads, batch_first=True) of query [tq, width] over memory [tk, width]
    /// (the query itself when <paramref name="memory"/> is null: self-attention): [tq, width].</summary>
    public Scalar[] MultiHeadAttention(string name, Scalar[] query, int tq, Scalar[]? memory, int tk, int width, int heads, bool causal)
    {
        memory ??= query;
        var w = parameters[name + ".in_proj_weight"];
        var b = parameters[name + ".in_proj_bias"];
        var q = Project(query, tq, width, w, b, 0);
        var k = Project(memory, tk, width, w, b, width);
        var v = Project(memory, tk, width, w, b, 2 * width);
        int d = width / heads;
        double scale = 1 / Math.Sqrt(d);
        var merged = new Scalar[tq * width];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < tq; i++)
            {
                int attended = causal ? i + 1 : tk;
                var scores = new Scalar[attended];
                for (int j = 0; j < attended; j++)
                    scores[j] = Scalar.Dot(Row(q, i, width, h * d, d), Row(k, j, width, h * d, d)) * scale;
                var p = Softmax(scores);
                for (int c = 0; c < d; c++)
                    merged[i * width + h * d + c] = Scalar.Dot(p, Enumerable.Range(0, attended).Select(j => v[j * width + h * d + c]).ToArray());
            }
        return Linear(name + ".out_proj", merged, tq, width, width);
    }

    /// <summary>Rows <paramref name="first"/>..first+width-1 of the stacked projection applied to x [rows, width].</summary>
    private static Scalar[] Project(Scalar[] x, int rows, int width, Scalar[] w, Scalar[] b, int first)
    {
        var y = new Scalar[rows * width];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < width; o++)
                y[r * width + o] = Scalar.Dot(Row(w, first + o, width, 0, width), Row(x, r, width, 0, width)) + b[first + o];
        return y;
    }

    /// <summary>nn.Linear: x [rows, inputs] W^T + b, W [outputs, inputs].</summary>
    public Scalar[] Linear(string name, Scalar[] x, int rows, int inputs, int outputs)
    {
        var w = parameters[name + ".weight"];
        var b = parameters.GetValueOrDefault(name + ".bias");
        var y = new Scalar[rows * outputs];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                var dot = Scalar.Dot(Row(w, o, inputs, 0, inputs), Row(x, r, inputs, 0, inputs));
                y[r * outputs + o] = b is null ? dot : dot + b[o];
            }
        return y;
    }

    /// <summary>nn.LayerNorm(width) over each row of x [rows, width].</summary>
    public Scalar[] LayerNorm(string name, Scalar[] x, int rows, int width)
    {
        var gamma = parameters[name + ".weight"];
        var beta = parameters[name + ".bias"];
        var y = new Scalar[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var row = Row(x, r, width, 0, width);
            var mean = Scalar.Sum(row) / width;
            var centered = row.Select(v => v - mean).ToArray();
            var rstd = new Scalar(1) / Scalar.Sqrt(Scalar.Dot(centered, centered) / width + Epsilon);
            for (int c = 0; c < width; c++) y[r * width + c] = centered[c] * rstd * gamma[c] + beta[c];
        }
        return y;
    }

    /// <summary>Columns first..first+count-1 of row r of a row-major matrix with <paramref name="width"/> columns.</summary>
    public static Scalar[] Row(Scalar[] x, int r, int width, int first, int count) => x.AsSpan(r * width + first, count).ToArray();

    public static Scalar[] Add(Scalar[] a, Scalar[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>Shifted by the largest value (a constant: softmax does not depend on it).</summary>
    public static Scalar[] Softmax(Scalar[] x)
    {
        double max = x.Max(v => v.Value);
        var e = x.Select(v => Scalar.Exp(v - max)).ToArray();
        var total = Scalar.Sum(e);
        return e.Select(v => v / total).ToArray();
    }

    /// <summary>-log softmax(logits)[label].</summary>
    public static Scalar CrossEntropy(Scalar[] logits, int label)
    {
        double max = logits.Max(v => v.Value);
        return Scalar.Log(Scalar.Sum(logits.Select(v => Scalar.Exp(v - max)).ToArray())) + max - logits[label];
    }

    /// <summary>mean((y - t)^2) over the sample's elements (MeanSquaredError's per-sample loss).</summary>
    public static Scalar MeanSquaredError(Scalar[] y, float[] t)
    {
        var diff = y.Select((v, i) => v - t[i]).ToArray();
        return Scalar.Dot(diff, diff) / y.Length;
    }

    /// <summary>Leaves for inputs (constants: their gradients are not checked).</summary>
    public static Scalar[] Constants(ReadOnlySpan<float> x)
    {
        var y = new Scalar[x.Length];
        for (int i = 0; i < y.Length; i++) y[i] = new Scalar(x[i]);
        return y;
    }
}
