using System;
using System.Linq;
using Xunit;
using Shape = NetCompiler.Tests.Attention.AttentionReference.Shape;

namespace NetCompiler.Tests.Attention;

/// <summary>The eager <see cref="Ops.Attention"/> and the compiled kernel <see cref="ScaledDotProductAttention.Forward"/>
/// (called as generated code calls it, but over several samples with padded strides) give the float64
/// <see cref="AttentionReference"/>'s output within 1e-5 of the output's largest magnitude: one and four heads, causal
/// and not, every Tq from 1 to 5 and 7 and 64 around the kernel's blocks of four query rows, cross-attention with
/// Tq != Tk and Tk around the register widths (1, 15, 16, 17, 21, 33), d_k = 1, 3 and 16 with d_v != d_k (d_v 17 is a
/// register of 16 or two of 8 and a tail). Also: scores in the hundreds stay finite and right (the softmax subtracts the
/// row's max), and the saved log-sum-exp is the reference's log(sum(exp(scores))).</summary>
public class AttentionReferenceTests
{
    private const double Tolerance = 1e-5;

    /// <summary>(d_k, d_v) pairs: a width of one, unequal odd widths, a full register of keys with a longer value.</summary>
    private static readonly (int Dk, int Dv)[] Widths = [(1, 1), (3, 5), (16, 17)];

