using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>One step of causal multi-head attention over a KV cache, as a generated decoder calls it: the new token's
/// key and value are written into the cache at <c>position</c>, then its query attends cache rows 0..position (which
/// hold the keys and values of the same sequence's earlier tokens, written by earlier steps). The scores, their softmax
/// and the weighted sum of the values run as <see cref="ScaledDotProductAttention"/>'s forward does for one query row,
/// with the same polynomials, so a decoded row matches the full forward's row to rounding.
/// <para>Cache layout of one attention for one sequence: the keys transposed, [heads d_k, <see cref="Padded"/>(context)]
/// (a key is one column), so that a query's scores run with the positions in the lanes (a broadcast of q[i] times a
/// register of keys, no horizontal sums); the values row-major, [context, heads d_v]. Nothing is allocated.</para></summary>
public static class AttentionDecode
{
    /// <summary>The context rounded up to whole Vector512 registers: the row length of the transposed keys and of the
    /// scores scratch.</summary>
    public static int Padded(int context) => (context + 15) & ~15;

    /// <summary>Floats of the key cache of an attention with queries/keys <paramref name="width"/> wide.</summary>
    public static int KeyCacheFloats(int context, int width) => Padded(context) * width;

    /// <summary>Floats of the value cache of an attention with values <paramref name="valueWidth"/> wide.</summary>
    public static int ValueCacheFloats(int context, int valueWidth) => context * valueWidth;

    /// <summary>Writes key <paramref name="k"/> [heads d_k] and value <paramref name="v"/> [heads d_v] into the caches at
    /// <paramref name="position"/>, then writes into <paramref name="output"/> [heads d_v] the attention of query
    /// <paramref name="q"/> over cache rows 0..position, per head softmax(q k_j / sqrt(d_k)) v_j.
    /// <paramref name="scores"/> is scratch of <see cref="Padded"/>(context) floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scores,
        int position, int heads, int headDim, int valueHeadDim, int context) =>
        Step(ref q, ref k, ref v, ref output, ref keys, ref values, ref scores, position, heads, headDim, valueHeadDim, context, 0f,
            ref Unsafe.NullRef<float>(), 0);

    /// <summary><see cref="Step(ref float, ref float, ref float, ref float, ref float, ref float, ref float, int, int, int, int, int)"/>
    /// with the dot products times <paramref name="scale"/> (0: 1 / sqrt(d_k)) and, when <paramref name="bias"/> is not a
    /// null reference, the full forward's score bias [1 or heads, context, context] (heads <paramref name="biasHeadStride"/>
    /// floats apart, 0 when shared) added at row <paramref name="position"/>: T5's relative position bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scores,
        int position, int heads, int headDim, int valueHeadDim, int context, float scale, ref float bias, int biasHeadStride)
    {
        if ((uint)position >= (uint)context)
            throw new System.ArgumentOutOfRangeException(nameof(position), position, $"AttentionDecode: the position must be in [0, {context}).");
        if (scale == 0f) scale = 1f / System.MathF.Sqrt(headDim);
        if (Vector512.IsHardwareAccelerated)
            Step<Float512>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scores, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
        else if (Vector256.IsHardwareAccelerated)
            Step<Float256>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scores, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
        else Step<Float1>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scores, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<V>(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scores,
        int position, int heads, int headDim, int valueHeadDim, int context, float scale, ref float bias, int biasHeadStride)
        where V : struct, IFloatVector<V>
    {
        bool biased = !Unsafe.IsNullRef(ref bias);
        int P = Padded(context), E = heads * headDim, Ev = heads * valueHeadDim, n = position + 1, C = V.Count;
        for (int i = 0; i < E; i++) Unsafe.Add(ref keys, i * P + position) = Unsafe.Add(ref k, i);
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref values, position * Ev)), ref Unsafe.As<float, byte>(ref v), (uint)(Ev * sizeof(float)));
        var minusInfinity = V.Broadcast(float.NegativeInfinity);
        for (int h = 0; h < heads; h++)
        {
            // s_j = (scale q) . k_j for j < n, positions in the lanes; lanes past n hold -inf.
            ref float qh = ref Unsafe.Add(ref q, h * headDim);
            ref float kh = ref Unsafe.Add(ref keys, h * headDim * P);
            var max = minusInfinity;
            if (biased)
            {
                // The bias row into the scores first (zeros after it to the register's end): each score adds its entry
                // as the full forward does, the dot product first.
                ref float row = ref Unsafe.Add(ref bias, h * biasHeadStride + position * context);
                for (int j = 0; j < n; j++) Unsafe.Add(ref scores, j) = Unsafe.Add(ref row, j);
                for (int j = n; j < (n + C - 1) / C * C; j++) Unsafe.Add(ref scores, j) = 0f;
            }
            for (int j = 0; j < n; j += C)
            {
                var s = V.Zero;
                for (int i = 0; i < headDim; i++) s = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref qh, i) * scale), V.Load(ref kh, i * P + j), s);
                if (biased) s = V.Add(s, V.Load(ref scores, j));
                if (j + C > n) s = V.Select(V.Within(0, n - j), s, minusInfinity);
                V.Store(s, ref scores, j);
                max = V.Max(max, s);
            }
            // p_j = exp(s_j - max), and their sum.
            var m = V.Broadcast(V.MaxAcross(max));
            var total = V.Zero;
            for (int j = 0; j < n; j += C)
            {
                var e = V.Exp(V.Subtract(V.Load(ref scores, j), m));
                if (j + C > n) e = V.Select(V.Within(0, n - j), e, V.Zero);
                V.Store(e, ref scores, j);
                total = V.Add(total, e);
            }
            float inverse = 1f / V.Sum(total);
            // out = sum_j p_j v_j / sum, a register of the head's value columns at a time.
            ref float vh = ref Unsafe.Add(ref values, h * valueHeadDim);
            ref float oh = ref Unsafe.Add(ref output, h * valueHeadDim);
            int c = 0;
            for (; c + C <= valueHeadDim; c += C) WeightedValues<V>(ref scores, n, ref Unsafe.Add(ref vh, c), Ev, inverse, ref Unsafe.Add(ref oh, c));
            for (; c < valueHeadDim; c++) WeightedValues<Float1>(ref scores, n, ref Unsafe.Add(ref vh, c), Ev, inverse, ref Unsafe.Add(ref oh, c));
        }
    }

    /// <summary>output = inverse sum_j p_j v[j stride], for one register of columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedValues<V>(ref float p, int n, ref float v, int stride, float inverse, ref float output) where V : struct, IFloatVector<V>
    {
        // One chain in key order, as the full forward's rows are summed: a decoded row rounds as the full row does.
        var a = V.Zero;
        for (int j = 0; j < n; j++) a = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p, j)), V.Load(ref v, j * stride), a);
        V.Store(V.Multiply(a, V.Broadcast(inverse)), ref output, 0);
    }
}
