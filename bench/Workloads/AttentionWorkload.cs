using System;
using System.Globalization;
using System.Runtime.InteropServices;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary>W5's attention alone: <see cref="ScaledDotProductAttention"/>'s fused kernels with <see cref="CharGpt"/>'s
/// geometry (64 query and key rows, 4 heads of 16, causal) over a batch of 16 samples, forward and backward (all three
/// gradients), as a compiled training step calls them per block; and one sample's forward at T = 1024 (inference
/// latency of a long context). The operands are random in [-1, 1) from a fixed seed; the kernels run on the calling
/// thread (they do not split over the worker pool), so they compare with the 1-thread FMA peak.</summary>
internal sealed class AttentionWorkload
{
    /// <summary>Samples per call of the CharGpt-shaped kernels.</summary>
    public const int Batch = 16;

    /// <summary>Context of the latency probe.</summary>
    public const int LongContext = 1024;

    private readonly Operands _gpt, _long;

    public AttentionWorkload()
    {
        Geometry = new AttentionGeometry(CharGpt.Context, CharGpt.Context, CharGpt.Heads, CharGpt.Width / CharGpt.Heads, CharGpt.Width / CharGpt.Heads, causal: true);
        LongGeometry = new AttentionGeometry(LongContext, LongContext, CharGpt.Heads, CharGpt.Width / CharGpt.Heads, CharGpt.Width / CharGpt.Heads, causal: true);
        _gpt = new Operands(Geometry, Batch, seed: 51);
        _long = new Operands(LongGeometry, 1, seed: 52);
        // Backward reads the forward's output and log-sum-exp.
        Forward();
        ForwardLong();
    }

    /// <summary>CharGpt's attention: T 64, 4 heads, d_k = d_v = 16, causal.</summary>
    public AttentionGeometry Geometry { get; }

    /// <summary>The same heads at T = 1024.</summary>
    public AttentionGeometry LongGeometry { get; }

    /// <summary>Forward FLOPs of one sample, 2 per multiply-add of QK^T (d_k wide) and PV (d_v wide) over the causal half:
    /// T(T+1)/2 key rows per head. The softmax's exponentials are not counted.</summary>
    public static double ForwardFlopsPerSample(in AttentionGeometry g) =>
        2.0 * g.Heads * (g.Queries * (g.Queries + 1.0) / 2.0) * (g.HeadDim + g.ValueHeadDim);

    /// <summary>Backward FLOPs of one sample: the four products dP = dO V^T, dV += P^T dO, dK += dS^T Q and dQ += dS K,
    /// each over the causal half, 2x forward's; the scores QK^T that backward recomputes from the saved log-sum-exp are
    /// not counted.</summary>
    public static double BackwardFlopsPerSample(in AttentionGeometry g) => 2 * ForwardFlopsPerSample(g);

    /// <summary>The batch of 16 through <see cref="ScaledDotProductAttention.Forward"/>.</summary>
    public float Forward()
    {
        var o = _gpt;
        ScaledDotProductAttention.Forward(Geometry, ref o.Q, o.Stride, ref o.K, o.Stride, ref o.V, o.Stride, ref o.Y, o.Stride, ref o.Lse, o.LseStride, Batch);
        return o.Y;
    }

    /// <summary>The batch of 16 through <see cref="ScaledDotProductAttention.Backward"/>, all three gradients (they
    /// accumulate across calls, as the kernel adds; nothing is cleared).</summary>
    public float Backward()
    {
        var o = _gpt;
        ScaledDotProductAttention.Backward(Geometry, ref o.Q, o.Stride, ref o.K, o.Stride, ref o.V, o.Stride, ref o.Y, o.Stride, ref o.Lse, o.LseStride,
            ref o.Dy, o.Stride, ref o.Dq, o.Stride, true, ref o.Dk, o.Stride, true, ref o.Dv, o.Stride, true, Batch);
        return o.Dq;
    }

    /// <summary>One sample at T = 1024 through <see cref="ScaledDotProductAttention.Forward"/>.</summary>
    public float ForwardLong()
    {
        var o = _long;
        ScaledDotProductAttention.Forward(LongGeometry, ref o.Q, o.Stride, ref o.K, o.Stride, ref o.V, o.Stride, ref o.Y, o.Stride, ref o.Lse, o.LseStride, 1);
        return o.Y;
    }

    /// <summary>What the report's notes say the rows count.</summary>
    public string FlopsNote => string.Create(CultureInfo.InvariantCulture,
        $"W5 attention FLOPs: 2 per multiply-add of QK^T and PV over the causal half (T(T+1)/2 key rows per head), heads 4, d_k = d_v = 16: " +
        $"{ForwardFlopsPerSample(Geometry) / 1e3:F0} kFLOP per sample forward at T = 64 ({Batch} samples per call), backward 2x (dP, dV, dK, dQ; " +
        $"the recomputed scores not counted); at T = {LongContext} {ForwardFlopsPerSample(LongGeometry) / 1e6:F1} MFLOP per sample forward");

    /// <summary>One set of operands: q, k, v, dy random; y, log-sum-exp, dq, dk, dv written by the kernels.</summary>
    private sealed class Operands
    {
        private readonly float[] _q, _k, _v, _y, _lse, _dy, _dq, _dk, _dv;

        public Operands(in AttentionGeometry g, int rows, int seed)
        {
            Stride = g.Queries * g.QueryWidth;
            LseStride = g.SavedFloats;
            var random = new Random(seed);
            float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = 2 * random.NextSingle() - 1; return a; }
            _q = Random(rows * Stride);
            _k = Random(rows * Stride);
            _v = Random(rows * Stride);
            _dy = Random(rows * Stride);
            _y = new float[rows * Stride];
            _dq = new float[rows * Stride];
            _dk = new float[rows * Stride];
            _dv = new float[rows * Stride];
            _lse = new float[rows * LseStride];
        }

        public int Stride { get; }
        public int LseStride { get; }
        public ref float Q => ref MemoryMarshal.GetArrayDataReference(_q);
        public ref float K => ref MemoryMarshal.GetArrayDataReference(_k);
        public ref float V => ref MemoryMarshal.GetArrayDataReference(_v);
        public ref float Y => ref MemoryMarshal.GetArrayDataReference(_y);
        public ref float Lse => ref MemoryMarshal.GetArrayDataReference(_lse);
        public ref float Dy => ref MemoryMarshal.GetArrayDataReference(_dy);
        public ref float Dq => ref MemoryMarshal.GetArrayDataReference(_dq);
        public ref float Dk => ref MemoryMarshal.GetArrayDataReference(_dk);
        public ref float Dv => ref MemoryMarshal.GetArrayDataReference(_dv);
    }
}
