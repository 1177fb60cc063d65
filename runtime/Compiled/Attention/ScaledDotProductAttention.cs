using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Scaled dot-product attention as generated code calls it, per head and query row, fused: the row's scores
/// q k_j / sqrt(d_k) (causal: keys 0..i only), their softmax and the weighted sum of the value rows, with only the
/// row's log-sum-exp saved for backward. No Tq x Tk matrix is stored: a row of scores lives in a per-thread buffer of
/// Tk floats (4 KB at Tk = 1024, in L1), so the online rescaling flash attention needs on a GPU, whose rows do not fit
/// its shared memory, buys nothing here; the work is the same single pass over the keys.
/// <para>Layout: the keys of a head are transposed once per sample into [d_k, Tk] so that a query's scores run with
/// the keys in the lanes (a broadcast of q[d] times a register of keys: no horizontal sums), as the values are for
/// backward. Backward recomputes each row's probabilities from the saved log-sum-exp, then dP = dO V^T,
/// dS = P (dP - rowsum(dO O)), dV += P^T dO, dK += scale dS^T Q, dQ += scale dS K, the first three with the keys in the
/// lanes; dK and dV accumulate transposed and are added back once per head.</para>
/// <para>Nothing is allocated per call after the first (the scratch grows once per thread). Every element-wise step
/// uses the widest accelerated register, the one-lane path the same SimdMath polynomials.</para></summary>
public static class ScaledDotProductAttention
{
    [System.ThreadStatic] private static float[]? t_scratch;

    private static ref float Scratch(int floats)
    {
        var scratch = t_scratch;
        if (scratch is null || scratch.Length < floats) t_scratch = scratch = new float[floats];
        return ref MemoryMarshal.GetArrayDataReference(scratch);
    }

    /// <summary>Attention over <paramref name="rows"/> samples: sample r's queries [Tq, heads d_k] at
    /// <c>q + r qStride</c>, keys [Tk, heads d_k] and values [Tk, heads d_v] likewise, output [Tq, heads d_v] at
    /// <c>y + r yStride</c>, and the log-sum-exp of each head's rows [heads, Tq] at <c>lse + r lseStride</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float y, int yStride, ref float lse, int lseStride, int rows)
    {
        if (Vector512.IsHardwareAccelerated) Forward<Float512>(g, ref q, qStride, ref k, kStride, ref v, vStride, ref y, yStride, ref lse, lseStride, rows);
        else if (Vector256.IsHardwareAccelerated) Forward<Float256>(g, ref q, qStride, ref k, kStride, ref v, vStride, ref y, yStride, ref lse, lseStride, rows);
        else Forward<Float1>(g, ref q, qStride, ref k, kStride, ref v, vStride, ref y, yStride, ref lse, lseStride, rows);
    }

