using System;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;
using Shape = NetCompiler.Tests.Attention.AttentionReference.Shape;

namespace NetCompiler.Tests.Attention;

/// <summary>The gradients of attention with respect to the query, the key and the value agree with central finite
/// differences of the float64 <see cref="AttentionReference"/> (GradCheck's step 1e-5 and tolerances 1e-4 + 1e-3 |fd|),
/// for the objective sum(w * output) with w random and fixed: (a) the eager <see cref="Ops.Attention"/> through its tape
/// (a batch of two, the objective the batch mean), (b) the compiled <see cref="ScaledDotProductAttention.Backward"/>
/// called directly with dy = w, over samples with padded strides and into pre-filled gradient buffers (it adds). Cases:
/// causal and not, cross-attention with Tq != Tk (keys past a register of 16 and of 8), one and four heads, d_v != d_k.
/// Backward's flags: a gradient not asked for is left untouched, even when its reference is dy's buffer (as generated
/// code passes it).</summary>
public class AttentionGradientTests
{
    public static TheoryData<int, int, int, int, int, bool> Cases() => new()
    {
        { 5, 5, 1, 3, 3, false },
        { 5, 5, 1, 3, 3, true },
        { 6, 6, 4, 2, 3, true },
        { 7, 7, 4, 1, 2, false },
        { 9, 9, 1, 16, 4, true },
        { 1, 1, 1, 2, 2, true },
        { 3, 21, 1, 4, 5, false },
        { 3, 21, 4, 2, 1, false },
        { 9, 17, 4, 2, 2, false },
        { 1, 4, 4, 1, 1, false },
        { 4, 1, 1, 3, 2, false },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Eager_gradients_match_finite_differences_of_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        const int Batch = 2;
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var operands = new GradCheck.Operands(
        [
            new In(Batch, [tq, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Batch, [tk, s.QueryWidth], Gen: GradCheck.Uniform(-1, 1)),
            new In(Batch, [tk, s.ValueWidth], Gen: GradCheck.Uniform(-1, 1)),
        ], seed: AttentionReferenceTests.Seed(s));
        var t = operands.Tensors;
        var y = Ops.Attention(t[0], t[1], t[2], heads, causal);
        var rng = new Random(AttentionReferenceTests.Seed(s) + 1);
        var w = Enumerable.Range(0, Batch * s.OutputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Ops.Sum(y * Tensor.FromBatch(w, Batch, tq, s.ValueWidth)).Backward();

        var data = operands.References.Select(r => r.Data).ToArray();
        double Objective()
        {
            double sum = 0;
            for (int b = 0; b < Batch; b++)
                sum += AttentionReference.Objective(s, Sample(data[0], s.QuerySize, b), Sample(data[1], s.KeySize, b),
                    Sample(data[2], s.ValueSize, b), w[(b * s.OutputSize)..((b + 1) * s.OutputSize)]);
            return sum / Batch;
        }

        string[] names = ["dq", "dk", "dv"];
        for (int k = 0; k < 3; k++)
            AssertClose(ReferenceGradientOf(data[k], Objective), operands.Gradient(k), $"eager, {s}: {names[k]}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compiled_backward_adds_the_gradients_of_the_reference(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        var r = BackwardRun.Prepare(s, samples: 2, seed: AttentionReferenceTests.Seed(s) + 2);
        r.Backward(needQ: true, needK: true, needV: true);
        r.AssertPaddingUntouched();
        for (int b = 0; b < r.Samples; b++)
        {
            double[] q = r.Q[b], k = r.K[b], v = r.V[b];
            float[] w = r.W[b];
            double Objective() => AttentionReference.Objective(s, q, k, v, w);
            string what = $"compiled, {s}, sample {b}";
            AssertClose(ReferenceGradientOf(q, Objective), r.Added(r.Dq, r.DqStride, s.QuerySize, b), what + ": dq");
            AssertClose(ReferenceGradientOf(k, Objective), r.Added(r.Dk, r.DkStride, s.KeySize, b), what + ": dk");
            AssertClose(ReferenceGradientOf(v, Objective), r.Added(r.Dv, r.DvStride, s.ValueSize, b), what + ": dv");
        }
    }

    /// <summary>Every combination of needQ, needK and needV: the gradients asked for are those of the run that asks for
    /// all three, the others keep their contents bit for bit; with none asked for, nothing is written.</summary>
    [Theory]
    [InlineData(6, 6, 4, 2, 3, true)]
    [InlineData(3, 21, 1, 4, 5, false)]
    public void Backward_writes_only_the_gradients_asked_for(int tq, int tk, int heads, int dk, int dv, bool causal)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        int seed = AttentionReferenceTests.Seed(s) + 4;
        var all = BackwardRun.Prepare(s, samples: 2, seed);
        all.Backward(true, true, true);
        for (int flags = 0; flags < 8; flags++)
        {
            bool needQ = (flags & 1) != 0, needK = (flags & 2) != 0, needV = (flags & 4) != 0;
            var r = BackwardRun.Prepare(s, samples: 2, seed);
            float[] dq0 = (float[])r.Dq.Clone(), dk0 = (float[])r.Dk.Clone(), dv0 = (float[])r.Dv.Clone();
            r.Backward(needQ, needK, needV);
            string what = $"{s}, needQ {needQ}, needK {needK}, needV {needV}";
            Check(needQ, r.Dq, dq0, all.Dq, what + ": dq");
            Check(needK, r.Dk, dk0, all.Dk, what + ": dk");
            Check(needV, r.Dv, dv0, all.Dv, what + ": dv");
        }

        static void Check(bool needed, float[] actual, float[] before, float[] full, string what)
        {
            for (int i = 0; i < actual.Length; i++)
                if (needed)
                    Assert.True(Math.Abs(actual[i] - full[i]) <= 1e-6f * Math.Max(1, Math.Abs(full[i])), $"{what}[{i}] is {actual[i]:R}, with all three {full[i]:R}");
                else
                    Assert.True(BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(before[i]),
                        $"{what}[{i}] was not asked for but changed from {before[i]:R} to {actual[i]:R}");
        }
    }

    /// <summary>Generated code passes dy's own buffer for a gradient it does not need (see generator/Ops/Attention.cs):
    /// dy must come out unchanged and the gradients asked for right.</summary>
    [Theory]
    [InlineData(5, 5, 1, 3, 3, true, false, true, true)]
    [InlineData(3, 21, 4, 2, 1, false, true, false, true)]
    [InlineData(7, 7, 4, 1, 2, false, true, true, false)]
    public void Absent_gradients_may_alias_dy(int tq, int tk, int heads, int dk, int dv, bool causal, bool needQ, bool needK, bool needV)
    {
        var s = new Shape(tq, tk, heads, dk, dv, causal);
        int seed = AttentionReferenceTests.Seed(s) + 6;
        var all = BackwardRun.Prepare(s, samples: 1, seed);
        all.Backward(true, true, true);
        var r = BackwardRun.Prepare(s, samples: 1, seed);
        float[] dy0 = (float[])r.Dy.Clone();
        r.Backward(needQ, needK, needV, aliasAbsentToDy: true);
        Assert.Equal(dy0, r.Dy);
        if (needQ) Assert.Equal(all.Dq, r.Dq);
        if (needK) Assert.Equal(all.Dk, r.Dk);
        if (needV) Assert.Equal(all.Dv, r.Dv);
    }

    // ---------------------------------------------------------------------------------------------------------------

    internal static double[] Sample(double[] data, int size, int b) => data[(b * size)..((b + 1) * size)];

    /// <summary>Central differences with GradCheck's step (values perturbed in place, restored).</summary>
    internal static double[] ReferenceGradientOf(double[] values, Func<double> objective) =>
        NetCompiler.Tests.Recurrent.ReferenceGradient.Of(values, objective);

    internal static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what) =>
        NetCompiler.Tests.Recurrent.ReferenceGradient.AssertClose(expected, actual, what);

    /// <summary>One call of the compiled backward over <see cref="Samples"/> samples with padded strides: operands from the
    /// forward, dy = w, and gradient buffers pre-filled with random values (their padding with a sentinel).</summary>
    internal sealed class BackwardRun
    {
        private const float Sentinel = -777.25f;
        private Shape _s;
        private AttentionKernelRun.Buffers _f = null!;
        private float[] _dq0 = [], _dk0 = [], _dv0 = [];

        public int Samples;
        public double[][] Q = [], K = [], V = [];
        public float[][] W = [];
        public float[] Dy = [], Dq = [], Dk = [], Dv = [];
        public int DyStride, DqStride, DkStride, DvStride;

        public static BackwardRun Prepare(Shape s, int samples, int seed, bool[][]? keyPadding = null)
        {
            var (q, k, v) = AttentionReferenceTests.Operands(s, samples, seed, range: 1);
            var r = new BackwardRun { _s = s, Samples = samples, Q = q, K = k, V = v };
            r._f = AttentionKernelRun.Run(s, q, k, v, padding: 2, keyPadding);
            var rng = new Random(seed + 99);
            r.W = Enumerable.Range(0, samples).Select(_ => AttentionReference.ToFloat(AttentionReference.Random(rng, s.OutputSize))).ToArray();
            r.DyStride = s.OutputSize + 1; r.DqStride = s.QuerySize + 3; r.DkStride = s.KeySize + 2; r.DvStride = s.ValueSize + 5;
            r.Dy = AttentionKernelRun.Pack(r.W.Select(x => Array.ConvertAll(x, f => (double)f)).ToArray(), r.DyStride, float.NaN);
            r.Dq = Prefilled(rng, samples, s.QuerySize, r.DqStride);
            r.Dk = Prefilled(rng, samples, s.KeySize, r.DkStride);
            r.Dv = Prefilled(rng, samples, s.ValueSize, r.DvStride);
            r._dq0 = (float[])r.Dq.Clone(); r._dk0 = (float[])r.Dk.Clone(); r._dv0 = (float[])r.Dv.Clone();
            return r;
        }

        private static float[] Prefilled(Random rng, int samples, int size, int stride)
        {
            var x = AttentionKernelRun.Filled(samples * stride, Sentinel);
            for (int b = 0; b < samples; b++)
                for (int i = 0; i < size; i++) x[b * stride + i] = (float)(rng.NextDouble() * 4 - 2);
            return x;
        }

        public void Backward(bool needQ, bool needK, bool needV, bool aliasAbsentToDy = false)
        {
            var f = _f;
            var g = f.Geometry;
            ref float dq = ref !needQ && aliasAbsentToDy ? ref Dy[0] : ref Dq[0];
            ref float dk = ref !needK && aliasAbsentToDy ? ref Dy[0] : ref Dk[0];
            ref float dv = ref !needV && aliasAbsentToDy ? ref Dy[0] : ref Dv[0];
            ScaledDotProductAttention.Backward(in g, ref f.Q[0], f.QStride, ref f.K[0], f.KStride, ref f.V[0], f.VStride,
                ref f.Ids[0], f.IdsStride, ref f.Y[0], f.YStride, ref f.Lse[0], f.LseStride, ref Dy[0], DyStride,
                ref dq, DqStride, needQ, ref dk, DkStride, needK, ref dv, DvStride, needV, Samples);
        }

        /// <summary>What backward added to sample <paramref name="b"/> of a gradient buffer.</summary>
        public float[] Added(float[] buffer, int stride, int size, int b)
        {
            var before = buffer == Dq ? _dq0 : buffer == Dk ? _dk0 : _dv0;
            var added = new float[size];
            for (int i = 0; i < size; i++) added[i] = buffer[b * stride + i] - before[b * stride + i];
            return added;
        }

        public void AssertPaddingUntouched()
        {
            foreach (var (buffer, stride, size, name) in new[] { (Dq, DqStride, _s.QuerySize, "dq"), (Dk, DkStride, _s.KeySize, "dk"), (Dv, DvStride, _s.ValueSize, "dv") })
                for (int b = 0; b < Samples; b++)
                    for (int i = size; i < stride; i++)
                        Assert.True(buffer[b * stride + i] == Sentinel, $"{_s}: {name} padding of sample {b} at {i} was written: {buffer[b * stride + i]}");
        }
    }
}