    public static TheoryData<int, int, int, int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, int, int, int, bool>();
        foreach (int t in new[] { 1, 2, 3, 4, 5, 7, 64 })
            foreach (int heads in new[] { 1, 4 })
                foreach (bool causal in new[] { false, true })
                    foreach (var (dk, dv) in Widths)
                        data.Add(t, t, heads, dk, dv, causal);
        foreach (var (tq, tk) in new[] { (3, 21), (5, 1), (1, 5), (2, 15), (4, 16), (6, 17), (9, 33) })
            foreach (int heads in new[] { 1, 4 })
                foreach (var (dk, dv) in Widths)
                    data.Add(tq, tk, heads, dk, dv, false);
        return data;
    }

    /// <summary>The reference itself, on a case worked by hand: scores 0 and ln 2 give probabilities 1/3 and 2/3, so the
    /// output is 3/3 + 2 6/3 = 5; the causal first row sees only the first value; a second head is independent of the
    /// first.</summary>
    [Fact]
    public void Reference_matches_a_hand_computed_case()
    {
        // One head of d_k = 1 (scale 1): q = 1, keys 0 and ln 2, values 3 and 6.
        var s = new Shape(1, 2, 1, 1, 1, false);
        double[] y = AttentionReference.Forward(s, [1.0], [0.0, Math.Log(2)], [3.0, 6.0]);
        Assert.Equal(5.0, y[0], 12);
        Assert.Equal(Math.Log(1 + 2), AttentionReference.LogSumExp(s, [1.0], [0.0, Math.Log(2)])[0], 12);

        // Causal, two rows: row 0 sees value 0 only, row 1 both (d_k = 4: the scale 1/2 halves the scores).
        var c = new Shape(2, 2, 1, 4, 1, true);
        double[] q = [1, 1, 1, 1, 0, 0, 0, 0], k = [0, 0, 0, 0, 2 * Math.Log(3), 0, 0, 0];
        y = AttentionReference.Forward(c, q, k, [10.0, 20.0]);
        Assert.Equal(10.0, y[0], 12);
        Assert.Equal(15.0, y[1], 12);   // row 1's query is 0: uniform over both keys
        y = AttentionReference.Forward(c with { Causal = false }, q, k, [10.0, 20.0]);
        Assert.Equal((10.0 + 3 * 20.0) / 4, y[0], 12);   // scores 0 and ln 3

        // Two heads side by side: head 1 (columns 1 of q and k, column 1 of v) is head 0's case with values doubled.
        var two = new Shape(1, 2, 2, 1, 1, false);
        y = AttentionReference.Forward(two, [1.0, 1.0], [0.0, 0.0, Math.Log(2), Math.Log(2)], [3.0, 6.0, 6.0, 12.0]);
        Assert.Equal(5.0, y[0], 12);
        Assert.Equal(10.0, y[1], 12);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Eager_op_matches_the_float64_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = Operands(s, batch: 2, seed: Seed(s), range: 1);
        var y = Ops.Attention(Batched(q, tq, s.QueryWidth), Batched(k, tk, s.QueryWidth), Batched(v, tk, s.ValueWidth), heads, causal);
        Assert.Equal(new[] { tq, s.ValueWidth }, y.Shape);
        Assert.Equal(2, y.Batch);
        var values = y.ToArray();
        for (int b = 0; b < 2; b++)
            AssertClose(AttentionReference.Forward(s, q[b], k[b], v[b]), values.AsSpan(b * s.OutputSize, s.OutputSize), Tolerance, $"eager, {s}, sample {b}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compiled_kernel_matches_the_float64_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = Operands(s, batch: 3, seed: Seed(s), range: 1);
        var (y, lse) = AttentionKernelRun.Forward(s, q, k, v);
        for (int b = 0; b < 3; b++)
        {
            AssertClose(AttentionReference.Forward(s, q[b], k[b], v[b]), y[b], Tolerance, $"compiled, {s}, sample {b}");
            AssertLogSumExp(AttentionReference.LogSumExp(s, q[b], k[b]), lse[b], $"compiled, {s}, sample {b}");
        }
    }

    /// <summary>Queries and keys scaled by 30 make scores of several hundred (exp overflows float past 88): the output must
    /// stay finite and match the reference, which subtracts each row's max. Rounding of such scores in float32 is ~1e-4, so
    /// the bound here is 1e-3 of the output's max; an unstable softmax gives NaN or infinity, not a small error.</summary>
    [Theory]
    [InlineData(7, 7, 1, 16, 16, false)]
    [InlineData(7, 7, 4, 3, 5, true)]
    [InlineData(64, 64, 4, 16, 17, true)]
    [InlineData(3, 33, 4, 16, 1, false)]
    [InlineData(5, 17, 1, 1, 2, false)]
    public void Large_scores_stay_finite_and_correct(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = Operands(s, batch: 2, seed: Seed(s) + 17, range: 30, valueRange: 1);
        double maxScore = 0;
        for (int h = 0; h < heads; h++)
            foreach (double score in AttentionReference.Scores(s, q[0], k[0], h))
                if (!double.IsInfinity(score)) maxScore = Math.Max(maxScore, Math.Abs(score));
        Assert.True(maxScore > 100, $"the case should have scores beyond exp's float range, max |score| {maxScore}");

        var (y, lse) = AttentionKernelRun.Forward(s, q, k, v);
        var eager = Ops.Attention(Batched(q, tq, s.QueryWidth), Batched(k, tk, s.QueryWidth), Batched(v, tk, s.ValueWidth), heads, causal).ToArray();
        for (int b = 0; b < 2; b++)
        {
            var expected = AttentionReference.Forward(s, q[b], k[b], v[b]);
            AssertClose(expected, y[b], 1e-3, $"compiled, scores x 900, {s}, sample {b}");
            AssertClose(expected, eager.AsSpan(b * s.OutputSize, s.OutputSize), 1e-3, $"eager, scores x 900, {s}, sample {b}");
            AssertLogSumExp(AttentionReference.LogSumExp(s, q[b], k[b]), lse[b], $"compiled, scores x 900, {s}, sample {b}");
        }
    }

    /// <summary>The compiled kernel writes only its samples' outputs and log-sum-exps: the padding between samples of y and
    /// lse keeps its sentinel, and NaN in the padding of q, k and v (never to be read) does not reach the output.</summary>
    [Theory]
    [InlineData(5, 5, 4, 3, 5, true)]
    [InlineData(3, 17, 1, 16, 17, false)]
    public void Compiled_kernel_keeps_to_its_strides(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = Operands(s, batch: 3, seed: Seed(s) + 3, range: 1);
        var run = AttentionKernelRun.Run(s, q, k, v, padding: 5);
        for (int b = 0; b < 3; b++)
        {
            for (int i = s.OutputSize; i < run.YStride; i++)
                Assert.True(run.Y[b * run.YStride + i] == AttentionKernelRun.Sentinel, $"{s}: y padding of sample {b} at {i} was written: {run.Y[b * run.YStride + i]}");
            for (int i = s.Heads * tq; i < run.LseStride; i++)
                Assert.True(run.Lse[b * run.LseStride + i] == AttentionKernelRun.Sentinel, $"{s}: lse padding of sample {b} at {i} was written");
            AssertClose(AttentionReference.Forward(s, q[b], k[b], v[b]), run.Y.AsSpan(b * run.YStride, s.OutputSize), Tolerance, $"{s}, sample {b}");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    internal static int Seed(Shape s) =>
        s.Queries * 1009 + s.Keys * 101 + s.Heads * 31 + s.HeadDim * 7 + s.ValueHeadDim * 3 + (s.Causal ? 1 : 0);

    /// <summary>Per-sample q, k and v, uniform in ±range (v in ±valueRange, default range), rounded to float.</summary>
    internal static (double[][] Q, double[][] K, double[][] V) Operands(Shape s, int batch, int seed, double range, double? valueRange = null)
    {
        var rng = new Random(seed);
        var q = new double[batch][];
        var k = new double[batch][];
        var v = new double[batch][];
        for (int b = 0; b < batch; b++)
        {
            q[b] = AttentionReference.Random(rng, s.QuerySize, range);
            k[b] = AttentionReference.Random(rng, s.KeySize, range);
            v[b] = AttentionReference.Random(rng, s.ValueSize, valueRange ?? range);
        }
        return (q, k, v);
    }

    internal static Tensor Batched(double[][] samples, int rows, int width) =>
        Tensor.FromBatch(samples.SelectMany(AttentionReference.ToFloat).ToArray(), samples.Length, rows, width);

    /// <summary>|actual - expected| &lt;= tolerance max|expected| element-wise, and actual finite.</summary>
    internal static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = expected.Max(Math.Abs);
        double bound = tolerance * Math.Max(max, 1e-3);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(float.IsFinite(actual[i]) && Math.Abs(actual[i] - expected[i]) <= bound,
                $"{what}: element {i} is {actual[i]:R}, reference {expected[i]:R} (bound {bound:G3})");
    }

    private static void AssertLogSumExp(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(float.IsFinite(actual[i]) && Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}: log-sum-exp {i} is {actual[i]:R}, reference {expected[i]:R}");
    }
}

/// <summary>Calls <see cref="ScaledDotProductAttention"/> over several samples laid out with per-sample strides longer
/// than a sample (the padding filled with NaN in the operands and a sentinel in the outputs).</summary>
internal static class AttentionKernelRun
{
    public const float Sentinel = -12345.5f;

    /// <summary>The pad id of the runs with key padding: not 0, so that the kernel is seen to compare with it.</summary>
    public const int PadId = 3;

    public static AttentionGeometry Geometry(Shape s, bool keyPadding = false) =>
        new(s.Queries, s.Keys, heads: s.Heads, headDim: s.HeadDim, valueHeadDim: s.ValueHeadDim, causal: s.Causal, keyPadding: keyPadding, padId: PadId);

    /// <summary>Float-encoded key ids for <paramref name="keyPadding"/>: <see cref="PadId"/> where a key is padding,
    /// another id (0..5, never the pad id) elsewhere; samples <paramref name="stride"/> apart, NaN between them.</summary>
    public static float[] KeyIds(bool[][] keyPadding, int stride)
    {
        var ids = Filled(keyPadding.Length * stride, float.NaN);
        for (int b = 0; b < keyPadding.Length; b++)
            for (int j = 0; j < keyPadding[b].Length; j++) ids[b * stride + j] = keyPadding[b][j] ? PadId : (PadId + 1 + j % 5) % 6;
        return ids;
    }

    /// <summary>The buffers of one run: operands and outputs, sample after sample, with their strides.</summary>
    internal sealed class Buffers
    {
        public float[] Q = [], K = [], V = [], Y = [], Lse = [], Ids = [0f];
        public int QStride, KStride, VStride, YStride, LseStride, IdsStride, Rows;
        public AttentionGeometry Geometry;

        public float[] Sample(float[] buffer, int stride, int size, int b) => buffer.AsSpan(b * stride, size).ToArray();
    }

    /// <summary>Lays out the samples <paramref name="padding"/> floats apart and runs the forward; with
    /// <paramref name="keyPadding"/> (per sample, true where a key is padding), the padded overload with key ids.</summary>
    public static Buffers Run(Shape s, double[][] q, double[][] k, double[][] v, int padding, bool[][]? keyPadding = null)
    {
        int rows = q.Length;
        var r = new Buffers
        {
            Rows = rows,
            QStride = s.QuerySize + padding, KStride = s.KeySize + padding + 1, VStride = s.ValueSize + padding + 2,
            YStride = s.OutputSize + padding + 3, LseStride = s.Heads * s.Queries + padding,
        };
        r.Q = Pack(q, r.QStride, float.NaN);
        r.K = Pack(k, r.KStride, float.NaN);
        r.V = Pack(v, r.VStride, float.NaN);
        r.Y = Filled(rows * r.YStride, Sentinel);
        r.Lse = Filled(rows * r.LseStride, Sentinel);
        var g = r.Geometry = Geometry(s, keyPadding is not null);
        if (keyPadding is null)
            ScaledDotProductAttention.Forward(in g, ref r.Q[0], r.QStride, ref r.K[0], r.KStride, ref r.V[0], r.VStride,
                ref r.Y[0], r.YStride, ref r.Lse[0], r.LseStride, rows);
        else
        {
            r.IdsStride = s.Keys + padding;
            r.Ids = KeyIds(keyPadding, r.IdsStride);
            ScaledDotProductAttention.Forward(in g, ref r.Q[0], r.QStride, ref r.K[0], r.KStride, ref r.V[0], r.VStride,
                ref r.Ids[0], r.IdsStride, ref r.Y[0], r.YStride, ref r.Lse[0], r.LseStride, rows);
        }
        return r;
    }

    /// <summary>The output and log-sum-exp of every sample.</summary>
    public static (float[][] Y, float[][] Lse) Forward(Shape s, double[][] q, double[][] k, double[][] v, bool[][]? keyPadding = null)
    {
        var r = Run(s, q, k, v, padding: 3, keyPadding);
        var y = new float[q.Length][];
        var lse = new float[q.Length][];
        for (int b = 0; b < q.Length; b++)
        {
            y[b] = r.Sample(r.Y, r.YStride, s.OutputSize, b);
            lse[b] = r.Sample(r.Lse, r.LseStride, s.Heads * s.Queries, b);
        }
        return (y, lse);
    }

    public static float[] Pack(double[][] samples, int stride, float padding)
    {
        var buffer = Filled(samples.Length * stride, padding);
        for (int b = 0; b < samples.Length; b++)
            for (int i = 0; i < samples[b].Length; i++) buffer[b * stride + i] = (float)samples[b][i];
        return buffer;
    }

    public static float[] Filled(int n, float value)
    {
        var x = new float[Math.Max(n, 1)];
        Array.Fill(x, value);
        return x;
    }
}
