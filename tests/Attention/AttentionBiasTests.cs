using System;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;
using Shape = NetCompiler.Tests.Attention.AttentionReference.Shape;

namespace NetCompiler.Tests.Attention;

/// <summary>Attention with an additive score bias (<c>bias:</c>, T5's relative position bias) and another scale than
/// 1 / sqrt(d_k) (<c>scale:</c>, T5's 1): the eager op and the compiled kernel against the float64
/// <see cref="AttentionReference"/>: outputs, and every gradient (query, key, value, bias) against central differences
/// of the reference. Cases: one bias per head and one shared by the heads, causal and not, key padding, Tq != Tk past a
/// register of keys, the default and other scales; and a bias shared by the samples (stride 0) whose gradient sums
/// theirs.</summary>
public class AttentionBiasTests
{
    private const int Samples = 2;

    /// <summary>Tq, Tk, heads, d_k, d_v, causal, one bias matrix per head (else one shared), scale (0: the default),
    /// key padding.</summary>
    public static TheoryData<int, int, int, int, int, bool, bool, float, bool> Cases() => new()
    {
        { 5, 5, 1, 3, 3, false, true, 0f, false },
        { 6, 6, 4, 2, 3, true, true, 1f, false },
        { 7, 7, 4, 1, 2, false, false, 1f, true },
        { 3, 21, 4, 2, 1, false, true, 0.7f, true },
        { 17, 17, 2, 4, 4, true, false, 0f, false },
        { 9, 17, 4, 2, 2, false, true, 1f, false },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Eager_attention_with_a_bias_matches_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal, bool perHead, float scale, bool padded)
    {
        var (s, seed, padding) = Setup(tq, tk, heads, dk, dv, causal, padded);
        int biasHeads = perHead ? heads : 1;
        int[] biasShape = perHead ? [heads, tq, tk] : [tq, tk];
        var operands = new GradCheck.Operands(
        [
            new In(Samples, [tq, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Samples, [tk, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Samples, [tk, s.ValueWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(0, biasShape, Gen: GradCheck.Uniform(-2, 2)),   // a parameter, shared by the batch (as a relative position bias)
        ], seed);
        var t = operands.Tensors;
        Tokens? ids = padding is null ? null : Tokens.FromBatch(padding.SelectMany(p => p.Select((pad, j) => pad ? 0 : 1 + j)).ToArray(), Samples, tk);
        var y = Ops.Attention(t[0], t[1], t[2], heads, causal, ids, padId: 0, bias: t[3], scale: scale);
        var rng = new Random(seed + 1);
        var w = Enumerable.Range(0, Samples * s.OutputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Ops.Sum(y * Tensor.FromBatch(w, Samples, tq, s.ValueWidth)).Backward();

        var data = operands.References.Select(r => r.Data).ToArray();
        for (int b = 0; b < Samples; b++)
            AttentionReferenceTests.AssertClose(AttentionReference.Forward(s, Sample(data[0], s.QuerySize, b), Sample(data[1], s.KeySize, b),
                Sample(data[2], s.ValueSize, b), padding?[b], data[3], scale), y.Values.Slice(b * s.OutputSize, s.OutputSize), 1e-5, $"eager, {s}, sample {b}");

        double Objective()
        {
            double sum = 0;
            for (int b = 0; b < Samples; b++)
                sum += AttentionReference.Objective(s, Sample(data[0], s.QuerySize, b), Sample(data[1], s.KeySize, b), Sample(data[2], s.ValueSize, b),
                    w[(b * s.OutputSize)..((b + 1) * s.OutputSize)], padding?[b], data[3], scale);
            return sum / Samples;
        }
        string[] names = ["dq", "dk", "dv", "dbias"];
        for (int k = 0; k < 4; k++)
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(data[k], Objective), operands.Gradient(k),
                $"eager, {s}, {biasHeads} bias matrices, scale {scale}: {names[k]}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compiled_kernel_with_a_bias_matches_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal, bool perHead, float scale, bool padded)
    {
        var (s, seed, padding) = Setup(tq, tk, heads, dk, dv, causal, padded);
        var run = new KernelRun(s, perHead ? heads : 1, scale, padding, seed, biasPerSample: true);
        run.Forward();
        run.Backward();
        for (int b = 0; b < Samples; b++)
        {
            double[] q = run.Q[b], k = run.K[b], v = run.V[b], bias = run.Bias[b];
            string what = $"compiled, {s}, {run.BiasHeads} bias matrices, scale {scale}, sample {b}";
            AttentionReferenceTests.AssertClose(AttentionReference.Forward(s, q, k, v, padding?[b], bias, scale), run.Output(b), 1e-5, what);
            double Objective() => AttentionReference.Objective(s, q, k, v, run.W[b], padding?[b], bias, scale);
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(q, Objective), run.Added(run.Dq, b), what + ": dq");
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(k, Objective), run.Added(run.Dk, b), what + ": dk");
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(v, Objective), run.Added(run.Dv, b), what + ": dv");
            AttentionGradientTests.AssertClose(AttentionGradientTests.ReferenceGradientOf(bias, Objective), run.Added(run.DBias, b), what + ": dbias");
        }
    }

    /// <summary>A bias stride of 0: every sample reads the one bias, and backward sums the samples' gradients into one.</summary>
    [Fact]
    public void A_bias_shared_by_the_samples_sums_their_gradients()
    {
        var (s, seed, _) = Setup(6, 6, 2, 3, 2, causal: true, padded: false);
        var run = new KernelRun(s, biasHeads: 2, scale: 1f, padding: null, seed, biasPerSample: false);
        run.Forward();
        run.Backward();
        var expected = new double[run.BiasSize];
        for (int b = 0; b < Samples; b++)
        {
            double[] q = run.Q[b], k = run.K[b], v = run.V[b];
            AttentionReferenceTests.AssertClose(AttentionReference.Forward(s, q, k, v, null, run.Bias[0], 1), run.Output(b), 1e-5, $"sample {b}");
            var g = AttentionGradientTests.ReferenceGradientOf(run.Bias[0], () => AttentionReference.Objective(s, q, k, v, run.W[b], null, run.Bias[0], 1));
            for (int i = 0; i < g.Length; i++) expected[i] += g[i];
        }
        AttentionGradientTests.AssertClose(expected, run.Added(run.DBias, 0), "dbias summed over the samples");
    }

    [Fact]
    public void Eager_attention_refuses_a_bias_of_the_wrong_shape_and_a_scale_that_is_not_finite()
    {
        var x = Tensor.FromBatch(new float[2 * 3 * 4], 2, 3, 4);
        var error = Assert.Throws<ArgumentException>(() => Ops.Attention(x, x, x, 2, bias: Tensor.Constant(new float[3 * 3 * 3], 3, 3, 3)));
        Assert.Contains("[2, 3, 3] or [3, 3]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Attention(x, x, x, 2, scale: float.NaN));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static (Shape, int Seed, bool[][]? Padding) Setup(int tq, int tk, int heads, int dk, int dv, bool causal, bool padded)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        int seed = AttentionReferenceTests.Seed(s) + 17;
        // Padding: every third key from the second, so each row keeps a key (the first) and some rows lose several.
        var padding = padded ? Enumerable.Range(0, Samples).Select(b => Enumerable.Range(0, tk).Select(j => j % 3 == 1 + b % 2).ToArray()).ToArray() : null;
        return (s, seed, padding);
    }

    private static double[] Sample(double[] data, int size, int b) => data[(b * size)..((b + 1) * size)];

    /// <summary>The kernel over <see cref="Samples"/> samples laid out back to back (a bias per sample, or one for all with
    /// a stride of 0), its gradients added into buffers pre-filled with random values.</summary>
    private sealed class KernelRun
    {
        private readonly Shape _s;
        private readonly AttentionGeometry _g;
        private readonly int _biasStride;
        private readonly float[] _q, _k, _v, _ids, _bias, _y, _lse, _dy, _dq0, _dk0, _dv0, _dBias0;
        public readonly double[][] Q, K, V, Bias;
        public readonly float[][] W;
        public readonly float[] Dq, Dk, Dv, DBias;
        public readonly int BiasHeads, BiasSize;

        public KernelRun(Shape s, int biasHeads, float scale, bool[][]? padding, int seed, bool biasPerSample)
        {
            _s = s; BiasHeads = biasHeads; BiasSize = biasHeads * s.Queries * s.Keys;
            _g = new AttentionGeometry(s.Queries, s.Keys, s.Heads, s.HeadDim, s.ValueHeadDim, s.Causal, keyPadding: padding is not null,
                padId: AttentionKernelRun.PadId, scale: scale, biasHeads: biasHeads);
            (Q, K, V) = AttentionReferenceTests.Operands(s, Samples, seed, range: 1);
            var rng = new Random(seed + 5);
            Bias = Enumerable.Range(0, biasPerSample ? Samples : 1).Select(_ => AttentionReference.Random(rng, BiasSize, 2)).ToArray();
            _biasStride = biasPerSample ? BiasSize : 0;
            W = Enumerable.Range(0, Samples).Select(_ => AttentionReference.ToFloat(AttentionReference.Random(rng, s.OutputSize))).ToArray();
            (_q, _k, _v, _bias) = (Flat(Q), Flat(K), Flat(V), Flat(Bias));
            _ids = padding is null ? [0f] : AttentionKernelRun.KeyIds(padding, s.Keys);
            _y = new float[Samples * s.OutputSize];
            _lse = new float[Samples * s.Heads * s.Queries];
            _dy = W.SelectMany(x => x).ToArray();
            Dq = Prefilled(rng, _q.Length); Dk = Prefilled(rng, _k.Length); Dv = Prefilled(rng, _v.Length); DBias = Prefilled(rng, _bias.Length);
            (_dq0, _dk0, _dv0, _dBias0) = ((float[])Dq.Clone(), (float[])Dk.Clone(), (float[])Dv.Clone(), (float[])DBias.Clone());
        }

        public void Forward() =>
            ScaledDotProductAttention.Forward(in _g, ref _q[0], _s.QuerySize, ref _k[0], _s.KeySize, ref _v[0], _s.ValueSize, ref _ids[0], _s.Keys,
                ref _bias[0], _biasStride, ref _y[0], _s.OutputSize, ref _lse[0], _s.Heads * _s.Queries, Samples);

        public void Backward() =>
            ScaledDotProductAttention.Backward(in _g, ref _q[0], _s.QuerySize, ref _k[0], _s.KeySize, ref _v[0], _s.ValueSize, ref _ids[0], _s.Keys,
                ref _bias[0], _biasStride, ref _y[0], _s.OutputSize, ref _lse[0], _s.Heads * _s.Queries, ref _dy[0], _s.OutputSize,
                ref Dq[0], _s.QuerySize, true, ref Dk[0], _s.KeySize, true, ref Dv[0], _s.ValueSize, true, ref DBias[0], _biasStride, true, Samples);

        public float[] Output(int b) => _y.AsSpan(b * _s.OutputSize, _s.OutputSize).ToArray();

        /// <summary>What backward added to sample <paramref name="b"/>'s part of a gradient buffer.</summary>
        public float[] Added(float[] buffer, int b)
        {
            var (before, size) = buffer == Dq ? (_dq0, _s.QuerySize) : buffer == Dk ? (_dk0, _s.KeySize) : buffer == Dv ? (_dv0, _s.ValueSize) : (_dBias0, BiasSize);
            return Enumerable.Range(b * size, size).Select(i => buffer[i] - before[i]).ToArray();
        }

        private static float[] Flat(double[][] samples) => samples.SelectMany(AttentionReference.ToFloat).ToArray();

        private static float[] Prefilled(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }
}
