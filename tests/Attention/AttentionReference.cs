using System;

namespace NetCompiler.Tests.Attention;

/// <summary>Multi-head scaled dot-product attention in float64, written from the formula with plain loops and nothing of
/// NetCompiler: for one sample, query [Tq, H d_k], key [Tk, H d_k], value [Tk, H d_v] (row-major, the heads side by side
/// in each row); head h's scores s[i, j] = sum_c q[i, h d_k + c] k[j, h d_k + c] / sqrt(d_k) over the keys j query i
/// attends (all, or 0..i when causal, and never a key that <c>padding[j]</c> marks: PyTorch's <c>key_padding_mask</c>),
/// p = softmax over j, out[i, h d_v + c] = sum_j p[i, j] v[j, h d_v + c]; a row with no key attended outputs zeros (and
/// has a log-sum-exp of +inf), as NetCompiler defines it (PyTorch gives NaN). Optionally a bias [1 or H, Tq, Tk] is added
/// to the scores (T5's relative position bias) and the dot products are multiplied by another scale than 1 / sqrt(d_k).</summary>
internal static class AttentionReference
{
    /// <summary>The sizes of one attention: Tq, Tk, heads, d_k, d_v and the causal mask.</summary>
    internal readonly record struct Shape(int Queries, int Keys, int Heads, int HeadDim, int ValueHeadDim, bool Causal)
    {
        public int QueryWidth => Heads * HeadDim;
        public int ValueWidth => Heads * ValueHeadDim;
        public int QuerySize => Queries * QueryWidth;
        public int KeySize => Keys * QueryWidth;
        public int ValueSize => Keys * ValueWidth;
        public int OutputSize => Queries * ValueWidth;
        /// <summary>Keys query <paramref name="i"/> attends.</summary>
        public int Attended(int i) => Causal ? i + 1 : Keys;
        public override string ToString() =>
            $"Tq {Queries}, Tk {Keys}, heads {Heads}, d_k {HeadDim}, d_v {ValueHeadDim}{(Causal ? ", causal" : "")}";
    }

    /// <summary>The scaled scores of head <paramref name="h"/>, [Tq, Tk], -inf where the mask hides a key (causal, or
    /// <paramref name="padding"/>[j] true); plus <paramref name="bias"/>[h or 0, i, j] when given; the dot products times
    /// <paramref name="scale"/> (0: 1 / sqrt(d_k)).</summary>
    public static double[,] Scores(Shape s, ReadOnlySpan<double> q, ReadOnlySpan<double> k, int h, bool[]? padding = null, double[]? bias = null,
        double scale = 0)
    {
        if (padding is not null && padding.Length != s.Keys) throw new ArgumentException("one padding flag per key");
        if (s.Causal && s.Queries != s.Keys) throw new ArgumentException("causal needs Tq == Tk");
        var scores = new double[s.Queries, s.Keys];
        if (scale == 0) scale = 1.0 / Math.Sqrt(s.HeadDim);
        int e = s.QueryWidth, matrix = s.Queries * s.Keys;
        int biasOffset = bias is null ? 0 : bias.Length == matrix ? 0 : bias.Length == s.Heads * matrix ? h * matrix : throw new ArgumentException("bias size");
        for (int i = 0; i < s.Queries; i++)
            for (int j = 0; j < s.Keys; j++)
            {
                if (j >= s.Attended(i) || padding is not null && padding[j]) { scores[i, j] = double.NegativeInfinity; continue; }
                double dot = 0;
                for (int c = 0; c < s.HeadDim; c++) dot += q[i * e + h * s.HeadDim + c] * k[j * e + h * s.HeadDim + c];
                scores[i, j] = dot * scale + (bias is null ? 0 : bias[biasOffset + i * s.Keys + j]);
            }
        return scores;
    }

    /// <summary>log(sum_j exp(s[i, j])) over the attended keys of each row of each head, [heads, Tq] (computed stably:
    /// max + log sum exp(s - max)).</summary>
    public static double[] LogSumExp(Shape s, ReadOnlySpan<double> q, ReadOnlySpan<double> k, bool[]? padding = null, double[]? bias = null,
        double scale = 0)
    {
        var lse = new double[s.Heads * s.Queries];
        for (int h = 0; h < s.Heads; h++)
        {
            var scores = Scores(s, q, k, h, padding, bias, scale);
            for (int i = 0; i < s.Queries; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < s.Attended(i); j++) max = Math.Max(max, scores[i, j]);
                if (double.IsNegativeInfinity(max)) { lse[h * s.Queries + i] = double.PositiveInfinity; continue; }   // no key
                double sum = 0;
                for (int j = 0; j < s.Attended(i); j++) sum += Math.Exp(scores[i, j] - max);
                lse[h * s.Queries + i] = max + Math.Log(sum);
            }
        }
        return lse;
    }

    /// <summary>The output [Tq, H d_v] of one sample.</summary>
    public static double[] Forward(Shape s, ReadOnlySpan<double> q, ReadOnlySpan<double> k, ReadOnlySpan<double> v, bool[]? padding = null,
        double[]? bias = null, double scale = 0)
    {
        if (q.Length != s.QuerySize || k.Length != s.KeySize || v.Length != s.ValueSize) throw new ArgumentException("operand sizes");
        var y = new double[s.OutputSize];
        int ev = s.ValueWidth;
        for (int h = 0; h < s.Heads; h++)
        {
            var scores = Scores(s, q, k, h, padding, bias, scale);
            for (int i = 0; i < s.Queries; i++)
            {
                int n = s.Attended(i);
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++) max = Math.Max(max, scores[i, j]);
                if (double.IsNegativeInfinity(max)) continue;   // no key attended: the row stays zeros
                var p = new double[n];
                double sum = 0;
                for (int j = 0; j < n; j++) sum += p[j] = Math.Exp(scores[i, j] - max);
                for (int c = 0; c < s.ValueHeadDim; c++)
                {
                    double acc = 0;
                    for (int j = 0; j < n; j++) acc += p[j] / sum * v[j * ev + h * s.ValueHeadDim + c];
                    y[i * ev + h * s.ValueHeadDim + c] = acc;
                }
            }
        }
        return y;
    }

    /// <summary>sum_i w[i] out[i]: the objective whose gradients the tests check (so dy = w).</summary>
    public static double Objective(Shape s, double[] q, double[] k, double[] v, float[] w, bool[]? padding = null, double[]? bias = null,
        double scale = 0)
    {
        var y = Forward(s, q, k, v, padding, bias, scale);
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += w[i] * y[i];
        return sum;
    }

    /// <summary><paramref name="n"/> values uniform in [-<paramref name="range"/>, <paramref name="range"/>), rounded to
    /// float so that the float32 code under test and the reference read the same numbers.</summary>
    public static double[] Random(Random rng, int n, double range = 1)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2 - 1) * range);
        return x;
    }

    public static float[] ToFloat(double[] x) => Array.ConvertAll(x, d => (float)d);
}
