using System;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;
using Shape = NetCompiler.Tests.Attention.AttentionReference.Shape;

namespace NetCompiler.Tests.Attention;

/// <summary>Attention with a key padding mask from token ids (<c>Attention(q, k, v, heads, causal, keyIds, padId)</c>):
/// the eager op (a Where on the scores and on the probabilities) and the compiled kernel (which reads the ids) give the
/// float64 <see cref="AttentionReference"/>'s output, log-sum-exp and gradients (central finite differences), self- and
/// cross-attention, one and four heads, causal and not. Each case runs three padding patterns, one per sample: random
/// keys padded, the first half of the keys padded (so the first causal queries see no key), and every key padded; a query
/// with no key outputs zeros, saves a log-sum-exp of +inf and passes no gradient.</summary>
public class AttentionPaddingTests
{
    public static TheoryData<int, int, int, int, int, bool> Cases() => new()
    {
        { 5, 5, 1, 3, 3, false },
        { 5, 5, 1, 3, 3, true },
        { 6, 6, 4, 2, 3, true },
        { 7, 7, 4, 1, 2, false },
        { 9, 9, 1, 16, 4, true },
        { 3, 21, 1, 4, 5, false },
        { 3, 21, 4, 2, 1, false },
        { 9, 17, 4, 2, 2, false },
        { 4, 1, 1, 3, 2, false },
    };

    /// <summary>Per sample b of <paramref name="samples"/>, which keys are padding: b = 0 (mod 3) about a third at random
    /// (never all), b = 1 the first half (rounded up), b = 2 all of them.</summary>
    internal static bool[][] Padding(int keys, int samples, int seed)
    {
        var rng = new Random(seed);
        var padding = new bool[samples][];
        for (int b = 0; b < samples; b++)
        {
            padding[b] = (b % 3) switch
            {
                0 => Enumerable.Range(0, keys).Select(_ => rng.NextDouble() < 0.35).ToArray(),
                1 => Enumerable.Range(0, keys).Select(j => j < (keys + 1) / 2).ToArray(),
                _ => Enumerable.Repeat(true, keys).ToArray(),
            };
            if (b % 3 == 0) padding[b][rng.Next(keys)] = false;
        }
        return padding;
    }

    /// <summary>The padding as ids: <see cref="AttentionKernelRun.PadId"/> where padded.</summary>
    internal static Tokens Ids(bool[][] padding) =>
        Tokens.FromBatch(AttentionKernelRun.KeyIds(padding, padding[0].Length).Select(f => (int)f).ToArray(), padding.Length, padding[0].Length);

    /// <summary>The reference on a hand case: keys with scores 0 and ln 2 over values 3 and 6 give 5 (see
    /// AttentionReferenceTests); padding the second key leaves 3, padding both leaves 0 with a log-sum-exp of +inf.</summary>
    [Fact]
    public void Reference_matches_a_hand_computed_case()
    {
        var s = new Shape(1, 2, 1, 1, 1, false);
        double[] q = [1.0], k = [0.0, Math.Log(2)], v = [3.0, 6.0];
        Assert.Equal(5.0, AttentionReference.Forward(s, q, k, v, [false, false])[0], 12);
        Assert.Equal(3.0, AttentionReference.Forward(s, q, k, v, [false, true])[0], 12);
        Assert.Equal(6.0, AttentionReference.Forward(s, q, k, v, [true, false])[0], 12);
        Assert.Equal(0.0, AttentionReference.Forward(s, q, k, v, [true, true])[0]);
        Assert.Equal(double.PositiveInfinity, AttentionReference.LogSumExp(s, q, k, [true, true])[0]);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Eager_op_matches_the_float64_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = AttentionReferenceTests.Operands(s, batch: 3, seed: AttentionReferenceTests.Seed(s), range: 1);
        var padding = Padding(tk, 3, AttentionReferenceTests.Seed(s));
        var y = Ops.Attention(AttentionReferenceTests.Batched(q, tq, s.QueryWidth), AttentionReferenceTests.Batched(k, tk, s.QueryWidth),
            AttentionReferenceTests.Batched(v, tk, s.ValueWidth), heads, causal, Ids(padding), AttentionKernelRun.PadId).ToArray();
        for (int b = 0; b < 3; b++)
            AttentionReferenceTests.AssertClose(AttentionReference.Forward(s, q[b], k[b], v[b], padding[b]), y.AsSpan(b * s.OutputSize, s.OutputSize),
                1e-5, $"eager, {s}, padding {Text(padding[b])}");
    }