    /// <summary>Adds the gradients of q, k and v that are asked for, from dy (the output's gradient, laid out as y), the
    /// operands, the output and the saved log-sum-exp (layouts as <see cref="Forward"/>; absent gradients may be any
    /// reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float y, int yStride, ref float lse, int lseStride, ref float dy, int dyStride,
        ref float dq, int dqStride, bool needQ, ref float dk, int dkStride, bool needK, ref float dv, int dvStride, bool needV, int rows)
    {
        var operands = new Operands(qStride, kStride, vStride, yStride, lseStride, dyStride, dqStride, dkStride, dvStride);
        if (Vector512.IsHardwareAccelerated)
            Backward<Float512>(g, operands, ref q, ref k, ref v, ref y, ref lse, ref dy, ref dq, needQ, ref dk, needK, ref dv, needV, rows);
        else if (Vector256.IsHardwareAccelerated)
            Backward<Float256>(g, operands, ref q, ref k, ref v, ref y, ref lse, ref dy, ref dq, needQ, ref dk, needK, ref dv, needV, rows);
        else
            Backward<Float1>(g, operands, ref q, ref k, ref v, ref y, ref lse, ref dy, ref dq, needQ, ref dk, needK, ref dv, needV, rows);
    }

    /// <summary>The per-sample strides of backward's operands.</summary>
    private readonly record struct Operands(int Q, int K, int V, int Y, int Lse, int Dy, int Dq, int Dk, int Dv);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<V>(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float y, int yStride, ref float lse, int lseStride, int rows) where V : struct, IFloatVector<V>
    {
        int KP = g.KeysPadded, dk = g.HeadDim, dv = g.ValueHeadDim, E = g.QueryWidth, Ev = g.ValueWidth;
        // Scratch: the head's keys transposed [d_k, Tk padded], a row of scores, the scaled query row.
        ref float kT = ref Scratch(dk * KP + KP + dk);
        ref float p = ref Unsafe.Add(ref kT, dk * KP);
        ref float qs = ref Unsafe.Add(ref p, KP);
        for (int r = 0; r < rows; r++)
        {
            ref float qr = ref Unsafe.Add(ref q, (nint)r * qStride);
            ref float vr = ref Unsafe.Add(ref v, (nint)r * vStride);
            ref float yr = ref Unsafe.Add(ref y, (nint)r * yStride);
            ref float lr = ref Unsafe.Add(ref lse, (nint)r * lseStride);
            for (int h = 0; h < g.Heads; h++)
            {
                TransposeHead(ref Unsafe.Add(ref k, (nint)r * kStride + h * dk), E, g.Keys, dk, ref kT, KP);
                for (int i = 0; i < g.Queries; i++)
                {
                    int n = g.KeysOf(i);
                    ScaleRow(ref Unsafe.Add(ref qr, i * E + h * dk), dk, g.Scale, ref qs);
                    float max = Scores<V>(ref qs, dk, ref kT, KP, n, ref p);
                    float sum = Exponentials<V>(ref p, n, max);
                    WeightedValues<V>(ref p, n, ref Unsafe.Add(ref vr, h * dv), Ev, dv, 1f / sum, ref Unsafe.Add(ref yr, i * Ev + h * dv));
                    Unsafe.Add(ref lr, h * g.Queries + i) = max + ScalarMath.Log(sum);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<V>(in AttentionGeometry g, in Operands s, ref float q, ref float k, ref float v, ref float y, ref float lse,
        ref float dy, ref float dq, bool needQ, ref float dk, bool needK, ref float dv, bool needV, int rows) where V : struct, IFloatVector<V>
    {
        if (!needQ && !needK && !needV) return;
        int KP = g.KeysPadded, D = g.HeadDim, Dv = g.ValueHeadDim, E = g.QueryWidth, Ev = g.ValueWidth;
        // Scratch: K^T and V^T of the head, dK^T and dV^T accumulated, the rows P and dS, the scaled query row.
        ref float kT = ref Scratch(2 * (D + Dv) * KP + 2 * KP + D);
        ref float vT = ref Unsafe.Add(ref kT, D * KP);
        ref float dkT = ref Unsafe.Add(ref vT, Dv * KP);
        ref float dvT = ref Unsafe.Add(ref dkT, D * KP);
        ref float p = ref Unsafe.Add(ref dvT, Dv * KP);
        ref float ds = ref Unsafe.Add(ref p, KP);
        ref float qs = ref Unsafe.Add(ref ds, KP);
        for (int r = 0; r < rows; r++)
        {
            ref float qr = ref Unsafe.Add(ref q, (nint)r * s.Q);
            ref float yr = ref Unsafe.Add(ref y, (nint)r * s.Y);
            ref float dyr = ref Unsafe.Add(ref dy, (nint)r * s.Dy);
            ref float lr = ref Unsafe.Add(ref lse, (nint)r * s.Lse);
            for (int h = 0; h < g.Heads; h++)
            {
                TransposeHead(ref Unsafe.Add(ref k, (nint)r * s.K + h * D), E, g.Keys, D, ref kT, KP);
                TransposeHead(ref Unsafe.Add(ref v, (nint)r * s.V + h * Dv), Ev, g.Keys, Dv, ref vT, KP);
                MemoryMarshal.CreateSpan(ref dkT, (D + Dv) * KP).Clear();   // dK^T and dV^T are adjacent
                for (int i = 0; i < g.Queries; i++)
                {
                    int n = g.KeysOf(i), padded = (n + V.Count - 1) / V.Count * V.Count;
                    ref float dyi = ref Unsafe.Add(ref dyr, i * Ev + h * Dv);
                    ScaleRow(ref Unsafe.Add(ref qr, i * E + h * D), D, g.Scale, ref qs);
                    float rowDot = 0;   // rowsum(dO O) of this head: the softmax backward's subtrahend
                    for (int c = 0; c < Dv; c++) rowDot += Unsafe.Add(ref dyi, c) * Unsafe.Add(ref yr, i * Ev + h * Dv + c);
                    ProbabilitiesAndScoreGradients<V>(ref qs, D, ref kT, ref dyi, Dv, ref vT, KP, n, Unsafe.Add(ref lr, h * g.Queries + i), rowDot, ref p, ref ds);
                    // The padded lanes of P and dS are zero, so whole registers up to the causal limit add nothing extra.
                    if (needV) for (int c = 0; c < Dv; c++) Axpy<V>(Unsafe.Add(ref dyi, c), ref p, ref Unsafe.Add(ref dvT, c * KP), padded);
                    if (needK) for (int c = 0; c < D; c++) Axpy<V>(Unsafe.Add(ref qs, c), ref ds, ref Unsafe.Add(ref dkT, c * KP), padded);
                    if (needQ)
                    {
                        ref float dqi = ref Unsafe.Add(ref dq, (nint)r * s.Dq + i * E + h * D);
                        for (int c = 0; c < D; c++) Unsafe.Add(ref dqi, c) += g.Scale * Dot<V>(ref ds, ref Unsafe.Add(ref kT, c * KP), padded);
                    }
                }
                if (needK) AddTransposed(ref dkT, KP, D, g.Keys, ref Unsafe.Add(ref dk, (nint)r * s.Dk + h * D), E);
                if (needV) AddTransposed(ref dvT, KP, Dv, g.Keys, ref Unsafe.Add(ref dv, (nint)r * s.Dv + h * Dv), Ev);
            }
        }
    }

    /// <summary>destination[c, j] = source[j, c] for the <paramref name="width"/> columns of one head of
    /// <paramref name="keys"/> rows of <paramref name="stride"/> floats, the padding columns [keys, padded) zero.</summary>
    private static void TransposeHead(ref float source, int stride, int keys, int width, ref float destination, int padded)
    {
        for (int c = 0; c < width; c++)
        {
            ref float row = ref Unsafe.Add(ref destination, c * padded);
            for (int j = 0; j < keys; j++) Unsafe.Add(ref row, j) = Unsafe.Add(ref source, j * stride + c);
            for (int j = keys; j < padded; j++) Unsafe.Add(ref row, j) = 0;
        }
    }

    /// <summary>destination[j, c] += source[c, j].</summary>
    private static void AddTransposed(ref float source, int padded, int width, int keys, ref float destination, int stride)
    {
        for (int j = 0; j < keys; j++)
        {
            ref float row = ref Unsafe.Add(ref destination, j * stride);
            for (int c = 0; c < width; c++) Unsafe.Add(ref row, c) += Unsafe.Add(ref source, c * padded + j);
        }
    }

    private static void ScaleRow(ref float q, int width, float scale, ref float scaled)
    {
        for (int c = 0; c < width; c++) Unsafe.Add(ref scaled, c) = scale * Unsafe.Add(ref q, c);
    }

    /// <summary>The scores s_j = qs . k_j of keys j &lt; n into <paramref name="scores"/> (lanes past n: -inf) and their
    /// maximum. Four registers of keys at a time, so four independent chains of FMAs hide their latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scores<V>(ref float qs, int width, ref float kT, int padded, int n, ref float scores) where V : struct, IFloatVector<V>
    {
        int C = V.Count, j = 0;
        var max = V.Broadcast(float.NegativeInfinity);
        for (; j + 4 * C <= n; j += 4 * C)
        {
            V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
            for (int c = 0; c < width; c++)
            {
                var b = V.Broadcast(Unsafe.Add(ref qs, c));
                ref float row = ref Unsafe.Add(ref kT, c * padded + j);
                a0 = V.MultiplyAdd(b, V.Load(ref row, 0), a0);
                a1 = V.MultiplyAdd(b, V.Load(ref row, C), a1);
                a2 = V.MultiplyAdd(b, V.Load(ref row, 2 * C), a2);
                a3 = V.MultiplyAdd(b, V.Load(ref row, 3 * C), a3);
            }
            V.Store(a0, ref scores, j); V.Store(a1, ref scores, j + C); V.Store(a2, ref scores, j + 2 * C); V.Store(a3, ref scores, j + 3 * C);
            max = V.Max(max, V.Max(V.Max(a0, a1), V.Max(a2, a3)));
        }
        for (; j < n; j += C)
        {
            V a = V.Zero;
            for (int c = 0; c < width; c++) a = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref qs, c)), V.Load(ref kT, c * padded + j), a);
            if (j + C > n) a = V.Select(V.Within(0, n - j), a, V.Broadcast(float.NegativeInfinity));
            V.Store(a, ref scores, j);
            max = V.Max(max, a);
        }
        return V.MaxAcross(max);
    }

    /// <summary>p_j = exp(s_j - max) in place for j &lt; n (lanes past n: 0); returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Exponentials<V>(ref float p, int n, float max) where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        var m = V.Broadcast(max);
        var sum = V.Zero;
        for (int j = 0; j < n; j += C)
        {
            var e = V.Exp(V.Subtract(V.Load(ref p, j), m));
            if (j + C > n) e = V.Select(V.Within(0, n - j), e, V.Zero);
            V.Store(e, ref p, j);
            sum = V.Add(sum, e);
        }
        return V.Sum(sum);
    }

    /// <summary>out[c] = scale sum_j p_j v[j, c] over the head's <paramref name="width"/> columns (value rows
    /// <paramref name="stride"/> apart), four keys at a time into independent registers; leftover columns one lane wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedValues<V>(ref float p, int n, ref float v, int stride, int width, float scale, ref float output) where V : struct, IFloatVector<V>
    {
        int c = 0;
        for (; c + V.Count <= width; c += V.Count) WeightedColumns<V>(ref p, n, ref Unsafe.Add(ref v, c), stride, scale, ref Unsafe.Add(ref output, c));
        for (; c < width; c++) WeightedColumns<Float1>(ref p, n, ref Unsafe.Add(ref v, c), stride, scale, ref Unsafe.Add(ref output, c));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedColumns<V>(ref float p, int n, ref float v, int stride, float scale, ref float output) where V : struct, IFloatVector<V>
    {
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            ref float rows = ref Unsafe.Add(ref v, j * stride);
            a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j)), V.Load(ref rows, 0), a0);
            a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j + 1)), V.Load(ref rows, stride), a1);
            a2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j + 2)), V.Load(ref rows, 2 * stride), a2);
            a3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j + 3)), V.Load(ref rows, 3 * stride), a3);
        }
        for (; j < n; j++) a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j)), V.Load(ref v, j * stride), a0);
        V.Store(V.Multiply(V.Add(V.Add(a0, a1), V.Add(a2, a3)), V.Broadcast(scale)), ref output, 0);
    }

    /// <summary>For keys j &lt; n: p_j = exp(qs . k_j - lse) (the forward's probabilities, recomputed with the forward's
    /// arithmetic), dp_j = dO . v_j and ds_j = p_j (dp_j - rowDot); lanes past n are 0 in both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProbabilitiesAndScoreGradients<V>(ref float qs, int width, ref float kT, ref float dO, int valueWidth, ref float vT,
        int padded, int n, float lse, float rowDot, ref float p, ref float ds) where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        var l = V.Broadcast(lse);
        var d = V.Broadcast(rowDot);
        for (int j = 0; j < n; j += C)
        {
            V s = V.Zero, dp = V.Zero;
            for (int c = 0; c < width; c++) s = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref qs, c)), V.Load(ref kT, c * padded + j), s);
            for (int c = 0; c < valueWidth; c++) dp = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref dO, c)), V.Load(ref vT, c * padded + j), dp);
            var pj = V.Exp(V.Subtract(s, l));
            if (j + C > n) pj = V.Select(V.Within(0, n - j), pj, V.Zero);
            V.Store(pj, ref p, j);
            V.Store(V.Multiply(pj, V.Subtract(dp, d)), ref ds, j);
        }
    }

    /// <summary>y[j] += a x[j] for j &lt; count (a multiple of the register width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy<V>(float a, ref float x, ref float y, int count) where V : struct, IFloatVector<V>
    {
        var b = V.Broadcast(a);
        for (int j = 0; j < count; j += V.Count) V.Store(V.MultiplyAdd(b, V.Load(ref x, j), V.Load(ref y, j)), ref y, j);
    }

    /// <summary>sum_j a[j] b[j] for j &lt; count (a multiple of the register width), in two chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<V>(ref float a, ref float b, int count) where V : struct, IFloatVector<V>
    {
        int C = V.Count, j = 0;
        V s0 = V.Zero, s1 = V.Zero;
        for (; j + 2 * C <= count; j += 2 * C)
        {
            s0 = V.MultiplyAdd(V.Load(ref a, j), V.Load(ref b, j), s0);
            s1 = V.MultiplyAdd(V.Load(ref a, j + C), V.Load(ref b, j + C), s1);
        }
        if (j < count) s0 = V.MultiplyAdd(V.Load(ref a, j), V.Load(ref b, j), s0);
        return V.Sum(V.Add(s0, s1));
    }
}
