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
    /// <summary>The context rounded up to whole Vector512 registers: the row length of the transposed keys and of a
    /// head's probabilities in the scratch.</summary>
    public static int Padded(int context) => (context + 15) & ~15;

    /// <summary>Floats of <see cref="Step(ref float, ref float, ref float, ref float, ref float, ref float, ref float, int, int, int, int, int)"/>'s
    /// scratch: per head a row of <see cref="Padded"/>(context) probabilities and, a register on, its inverse sum (all
    /// heads' probabilities are kept so that the weighted sums of several heads run side by side).</summary>
    public static int ScratchFloats(int context, int heads) => heads * (Padded(context) + 16);

    /// <summary>Floats of the key cache of an attention with queries/keys <paramref name="width"/> wide.</summary>
    public static int KeyCacheFloats(int context, int width) => Padded(context) * width;

    /// <summary>Floats of the value cache of an attention with values <paramref name="valueWidth"/> wide.</summary>
    public static int ValueCacheFloats(int context, int valueWidth) => context * valueWidth;

    /// <summary>Writes key <paramref name="k"/> [heads d_k] and value <paramref name="v"/> [heads d_v] into the caches at
    /// <paramref name="position"/>, then writes into <paramref name="output"/> [heads d_v] the attention of query
    /// <paramref name="q"/> over cache rows 0..position, per head softmax(q k_j / sqrt(d_k)) v_j.
    /// <paramref name="scratch"/> holds <see cref="ScratchFloats"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scratch,
        int position, int heads, int headDim, int valueHeadDim, int context) =>
        Step(ref q, ref k, ref v, ref output, ref keys, ref values, ref scratch, position, heads, headDim, valueHeadDim, context, 0f,
            ref Unsafe.NullRef<float>(), 0);

    /// <summary><see cref="Step(ref float, ref float, ref float, ref float, ref float, ref float, ref float, int, int, int, int, int)"/>
    /// with the dot products times <paramref name="scale"/> (0: 1 / sqrt(d_k)) and, when <paramref name="bias"/> is not a
    /// null reference, the full forward's score bias [1 or heads, context, context] (heads <paramref name="biasHeadStride"/>
    /// floats apart, 0 when shared) added at row <paramref name="position"/>: T5's relative position bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scratch,
        int position, int heads, int headDim, int valueHeadDim, int context, float scale, ref float bias, int biasHeadStride)
    {
        if ((uint)position >= (uint)context)
            throw new System.ArgumentOutOfRangeException(nameof(position), position, $"AttentionDecode: the position must be in [0, {context}).");
        if (scale == 0f) scale = 1f / System.MathF.Sqrt(headDim);
        if (Vector512.IsHardwareAccelerated)
            Step<Float512>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scratch, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
        else if (Vector256.IsHardwareAccelerated)
            Step<Float256>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scratch, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
        else Step<Float1>(ref q, ref k, ref v, ref output, ref keys, ref values, ref scratch, position, heads, headDim, valueHeadDim, context, scale, ref bias, biasHeadStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<V>(ref float q, ref float k, ref float v, ref float output, ref float keys, ref float values, ref float scratch,
        int position, int heads, int headDim, int valueHeadDim, int context, float scale, ref float bias, int biasHeadStride)
        where V : struct, IFloatVector<V>
    {
        bool biased = !Unsafe.IsNullRef(ref bias);
        int P = Padded(context), S = P + 16, E = heads * headDim, Ev = heads * valueHeadDim, n = position + 1, C = V.Count;
        for (int i = 0; i < E; i++) Unsafe.Add(ref keys, i * P + position) = Unsafe.Add(ref k, i);
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref values, position * Ev)), ref Unsafe.As<float, byte>(ref v), (uint)(Ev * sizeof(float)));
        var minusInfinity = V.Broadcast(float.NegativeInfinity);
        int registers = (n + C - 1) / C;   // of positions, per head; the last is masked past n
        if (biased)
            for (int h = 0; h < heads; h++)
            {
                // The bias row into the scores first (zeros after it to the register's end): each score adds its entry
                // as the full forward does, the dot product first.
                ref float row = ref Unsafe.Add(ref bias, h * biasHeadStride + position * context);
                ref float scores = ref Unsafe.Add(ref scratch, h * S);
                for (int b = 0; b < n; b++) Unsafe.Add(ref scores, b) = Unsafe.Add(ref row, b);
                for (int b = n; b < registers * C; b++) Unsafe.Add(ref scores, b) = 0f;
            }
        // s_hj = (scale q_h) . k_hj for j < n, positions in the lanes, into head h's row of the scratch; lanes past n
        // hold -inf. Up to four registers (of one head or several) at a time: independent chains, each still summed
        // over i in order (the rounding of one chain alone, the full forward's), whose multiply-adds overlap instead of
        // each waiting on the latency of the one before.
        for (int item = 0, items = heads * registers; item < items; )
        {
            int group = items - item >= 4 ? 4 : items - item >= 2 ? 2 : 1;
            Scores<V>(ref q, ref keys, headDim, P, registers, item, group, scale, out var s0, out var s1, out var s2, out var s3);
            for (int g = 0; g < group; g++, item++)
            {
                var sc = g == 0 ? s0 : g == 1 ? s1 : g == 2 ? s2 : s3;
                int j = item % registers * C;
                ref float scores = ref Unsafe.Add(ref scratch, item / registers * S);
                if (biased) sc = V.Add(sc, V.Load(ref scores, j));
                if (j + C > n) sc = V.Select(V.Within(0, n - j), sc, minusInfinity);
                V.Store(sc, ref scores, j);
            }
        }
        for (int h = 0; h < heads; h++)
        {
            // p_j = exp(s_j - max), and their sum.
            ref float scores = ref Unsafe.Add(ref scratch, h * S);
            var max = minusInfinity;
            for (int j = 0; j < n; j += C) max = V.Max(max, V.Load(ref scores, j));
            var m = V.Broadcast(V.MaxAcross(max));
            var total = V.Zero;
            for (int j = 0; j < n; j += C)
            {
                var e = V.Exp(V.Subtract(V.Load(ref scores, j), m));
                if (j + C > n) e = V.Select(V.Within(0, n - j), e, V.Zero);
                V.Store(e, ref scores, j);
                total = V.Add(total, e);
            }
            Unsafe.Add(ref scores, P) = 1f / V.Sum(total);   // after the row's P probabilities
        }
        // out = sum_j p_j v_j / sum, up to four registers of value columns (of one head or several) at a time: each
        // column one chain in key order, as the full forward's rows are summed (a decoded row rounds as the full row
        // does), the chains of different registers overlapping.
        int R = valueHeadDim / C, columns = heads * R;
        for (int r = 0; r < columns; )
        {
            int group = columns - r >= 4 ? 4 : columns - r >= 2 ? 2 : 1;
            WeightedValues<V>(ref scratch, S, n, ref values, Ev, valueHeadDim, R, r, group, ref output);
            r += group;
        }
        for (int h = 0; h < heads; h++)   // columns of a head past its whole registers, one at a time
        {
            ref float p = ref Unsafe.Add(ref scratch, h * S);
            float inverse = Unsafe.Add(ref p, P);
            for (int c = R * C; c < valueHeadDim; c++)
            {
                float a = 0f;
                for (int j = 0; j < n; j++) a = System.MathF.FusedMultiplyAdd(Unsafe.Add(ref p, j), Unsafe.Add(ref values, j * Ev + h * valueHeadDim + c), a);
                Unsafe.Add(ref output, h * valueHeadDim + c) = a * inverse;
            }
        }
    }

    /// <summary>Score registers <paramref name="first"/> to first + <paramref name="group"/> - 1 (1, 2 or 4), register r
    /// being head r / <paramref name="registers"/>'s positions (r % registers) C onwards: the dot products of the head's
    /// scaled query (q, heads <paramref name="headDim"/> apart) with those key columns (the transposed keys, rows
    /// <paramref name="stride"/> apart, a head's rows headDim on): s0 to s3, those past the group zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores<V>(ref float q, ref float keys, int headDim, int stride, int registers, int first, int group, float scale,
        out V s0, out V s1, out V s2, out V s3) where V : struct, IFloatVector<V>
    {
        (s0, s1, s2, s3) = (V.Zero, V.Zero, V.Zero, V.Zero);
        ref float q0 = ref Query(ref q, first), q1 = ref Query(ref q, first + 1), q2 = ref Query(ref q, first + 2), q3 = ref Query(ref q, first + 3);
        ref float k0 = ref Keys(ref keys, first), k1 = ref Keys(ref keys, first + 1), k2 = ref Keys(ref keys, first + 2), k3 = ref Keys(ref keys, first + 3);
        if (group == 4)
            for (int i = 0; i < headDim; i++)
            {
                nint row = i * stride;
                s0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q0, i) * scale), V.Load(ref k0, row), s0);
                s1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q1, i) * scale), V.Load(ref k1, row), s1);
                s2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q2, i) * scale), V.Load(ref k2, row), s2);
                s3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q3, i) * scale), V.Load(ref k3, row), s3);
            }
        else if (group == 2)
            for (int i = 0; i < headDim; i++)
            {
                nint row = i * stride;
                s0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q0, i) * scale), V.Load(ref k0, row), s0);
                s1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q1, i) * scale), V.Load(ref k1, row), s1);
            }
        else
            for (int i = 0; i < headDim; i++)
                s0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q0, i) * scale), V.Load(ref k0, i * stride), s0);

        // Register r's head's query and its first key column (a register past the group reads head 0's first: never used).
        ref float Query(ref float q, int r) => ref Unsafe.Add(ref q, r < first + group ? r / registers * headDim : 0);
        ref float Keys(ref float k, int r) => ref Unsafe.Add(ref k, r < first + group ? r / registers * headDim * stride + r % registers * V.Count : 0);
    }

    /// <summary>Registers <paramref name="first"/> to first + <paramref name="group"/> - 1 (1, 2 or 4) of the output, register
    /// r being head r / R's columns (r % R) C onwards: inverse_h sum_j p_hj v[j, column], p_h the head's row of
    /// <paramref name="scratch"/> (rows <paramref name="S"/> floats apart, the inverse sum 16 floats before the next).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedValues<V>(ref float scratch, int S, int n, ref float values, int stride, int valueHeadDim, int R,
        int first, int group, ref float output) where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        ref float p0 = ref Row(ref scratch, first), p1 = ref Row(ref scratch, first + 1), p2 = ref Row(ref scratch, first + 2), p3 = ref Row(ref scratch, first + 3);
        ref float v0 = ref Unsafe.Add(ref values, Column(first)), v1 = ref Unsafe.Add(ref values, Column(first + 1));
        ref float v2 = ref Unsafe.Add(ref values, Column(first + 2)), v3 = ref Unsafe.Add(ref values, Column(first + 3));
        var (a0, a1, a2, a3) = (V.Zero, V.Zero, V.Zero, V.Zero);
        if (group == 4)
            for (int j = 0; j < n; j++)
            {
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p0, j)), V.Load(ref v0, j * stride), a0);
                a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p1, j)), V.Load(ref v1, j * stride), a1);
                a2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p2, j)), V.Load(ref v2, j * stride), a2);
                a3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p3, j)), V.Load(ref v3, j * stride), a3);
            }
        else if (group == 2)
            for (int j = 0; j < n; j++)
            {
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p0, j)), V.Load(ref v0, j * stride), a0);
                a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p1, j)), V.Load(ref v1, j * stride), a1);
            }
        else
            for (int j = 0; j < n; j++) a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref p0, j)), V.Load(ref v0, j * stride), a0);
        V.Store(V.Multiply(a0, V.Broadcast(Unsafe.Add(ref p0, S - 16))), ref output, Column(first));
        if (group >= 2) V.Store(V.Multiply(a1, V.Broadcast(Unsafe.Add(ref p1, S - 16))), ref output, Column(first + 1));
        if (group == 4)
        {
            V.Store(V.Multiply(a2, V.Broadcast(Unsafe.Add(ref p2, S - 16))), ref output, Column(first + 2));
            V.Store(V.Multiply(a3, V.Broadcast(Unsafe.Add(ref p3, S - 16))), ref output, Column(first + 3));
        }

        // Register r's head row of the scratch (a register past the group reads row 0: never used) and its first column.
        ref float Row(ref float s, int r) => ref Unsafe.Add(ref s, r < first + group ? r / R * S : 0);
        int Column(int r) => r < first + group ? r / R * valueHeadDim + r % R * C : 0;
    }
}