    /// <summary>Also 64 x 64 with four heads: large enough for the forward to split its (sample, head) pairs over the
    /// cores, each part reading its samples' ids.</summary>
    [Theory, MemberData(nameof(Cases))]
    [InlineData(64, 64, 4, 16, 17, true)]
    [InlineData(64, 64, 4, 16, 16, false)]
    public void Compiled_kernel_matches_the_float64_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var (q, k, v) = AttentionReferenceTests.Operands(s, batch: 3, seed: AttentionReferenceTests.Seed(s) + 1, range: 1);
        var padding = Padding(tk, 3, AttentionReferenceTests.Seed(s) + 1);
        var (y, lse) = AttentionKernelRun.Forward(s, q, k, v, padding);
        for (int b = 0; b < 3; b++)
        {
            string what = $"compiled, {s}, padding {Text(padding[b])}";
            AttentionReferenceTests.AssertClose(AttentionReference.Forward(s, q[b], k[b], v[b], padding[b]), y[b], 1e-5, what);
            var expected = AttentionReference.LogSumExp(s, q[b], k[b], padding[b]);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(double.IsPositiveInfinity(expected[i]) ? float.IsPositiveInfinity(lse[b][i]) : Math.Abs(lse[b][i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                    $"{what}: log-sum-exp {i} is {lse[b][i]:R}, reference {expected[i]:R}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Eager_gradients_match_finite_differences_of_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        const int Batch = 2;   // the random and the leading-half patterns
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        int seed = AttentionReferenceTests.Seed(s) + 2;
        var operands = new GradCheck.Operands(
        [
            new In(Batch, [tq, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Batch, [tk, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Batch, [tk, s.ValueWidth], Gen: GradCheck.Uniform(-1, 1)),
        ], seed);
        var padding = Padding(tk, Batch, seed);
        var t = operands.Tensors;
        var y = Ops.Attention(t[0], t[1], t[2], heads, causal, Ids(padding), AttentionKernelRun.PadId);
        var rng = new Random(seed + 1);
        var w = Enumerable.Range(0, Batch * s.OutputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Ops.Sum(y * Tensor.FromBatch(w, Batch, tq, s.ValueWidth)).Backward();

        var data = operands.References.Select(r => r.Data).ToArray();
        double Objective()
        {
            double sum = 0;
            for (int b = 0; b < Batch; b++)
                sum += AttentionReference.Objective(s, AttentionGradientTests.Sample(data[0], s.QuerySize, b), AttentionGradientTests.Sample(data[1], s.KeySize, b),
                    AttentionGradientTests.Sample(data[2], s.ValueSize, b), w[(b * s.OutputSize)..((b + 1) * s.OutputSize)], padding[b]);
            return sum / Batch;
        }

        string[] names = ["dq", "dk", "dv"];
        for (int k = 0; k < 3; k++)
        {
            var gradient = operands.Gradient(k);
            Assert.All(gradient.ToArray(), g => Assert.True(float.IsFinite(g), $"eager, {s}: {names[k]} is not finite"));
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(data[k], Objective), gradient, $"eager, {s}, padded: {names[k]}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compiled_backward_adds_the_gradients_of_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        int seed = AttentionReferenceTests.Seed(s) + 3;
        var padding = Padding(tk, 3, seed);
        var r = AttentionGradientTests.BackwardRun.Prepare(s, samples: 3, seed, padding);
        r.Backward(needQ: true, needK: true, needV: true);
        r.AssertPaddingUntouched();
        for (int b = 0; b < r.Samples; b++)
        {
            double[] q = r.Q[b], k = r.K[b], v = r.V[b];
            float[] w = r.W[b];
            bool[] keys = padding[b];
            double Objective() => AttentionReference.Objective(s, q, k, v, w, keys);
            string what = $"compiled, {s}, padding {Text(keys)}";
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(q, Objective), r.Added(r.Dq, r.DqStride, s.QuerySize, b), what + ": dq");
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(k, Objective), r.Added(r.Dk, r.DkStride, s.KeySize, b), what + ": dk");
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(v, Objective), r.Added(r.Dv, r.DvStride, s.ValueSize, b), what + ": dv");
        }
    }

    /// <summary>A padding key's key and value rows do not matter: making them huge changes no bit of the output (their
    /// scores become -inf whatever they were, their weights exactly 0).</summary>
    [Fact]
    public void Compiled_kernel_ignores_large_values_at_padding_keys()
    {
        var s = new Shape(5, 9, 4, 2, 3, false);
        var (q, k, v) = AttentionReferenceTests.Operands(s, batch: 1, seed: 11, range: 1);
        var padding = new[] { new[] { false, true, false, false, true, true, false, false, true } };
        var (clean, _) = AttentionKernelRun.Forward(s, q, k, v, padding);
        for (int j = 0; j < s.Keys; j++)
            if (padding[0][j])
            {
                for (int c = 0; c < s.QueryWidth; c++) k[0][j * s.QueryWidth + c] = 1e4;
                for (int c = 0; c < s.ValueWidth; c++) v[0][j * s.ValueWidth + c] = 1e4;
            }
        var (dirty, _) = AttentionKernelRun.Forward(s, q, k, v, padding);
        Assert.Equal(clean[0], dirty[0]);
    }

    private static string Text(bool[] padding) => string.Concat(padding.Select(p => p ? 'P' : '.'));
}
