using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Scaled dot-product attention as generated code calls it, per head and block of four query rows, fused: a row's scores
/// q k_j / sqrt(d_k) (causal: keys 0..i only), their softmax and the weighted sum of the value rows, with only the
/// row's log-sum-exp saved for backward. No Tq x Tk matrix is stored: a block's rows of scores live in a scratch buffer
/// of 4 Tk floats (16 KB at Tk = 1024, in L1), so the online rescaling flash attention needs on a GPU, whose rows do not fit
/// its shared memory, buys nothing here; the work is the same single pass over the keys.
/// <para>Layout: the keys of a head are transposed once per sample into [d_k, Tk] so that a query's scores run with
/// the keys in the lanes (a broadcast of q[d] times a register of keys: no horizontal sums), as the values are for
/// backward. Backward recomputes each row's probabilities from the saved log-sum-exp, then dP = dO V^T,
/// dS = P (dP - rowsum(dO O)), dV += P^T dO, dK += scale dS^T Q, dQ += scale dS K, the first three with the keys in the
/// lanes, dQ with the head's columns in them; dK and dV accumulate transposed and are added back once per head.</para>
/// <para>Nothing is allocated per call after the first (the scratch is a <see cref="KernelScratch"/> buffer). Every element-wise step
/// uses the widest accelerated register, the one-lane path the same SimdMath polynomials.</para></summary>
public static class ScaledDotProductAttention
{
    private static ref float Scratch(int floats) => ref KernelScratch.Get(ScratchUse.AttentionBlocks, floats);

    /// <summary>Attention over <paramref name="rows"/> samples: sample r's queries [Tq, heads d_k] at
    /// <c>q + r qStride</c>, keys [Tk, heads d_k] and values [Tk, heads d_v] likewise, output [Tq, heads d_v] at
    /// <c>y + r yStride</c>, and the log-sum-exp of each head's rows [heads, Tq] at <c>lse + r lseStride</c>.</summary>
    /// <remarks>The (sample, head) pairs are independent, so a large call splits them over the cores (a single long
    /// sequence runs its heads in parallel); inside a data-parallel chunk the pool is busy and the call stays serial.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float y, int yStride, ref float lse, int lseStride, int rows) =>
        Forward(g, ref q, qStride, ref k, kStride, ref v, vStride, ref Unsafe.NullRef<float>(), 0, ref y, yStride, ref lse, lseStride, rows);

    /// <summary><see cref="Forward(in AttentionGeometry, ref float, int, ref float, int, ref float, int, ref float, int, ref float, int, int)"/>
    /// with sample r's key ids [Tk] (float-encoded integers) at <c>keyIds + r keyIdsStride</c>: with
    /// <see cref="AttentionGeometry.KeyPadding"/>, a key whose id is the pad id gets no weight, and a query row with no
    /// key left outputs zeros (its saved log-sum-exp is +inf, so backward's probabilities are zeros too).</summary>
    /// <remarks>With <see cref="AttentionGeometry.Dropout"/> &gt; 0 (training), sample r's weights are dropped with
    /// <paramref name="dropoutKey"/> (the op's <c>DropoutMasks.OpKey</c>) at counters from
    /// <c>dropoutFirst + r heads Tq Tk</c>; the saved log-sum-exp is that of the weights before dropout.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float keyIds, int keyIdsStride, ref float y, int yStride, ref float lse, int lseStride, int rows, ulong dropoutKey = 0, uint dropoutFirst = 0) =>
        Forward(g, ref q, qStride, ref k, kStride, ref v, vStride, ref keyIds, keyIdsStride, ref Unsafe.NullRef<float>(), 0, ref y, yStride, ref lse, lseStride,
            rows, dropoutKey, dropoutFirst);

    /// <summary>The padded <c>Forward</c> with sample r's score bias [<see cref="AttentionGeometry.BiasHeads"/>, Tq, Tk] at
    /// <c>bias + r biasStride</c> (a stride of 0 shares one bias across the samples), added to each head's scores
    /// before the softmax (T5's relative position bias; masked scores stay masked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float keyIds, int keyIdsStride, ref float bias, int biasStride, ref float y, int yStride, ref float lse, int lseStride, int rows,
        ulong dropoutKey = 0, uint dropoutFirst = 0)
    {
        int pairs = rows * g.Heads;
        long multiplyAdds = (long)pairs * g.Queries * g.Keys * (g.HeadDim + g.ValueHeadDim) / (g.Causal ? 2 : 1);
        int parts = TileGemm.Parts(multiplyAdds, pairs);
        if (parts <= 1 || !WorkerPool.TryAcquire())
        {
            ForwardPairs(g, new DropoutDraw(dropoutKey, dropoutFirst), ref q, qStride, ref k, kStride, ref v, vStride, ref keyIds, keyIdsStride,
                ref bias, biasStride, ref y, yStride, ref lse, lseStride, 0, pairs);
            return;
        }
        fixed (float* pq = &q, pk = &k, pv = &v, pi = &keyIds, pb = &bias, py = &y, pl = &lse)
        {
            var work = ForwardJob;
            work.Geometry = g;
            work.Dropout = new DropoutDraw(dropoutKey, dropoutFirst);
            work.Q = pq; work.K = pk; work.V = pv; work.Ids = pi; work.Bias = pb; work.Y = py; work.Lse = pl;
            (work.QStride, work.KStride, work.VStride, work.IdsStride, work.BiasStride, work.YStride, work.LseStride, work.Pairs, work.Parts) =
                (qStride, kStride, vStride, keyIdsStride, biasStride, yStride, lseStride, pairs, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    // One work object for the process, filled only while the pool is claimed (as TileGemm's jobs).
    private static readonly ForwardWork ForwardJob = new();

    /// <summary>A range of (sample, head) pairs of the padded <c>Forward</c>.</summary>
    private sealed unsafe class ForwardWork : IPartedWork
    {
        public AttentionGeometry Geometry;
        public DropoutDraw Dropout;
        public float* Q, K, V, Ids, Bias, Y, Lse;
        public int QStride, KStride, VStride, IdsStride, BiasStride, YStride, LseStride, Pairs, Parts;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(Pairs, 1, part, Parts);
            ForwardPairs(Geometry, Dropout, ref *Q, QStride, ref *K, KStride, ref *V, VStride, ref *Ids, IdsStride, ref *Bias, BiasStride,
                ref *Y, YStride, ref *Lse, LseStride, start, end);
        }
    }

    /// <summary>Pairs [<paramref name="start"/>, <paramref name="end"/>) of (sample, head), pair = sample heads + head.</summary>
    private static void ForwardPairs(in AttentionGeometry g, DropoutDraw dropout, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float ids, int idsStride, ref float bias, int biasStride, ref float y, int yStride, ref float lse, int lseStride, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated)
            Forward<Float512>(g, dropout, ref q, qStride, ref k, kStride, ref v, vStride, ref ids, idsStride, ref bias, biasStride, ref y, yStride, ref lse, lseStride, start, end);
        else if (Vector256.IsHardwareAccelerated)
            Forward<Float256>(g, dropout, ref q, qStride, ref k, kStride, ref v, vStride, ref ids, idsStride, ref bias, biasStride, ref y, yStride, ref lse, lseStride, start, end);
        else Forward<Float1>(g, dropout, ref q, qStride, ref k, kStride, ref v, vStride, ref ids, idsStride, ref bias, biasStride, ref y, yStride, ref lse, lseStride, start, end);
    }

    /// <summary>Adds the gradients of q, k and v that are asked for, from dy (the output's gradient, laid out as y), the
    /// operands, the output and the saved log-sum-exp (layouts as <c>Forward</c>; absent gradients may be any
    /// reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float y, int yStride, ref float lse, int lseStride, ref float dy, int dyStride,
        ref float dq, int dqStride, bool needQ, ref float dk, int dkStride, bool needK, ref float dv, int dvStride, bool needV, int rows) =>
        Backward(g, ref q, qStride, ref k, kStride, ref v, vStride, ref Unsafe.NullRef<float>(), 0, ref y, yStride, ref lse, lseStride, ref dy, dyStride,
            ref dq, dqStride, needQ, ref dk, dkStride, needK, ref dv, dvStride, needV, rows);

    /// <summary>Backward of the <c>Forward</c> with key ids: the same key ids; padding keys receive no gradient. With
    /// dropout, the same key and counters as the forward: the dropped weights' gradient is zero, the kept ones' scaled by
    /// 1 / (1 - p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float keyIds, int keyIdsStride, ref float y, int yStride, ref float lse, int lseStride, ref float dy, int dyStride,
        ref float dq, int dqStride, bool needQ, ref float dk, int dkStride, bool needK, ref float dv, int dvStride, bool needV, int rows,
        ulong dropoutKey = 0, uint dropoutFirst = 0) =>
        Backward(g, ref q, qStride, ref k, kStride, ref v, vStride, ref keyIds, keyIdsStride, ref Unsafe.NullRef<float>(), 0, ref y, yStride, ref lse, lseStride,
            ref dy, dyStride, ref dq, dqStride, needQ, ref dk, dkStride, needK, ref dv, dvStride, needV, ref Unsafe.NullRef<float>(), 0, false, rows,
            dropoutKey, dropoutFirst);

    /// <summary>Backward of the <c>Forward</c> with a score bias: the same bias, and with <paramref name="needBias"/> its
    /// gradient, the scores' (dS, zero at masked scores), added into <c>dBias + r dBiasStride</c> (a stride of 0 sums
    /// the samples' gradients into one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in AttentionGeometry g, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float keyIds, int keyIdsStride, ref float bias, int biasStride, ref float y, int yStride, ref float lse, int lseStride, ref float dy, int dyStride,
        ref float dq, int dqStride, bool needQ, ref float dk, int dkStride, bool needK, ref float dv, int dvStride, bool needV,
        ref float dBias, int dBiasStride, bool needBias, int rows, ulong dropoutKey = 0, uint dropoutFirst = 0)
    {
        var operands = new Operands(qStride, kStride, vStride, keyIdsStride, biasStride, yStride, lseStride, dyStride, dqStride, dkStride, dvStride,
            dBiasStride, new DropoutDraw(dropoutKey, dropoutFirst));
        var need = new Needs(needQ, needK, needV, needBias && g.BiasHeads > 0);
        if (Vector512.IsHardwareAccelerated)
            Backward<Float512>(g, operands, need, ref q, ref k, ref v, ref keyIds, ref bias, ref y, ref lse, ref dy, ref dq, ref dk, ref dv, ref dBias, rows);
        else if (Vector256.IsHardwareAccelerated)
            Backward<Float256>(g, operands, need, ref q, ref k, ref v, ref keyIds, ref bias, ref y, ref lse, ref dy, ref dq, ref dk, ref dv, ref dBias, rows);
        else
            Backward<Float1>(g, operands, need, ref q, ref k, ref v, ref keyIds, ref bias, ref y, ref lse, ref dy, ref dq, ref dk, ref dv, ref dBias, rows);
    }

    /// <summary>The per-sample strides of backward's operands.</summary>
    private readonly record struct Operands(int Q, int K, int V, int Ids, int Bias, int Y, int Lse, int Dy, int Dq, int Dk, int Dv, int DBias,
        DropoutDraw Dropout);

    /// <summary>The gradients backward adds.</summary>
    private readonly record struct Needs(bool Q, bool K, bool V, bool Bias);

    /// <summary>Where a call's dropout masks come from: the op's key and the counter of its first sample's first weight.</summary>
    private readonly record struct DropoutDraw(ulong Key, uint First)
    {
        /// <summary>The counter of weight (h, i, 0) of sample r: (first sample's) + r heads Tq Tk + (h Tq + i) Tk.</summary>
        public uint Row(in AttentionGeometry g, int r, int h, int i) => unchecked(First + (uint)r * (uint)g.Weights + (uint)((h * g.Queries + i) * g.Keys));
    }

    /// <summary>Query rows handled together: their scores share each register of keys loaded (four independent FMA
    /// chains), and their weighted sums each value row.</summary>
    private const int Block = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<V>(in AttentionGeometry g, DropoutDraw dropout, ref float q, int qStride, ref float k, int kStride, ref float v, int vStride,
        ref float ids, int idsStride, ref float bias, int biasStride, ref float y, int yStride, ref float lse, int lseStride, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int KP = g.KeysPadded, D = g.HeadDim, Dv = g.ValueHeadDim, E = g.QueryWidth, Ev = g.ValueWidth;
        // Scratch: the head's keys transposed [d_k, Tk padded], a block's rows of scores, its scaled query rows, the
        // sample's key bias (0, or -inf for a padding key).
        ref float kT = ref Scratch(D * KP + Block * KP + Block * D + KP);
        ref float p = ref Unsafe.Add(ref kT, D * KP);
        ref float qs = ref Unsafe.Add(ref p, Block * KP);
        ref float keyBias = ref Unsafe.Add(ref qs, Block * D);
        for (int pair = start; pair < end; pair++)
        {
            int r = pair / g.Heads, h = pair % g.Heads;
            ref float qr = ref Unsafe.Add(ref q, (nint)r * qStride);
            ref float vr = ref Unsafe.Add(ref v, (nint)r * vStride);
            ref float yr = ref Unsafe.Add(ref y, (nint)r * yStride);
            ref float lr = ref Unsafe.Add(ref lse, (nint)r * lseStride);
            if (g.KeyPadding) PaddingBias(g, ref Unsafe.Add(ref ids, (nint)r * idsStride), ref keyBias);
            {
                TransposeHead<V>(ref Unsafe.Add(ref k, (nint)r * kStride + h * D), E, g.Keys, D, ref kT, KP);
                for (int i0 = 0; i0 < g.Queries; i0 += Block)
                {
                    var b = new RowBlock(g, i0);
                    ScaleRows<V>(ref Unsafe.Add(ref qr, i0 * E + h * D), E, b.Rows, D, g.Scale, ref qs);
                    Scores<V>(b, ref qs, D, ref kT, KP, g.KeyPadding, ref keyBias, ref p);
                    if (g.BiasHeads > 0) AddBias<V>(b, ref BiasRows(g, ref bias, biasStride, r, h, i0), g.Keys, ref p, KP);
                    for (int i = 0; i < b.Rows; i++)
                    {
                        ref float pi = ref Unsafe.Add(ref p, i * KP);
                        float max = RowMax<V>(ref pi, b.Keys);
                        if (float.IsNegativeInfinity(max))
                        {
                            // Every key of the row is padding: zero weights, so a zero output (PyTorch gives NaN), and a
                            // log-sum-exp of +inf, which backward turns into zero probabilities again.
                            MemoryMarshal.CreateSpan(ref pi, KP).Clear();
                            Unsafe.Add(ref lr, h * g.Queries + i0 + i) = float.PositiveInfinity;
                            Unsafe.Add(ref qs, i) = 0f;
                            continue;
                        }
                        float sum = Exponentials<V>(ref pi, b.Keys, max);
                        Unsafe.Add(ref lr, h * g.Queries + i0 + i) = max + ScalarMath.Log(sum);
                        Unsafe.Add(ref qs, i) = 1f / sum;   // the scaled queries are done with: keep the normalizers there
                        // Dropout after the sum: the kept weights are the softmax's, scaled by 1 / (1 - p).
                        if (g.Dropout > 0f) DropoutMasks.Forward(ref pi, ref pi, b.Keys, dropout.Key, dropout.Row(g, r, h, i0 + i), g.Dropout);
                    }
                    ref float yi = ref Unsafe.Add(ref yr, i0 * Ev + h * Dv);
                    int c = 0;
                    for (; c + V.Count <= Dv; c += V.Count) WeightedRows<V>(b, ref p, KP, ref Unsafe.Add(ref vr, h * Dv + c), Ev, ref qs, 1, false, ref Unsafe.Add(ref yi, c), Ev);
                    for (; c < Dv; c++) WeightedRows<Float1>(b, ref p, KP, ref Unsafe.Add(ref vr, h * Dv + c), Ev, ref qs, 1, false, ref Unsafe.Add(ref yi, c), Ev);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<V>(in AttentionGeometry g, in Operands s, Needs need, ref float q, ref float k, ref float v, ref float ids, ref float bias,
        ref float y, ref float lse, ref float dy, ref float dq, ref float dk, ref float dv, ref float dBias, int rows) where V : struct, IFloatVector<V>
    {
        var (needQ, needK, needV) = (need.Q, need.K, need.V);
        if (!needQ && !needK && !needV && !need.Bias) return;
        int KP = g.KeysPadded, D = g.HeadDim, Dv = g.ValueHeadDim, E = g.QueryWidth, Ev = g.ValueWidth;
        // Scratch: K^T and V^T of the head, dK^T and dV^T accumulated, a block's rows of P and dS, its scaled query rows,
        // its output-gradient rows, per row the log-sum-exp and rowsum(dO O), and the sample's key bias.
        // With dropout, also a row of ones and the block's rows of mask factors (0 or 1 / (1 - p)); last, a register-square
        // block for AddTransposed.
        bool dropout = g.Dropout > 0f;
        ref float kT = ref Scratch(2 * (D + Dv) * KP + 2 * Block * KP + Block * (D + Dv + 2) + KP + (dropout ? (Block + 1) * KP : 0) + V.Count * V.Count);
        ref float vT = ref Unsafe.Add(ref kT, D * KP);
        ref float dkT = ref Unsafe.Add(ref vT, Dv * KP);
        ref float dvT = ref Unsafe.Add(ref dkT, D * KP);
        ref float p = ref Unsafe.Add(ref dvT, Dv * KP);
        ref float ds = ref Unsafe.Add(ref p, Block * KP);
        ref float qs = ref Unsafe.Add(ref ds, Block * KP);
        ref float dO = ref Unsafe.Add(ref qs, Block * D);
        ref float rowLse = ref Unsafe.Add(ref dO, Block * Dv);
        ref float rowDot = ref Unsafe.Add(ref rowLse, Block);
        ref float keyBias = ref Unsafe.Add(ref rowDot, Block);
        ref float ones = ref Unsafe.Add(ref keyBias, KP);
        ref float keep = ref Unsafe.Add(ref ones, KP);
        ref float square = ref Unsafe.Add(ref keyBias, KP + (dropout ? (Block + 1) * KP : 0));   // AddTransposed's block
        if (dropout) MemoryMarshal.CreateSpan(ref ones, KP).Fill(1f);
        for (int r = 0; r < rows; r++)
        {
            ref float qr = ref Unsafe.Add(ref q, (nint)r * s.Q);
            ref float yr = ref Unsafe.Add(ref y, (nint)r * s.Y);
            ref float dyr = ref Unsafe.Add(ref dy, (nint)r * s.Dy);
            ref float lr = ref Unsafe.Add(ref lse, (nint)r * s.Lse);
            if (g.KeyPadding) PaddingBias(g, ref Unsafe.Add(ref ids, (nint)r * s.Ids), ref keyBias);
            for (int h = 0; h < g.Heads; h++)
            {
                TransposeHead<V>(ref Unsafe.Add(ref k, (nint)r * s.K + h * D), E, g.Keys, D, ref kT, KP);
                TransposeHead<V>(ref Unsafe.Add(ref v, (nint)r * s.V + h * Dv), Ev, g.Keys, Dv, ref vT, KP);
                MemoryMarshal.CreateSpan(ref dkT, (D + Dv) * KP).Clear();   // dK^T and dV^T are adjacent
                for (int i0 = 0; i0 < g.Queries; i0 += Block)
                {
                    var b = new RowBlock(g, i0);
                    int padded = (b.Keys + V.Count - 1) / V.Count * V.Count;
                    ScaleRows<V>(ref Unsafe.Add(ref qr, i0 * E + h * D), E, b.Rows, D, g.Scale, ref qs);
                    ScaleRows<V>(ref Unsafe.Add(ref dyr, i0 * Ev + h * Dv), Ev, b.Rows, Dv, 1f, ref dO);
                    for (int i = 0; i < Block; i++)
                    {
                        // rowsum(dO O) of this head: the softmax backward's subtrahend
                        Unsafe.Add(ref rowDot, i) = i < b.Rows ? TileGemm.Dot<V>(ref Unsafe.Add(ref dO, i * Dv), ref Unsafe.Add(ref yr, (i0 + i) * Ev + h * Dv), Dv) : 0f;
                        Unsafe.Add(ref rowLse, i) = i < b.Rows ? Unsafe.Add(ref lr, h * g.Queries + i0 + i) : 0f;
                    }
                    // P (the forward's probabilities, recomputed with its arithmetic), dS = P (dO V^T - rowDot); zero past
                    // each row's keys, at padding keys, in rows without keys (their log-sum-exp is +inf) and in rows past
                    // the last query.
                    Scores<V>(b, ref qs, D, ref kT, KP, g.KeyPadding, ref keyBias, ref p);
                    if (g.BiasHeads > 0) AddBias<V>(b, ref BiasRows(g, ref bias, s.Bias, r, h, i0), g.Keys, ref p, KP);
                    if (dropout)
                        for (int i = 0; i < Block; i++)
                        {
                            // The forward's mask factors over the block's keys; 0 past them and in rows past the last query.
                            ref float m = ref Unsafe.Add(ref keep, i * KP);
                            MemoryMarshal.CreateSpan(ref m, KP).Clear();
                            if (i < b.Rows) DropoutMasks.Forward(ref ones, ref m, b.Keys, s.Dropout.Key, s.Dropout.Row(g, r, h, i0 + i), g.Dropout);
                        }
                    ScoreGradients<V>(b, ref dO, Dv, ref vT, KP, ref rowLse, ref rowDot, dropout, ref keep, ref p, ref ds);
                    if (need.Bias) AddScoreGradients<V>(b, ref ds, KP, ref BiasRows(g, ref dBias, s.DBias, r, h, i0), g.Keys);
                    if (needV) BlockOuter<V>(ref dO, Dv, ref p, KP, ref dvT, padded);
                    if (needK) BlockOuter<V>(ref qs, D, ref ds, KP, ref dkT, padded);
                    if (needQ)
                    {
                        // dQ_i += scale dS_i K, K's rows read in place: a register of columns per key row, no horizontal sums.
                        ref float kh = ref Unsafe.Add(ref k, (nint)r * s.K + h * D);
                        ref float dqi = ref Unsafe.Add(ref dq, (nint)r * s.Dq + i0 * E + h * D);
                        float scale = g.Scale;
                        int c = 0;
                        for (; c + V.Count <= D; c += V.Count) WeightedRows<V>(b, ref ds, KP, ref Unsafe.Add(ref kh, c), E, ref scale, 0, true, ref Unsafe.Add(ref dqi, c), E);
                        for (; c < D; c++) WeightedRows<Float1>(b, ref ds, KP, ref Unsafe.Add(ref kh, c), E, ref scale, 0, true, ref Unsafe.Add(ref dqi, c), E);
                    }
                }
                if (needK) AddTransposed<V>(ref dkT, KP, D, g.Keys, ref Unsafe.Add(ref dk, (nint)r * s.Dk + h * D), E, ref square);
                if (needV) AddTransposed<V>(ref dvT, KP, Dv, g.Keys, ref Unsafe.Add(ref dv, (nint)r * s.Dv + h * Dv), Ev, ref square);
            }
        }
    }

    /// <summary>Row <paramref name="i0"/> of head <paramref name="h"/>'s bias matrix [Tq, Tk] of sample <paramref name="r"/>.</summary>
    private static ref float BiasRows(in AttentionGeometry g, ref float bias, int stride, int r, int h, int i0) =>
        ref Unsafe.Add(ref bias, (nint)r * stride + h * g.BiasHeadStride + i0 * g.Keys);

    /// <summary>s[i, j] += bias[i, j] over each of the block's rows' keys (bias rows <paramref name="keys"/> apart); the
    /// masked scores past them stay -inf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBias<V>(in RowBlock b, ref float bias, int keys, ref float scores, int padded) where V : struct, IFloatVector<V>
    {
        for (int i = 0; i < b.Rows; i++)
        {
            ref float s = ref Unsafe.Add(ref scores, i * padded);
            ref float row = ref Unsafe.Add(ref bias, i * keys);
            int n = b.KeysOf(i), j = 0;
            for (; j + V.Count <= n; j += V.Count) V.Store(V.Add(V.Load(ref s, j), V.Load(ref row, j)), ref s, j);
            for (; j < n; j++) Unsafe.Add(ref s, j) += Unsafe.Add(ref row, j);
        }
    }

    /// <summary>dBias[i, j] += dS[i, j] over each of the block's rows' keys: the bias is added to the scores, so its
    /// gradient is theirs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScoreGradients<V>(in RowBlock b, ref float ds, int padded, ref float dBias, int keys) where V : struct, IFloatVector<V>
    {
        for (int i = 0; i < b.Rows; i++)
        {
            ref float d = ref Unsafe.Add(ref ds, i * padded);
            ref float row = ref Unsafe.Add(ref dBias, i * keys);
            int n = b.KeysOf(i), j = 0;
            for (; j + V.Count <= n; j += V.Count) V.Store(V.Add(V.Load(ref row, j), V.Load(ref d, j)), ref row, j);
            for (; j < n; j++) Unsafe.Add(ref row, j) += Unsafe.Add(ref d, j);
        }
    }

    /// <summary>Up to <see cref="Block"/> query rows from <see cref="First"/>: how many, how many keys the last attends
    /// (so every row's scores fit in that many columns), and how many row <c>i</c> attends.</summary>
    private readonly struct RowBlock
    {
        private readonly bool _causal;

        public RowBlock(in AttentionGeometry g, int first)
        {
            First = first; Rows = System.Math.Min(Block, g.Queries - first); _causal = g.Causal;
            Keys = g.KeysOf(first + Rows - 1);
        }

        // Fields, not properties: a getter is a method of its own, compiled at tier 0 wherever a caller did not inline it.
        public readonly int First;
        public readonly int Rows;
        public readonly int Keys;

        /// <summary>Keys row <paramref name="i"/> of the block attends (<see cref="Keys"/> for rows past the last query).</summary>
        public int KeysOf(int i) => _causal && i < Rows ? First + i + 1 : Keys;
    }

    /// <summary>Rows [i, d] = scale source[i, d] for the block's rows, zeros for the rows past the last query; a register
    /// of columns at a time (the same product per element on every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleRows<V>(ref float source, int stride, int rows, int width, float scale, ref float destination)
        where V : struct, IFloatVector<V>
    {
        var factor = V.Broadcast(scale);
        for (int i = 0; i < Block; i++)
        {
            ref float row = ref Unsafe.Add(ref destination, i * width);
            if (i >= rows)
            {
                MemoryMarshal.CreateSpan(ref row, width).Clear();
                continue;
            }
            ref float from = ref Unsafe.Add(ref source, i * stride);
            int c = 0;
            for (; c + V.Count <= width; c += V.Count) V.Store(V.Multiply(factor, V.Load(ref from, c)), ref row, c);
            for (; c < width; c++) Unsafe.Add(ref row, c) = scale * Unsafe.Add(ref from, c);
        }
    }

    /// <summary>The scores of the block's four rows, s[i, j] = qs_i . k_j (+ keyBias[j] with <paramref name="keyPadding"/>:
    /// -inf at padding keys) for j &lt; the block's keys, into rows of <paramref name="scores"/> <paramref name="padded"/>
    /// apart; -inf past each row's own keys. Each register of keys loaded feeds four independent FMA chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scores<V>(in RowBlock b, ref float qs, int width, ref float kT, int padded, bool keyPadding, ref float keyBias, ref float scores)
        where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        var minusInfinity = V.Broadcast(float.NegativeInfinity);
        ref float q1 = ref Unsafe.Add(ref qs, width);
        ref float q2 = ref Unsafe.Add(ref qs, 2 * width);
        ref float q3 = ref Unsafe.Add(ref qs, 3 * width);
        for (int j = 0; j < b.Keys; j += C)
        {
            V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
            for (int c = 0; c < width; c++)
            {
                var key = V.Load(ref kT, c * padded + j);
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref qs, c)), key, a0);
                a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q1, c)), key, a1);
                a2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q2, c)), key, a2);
                a3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref q3, c)), key, a3);
            }
            if (keyPadding)
            {
                var bias = V.Load(ref keyBias, j);
                (a0, a1, a2, a3) = (V.Add(a0, bias), V.Add(a1, bias), V.Add(a2, bias), V.Add(a3, bias));
            }
            V.Store(Mask(a0, j, b.KeysOf(0), minusInfinity), ref scores, j);
            V.Store(Mask(a1, j, b.KeysOf(1), minusInfinity), ref scores, padded + j);
            V.Store(Mask(a2, j, b.KeysOf(2), minusInfinity), ref scores, 2 * padded + j);
            V.Store(Mask(a3, j, b.KeysOf(3), minusInfinity), ref scores, 3 * padded + j);
        }
    }

    /// <summary>bias[j] = -inf where key j's id is the pad id, else 0, for the sample's keys (0 in the padding columns,
    /// which the causal mask covers). The ids are float-encoded integers, compared exactly.</summary>
    private static void PaddingBias(in AttentionGeometry g, ref float ids, ref float bias)
    {
        float pad = g.PadId;
        for (int j = 0; j < g.Keys; j++) Unsafe.Add(ref bias, j) = Unsafe.Add(ref ids, j) == pad ? float.NegativeInfinity : 0f;
        for (int j = g.Keys; j < g.KeysPadded; j++) Unsafe.Add(ref bias, j) = 0f;
    }

    /// <summary><paramref name="a"/> with the lanes at or past <paramref name="n"/> (counting from <paramref name="j"/>)
    /// replaced by <paramref name="fill"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Mask<V>(V a, int j, int n, V fill) where V : struct, IFloatVector<V> =>
        j + V.Count <= n ? a : V.Select(V.Within(0, n - j), a, fill);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowMax<V>(ref float scores, int n) where V : struct, IFloatVector<V>
    {
        var max = V.Broadcast(float.NegativeInfinity);
        for (int j = 0; j < n; j += V.Count) max = V.Max(max, V.Load(ref scores, j));
        return V.MaxAcross(max);
    }

    /// <summary>p_j = exp(s_j - max) in place for j &lt; n (the -inf past a row's keys become 0; lanes past n too);
    /// returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Exponentials<V>(ref float p, int n, float max) where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        var m = V.Broadcast(max);
        var sum = V.Zero;
        for (int j = 0; j < n; j += C)
        {
            var e = Mask(V.Exp(V.Subtract(V.Load(ref p, j), m)), j, n, V.Zero);
            V.Store(e, ref p, j);
            sum = V.Add(sum, e);
        }
        return V.Sum(sum);
    }

    /// <summary>out_i[c] = f_i sum_j w_i[j] x[j, c] for the block's rows (with <paramref name="add"/>, out_i[c] += that),
    /// f_i = factors[i factorStride], one register of columns: each row of x loaded feeds the four rows (whose w is 0
    /// past their keys). The forward's weighted values (f the softmax normalizers) and backward's dQ += scale dS K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedRows<V>(in RowBlock b, ref float w, int padded, ref float x, int stride, ref float factors, int factorStride, bool add,
        ref float output, int outputStride) where V : struct, IFloatVector<V>
    {
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;
        ref float w1 = ref Unsafe.Add(ref w, padded);
        ref float w2 = ref Unsafe.Add(ref w, 2 * padded);
        ref float w3 = ref Unsafe.Add(ref w, 3 * padded);
        for (int j = 0; j < b.Keys; j++)
        {
            var row = V.Load(ref x, j * stride);
            a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref w, j)), row, a0);
            a1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref w1, j)), row, a1);
            a2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref w2, j)), row, a2);
            a3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref w3, j)), row, a3);
        }
        Put(a0, factors, add, ref output);
        if (b.Rows > 1) Put(a1, Unsafe.Add(ref factors, factorStride), add, ref Unsafe.Add(ref output, outputStride));
        if (b.Rows > 2) Put(a2, Unsafe.Add(ref factors, 2 * factorStride), add, ref Unsafe.Add(ref output, 2 * outputStride));
        if (b.Rows > 3) Put(a3, Unsafe.Add(ref factors, 3 * factorStride), add, ref Unsafe.Add(ref output, 3 * outputStride));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Put(V sum, float factor, bool add, ref float o)
        {
            var f = V.Broadcast(factor);
            V.Store(add ? V.MultiplyAdd(sum, f, V.Load(ref o, 0)) : V.Multiply(sum, f), ref o, 0);
        }
    }

    /// <summary>In place over the block's score rows: p = exp(s - lse) (0 past a row's keys: s is -inf there, and 0 in
    /// rows past the last query), and dS = p (dO_i . v_j - rowDot_i). With <paramref name="dropout"/>, m the rows of
    /// mask factors: the stored p is p m (what dV needs), and dS = p (m dO_i . v_j - rowDot_i).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreGradients<V>(in RowBlock b, ref float dO, int valueWidth, ref float vT, int padded, ref float lse, ref float rowDot,
        bool dropout, ref float m, ref float p, ref float ds) where V : struct, IFloatVector<V>
    {
        int C = V.Count;
        ref float o1 = ref Unsafe.Add(ref dO, valueWidth);
        ref float o2 = ref Unsafe.Add(ref dO, 2 * valueWidth);
        ref float o3 = ref Unsafe.Add(ref dO, 3 * valueWidth);
        for (int j = 0; j < b.Keys; j += C)
        {
            V d0 = V.Zero, d1 = V.Zero, d2 = V.Zero, d3 = V.Zero;
            for (int c = 0; c < valueWidth; c++)
            {
                var value = V.Load(ref vT, c * padded + j);
                d0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref dO, c)), value, d0);
                d1 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref o1, c)), value, d1);
                d2 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref o2, c)), value, d2);
                d3 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref o3, c)), value, d3);
            }
            Gradient(b, 0, j, d0, ref p, ref ds, padded, lse, rowDot, dropout, ref m);
            Gradient(b, 1, j, d1, ref p, ref ds, padded, Unsafe.Add(ref lse, 1), Unsafe.Add(ref rowDot, 1), dropout, ref m);
            Gradient(b, 2, j, d2, ref p, ref ds, padded, Unsafe.Add(ref lse, 2), Unsafe.Add(ref rowDot, 2), dropout, ref m);
            Gradient(b, 3, j, d3, ref p, ref ds, padded, Unsafe.Add(ref lse, 3), Unsafe.Add(ref rowDot, 3), dropout, ref m);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]   // a call per row and register passed the registers through memory
        static void Gradient(in RowBlock b, int i, int j, V dp, ref float p, ref float ds, int padded, float lse, float rowDot, bool dropout, ref float m)
        {
            ref float pi = ref Unsafe.Add(ref p, i * padded + j);
            var pj = i < b.Rows ? Mask(V.Exp(V.Subtract(V.Load(ref pi, 0), V.Broadcast(lse))), j, b.KeysOf(i), V.Zero) : V.Zero;
            if (dropout)
            {
                var keep = V.Load(ref m, i * padded + j);
                V.Store(V.Multiply(pj, keep), ref pi, 0);
                V.Store(V.Multiply(pj, V.Subtract(V.Multiply(dp, keep), V.Broadcast(rowDot))), ref ds, i * padded + j);
                return;
            }
            V.Store(pj, ref pi, 0);
            V.Store(V.Multiply(pj, V.Subtract(dp, V.Broadcast(rowDot))), ref ds, i * padded + j);
        }
    }

    /// <summary>y[c, j] += sum_i a[i, c] x_i[j] over the block's four rows, for c &lt; <paramref name="width"/> (y's rows
    /// <paramref name="padded"/> apart, as x's) and j &lt; count (a multiple of the register width): dV^T += dO^T P and
    /// dK^T += Q^T dS. Four registers of columns at a time, the four x rows of each held in registers for every c (16
    /// registers), so each c costs four broadcasts, and each register of y one load, four FMAs and one store.</summary>
    // Too large to inline into Backward (the JIT declines), so compiled fully optimized on its own from the first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockOuter<V>(ref float a, int width, ref float x, int padded, ref float y, int count) where V : struct, IFloatVector<V>
    {
        int C = V.Count, j = 0;
        ref float a1 = ref Unsafe.Add(ref a, width);
        ref float a2 = ref Unsafe.Add(ref a, 2 * width);
        ref float a3 = ref Unsafe.Add(ref a, 3 * width);
        for (; j + 4 * C <= count; j += 4 * C)
        {
            ref float x0 = ref Unsafe.Add(ref x, j);
            V x00 = V.Load(ref x0, 0), x01 = V.Load(ref x0, C), x02 = V.Load(ref x0, 2 * C), x03 = V.Load(ref x0, 3 * C);
            V x10 = V.Load(ref x0, padded), x11 = V.Load(ref x0, padded + C), x12 = V.Load(ref x0, padded + 2 * C), x13 = V.Load(ref x0, padded + 3 * C);
            V x20 = V.Load(ref x0, 2 * padded), x21 = V.Load(ref x0, 2 * padded + C), x22 = V.Load(ref x0, 2 * padded + 2 * C), x23 = V.Load(ref x0, 2 * padded + 3 * C);
            V x30 = V.Load(ref x0, 3 * padded), x31 = V.Load(ref x0, 3 * padded + C), x32 = V.Load(ref x0, 3 * padded + 2 * C), x33 = V.Load(ref x0, 3 * padded + 3 * C);
            for (int c = 0; c < width; c++)
            {
                V b0 = V.Broadcast(Unsafe.Add(ref a, c)), b1 = V.Broadcast(Unsafe.Add(ref a1, c));
                V b2 = V.Broadcast(Unsafe.Add(ref a2, c)), b3 = V.Broadcast(Unsafe.Add(ref a3, c));
                ref float yc = ref Unsafe.Add(ref y, c * padded + j);
                V.Store(V.MultiplyAdd(b3, x30, V.MultiplyAdd(b2, x20, V.MultiplyAdd(b1, x10, V.MultiplyAdd(b0, x00, V.Load(ref yc, 0))))), ref yc, 0);
                V.Store(V.MultiplyAdd(b3, x31, V.MultiplyAdd(b2, x21, V.MultiplyAdd(b1, x11, V.MultiplyAdd(b0, x01, V.Load(ref yc, C))))), ref yc, C);
                V.Store(V.MultiplyAdd(b3, x32, V.MultiplyAdd(b2, x22, V.MultiplyAdd(b1, x12, V.MultiplyAdd(b0, x02, V.Load(ref yc, 2 * C))))), ref yc, 2 * C);
                V.Store(V.MultiplyAdd(b3, x33, V.MultiplyAdd(b2, x23, V.MultiplyAdd(b1, x13, V.MultiplyAdd(b0, x03, V.Load(ref yc, 3 * C))))), ref yc, 3 * C);
            }
        }
        for (; j < count; j += C)
        {
            ref float x0 = ref Unsafe.Add(ref x, j);
            V r0 = V.Load(ref x0, 0), r1 = V.Load(ref x0, padded), r2 = V.Load(ref x0, 2 * padded), r3 = V.Load(ref x0, 3 * padded);
            for (int c = 0; c < width; c++)
            {
                ref float yc = ref Unsafe.Add(ref y, c * padded + j);
                var sum = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a, c)), r0, V.Load(ref yc, 0));
                sum = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a1, c)), r1, sum);
                sum = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a2, c)), r2, sum);
                V.Store(V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a3, c)), r3, sum), ref yc, 0);
            }
        }
    }

    /// <summary>destination[c, j] = source[j, c] for the <paramref name="width"/> columns of one head of
    /// <paramref name="keys"/> rows of <paramref name="stride"/> floats, the padding columns [keys, padded) zero; square
    /// blocks of one register's width through <see cref="BlockTranspose"/>, the edges one float at a time.</summary>
    private static void TransposeHead<V>(ref float source, int stride, int keys, int width, ref float destination, int padded)
        where V : struct, IFloatVector<V>
    {
        int n = V.Count, j = 0;
        for (; j + n <= keys; j += n)
        {
            ref float from = ref Unsafe.Add(ref source, j * stride);
            int c = 0;
            for (; c + n <= width; c += n)
                BlockTranspose.Square<V>(ref Unsafe.Add(ref from, c), stride, ref Unsafe.Add(ref destination, c * padded + j), padded);
            BlockTranspose.Scalar(ref Unsafe.Add(ref from, c), stride, ref Unsafe.Add(ref destination, c * padded + j), padded, n, width - c);
        }
        BlockTranspose.Scalar(ref Unsafe.Add(ref source, j * stride), stride, ref Unsafe.Add(ref destination, j), padded, keys - j, width);
        for (int c = 0; c < width; c++) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, c * padded + keys), padded - keys).Clear();
    }

    /// <summary>destination[j, c] += source[c, j]: square blocks of one register's width transposed into
    /// <paramref name="block"/> (V.Count x V.Count floats) and added a row at a time, the edges one float at a time.</summary>
    private static void AddTransposed<V>(ref float source, int padded, int width, int keys, ref float destination, int stride, ref float block)
        where V : struct, IFloatVector<V>
    {
        int n = V.Count, j = 0;
        for (; j + n <= keys; j += n)
        {
            int c = 0;
            for (; c + n <= width; c += n)
            {
                BlockTranspose.Square<V>(ref Unsafe.Add(ref source, c * padded + j), padded, ref block, n);
                for (int jj = 0; jj < n; jj++)
                {
                    ref float row = ref Unsafe.Add(ref destination, (j + jj) * stride + c);
                    V.Store(V.Add(V.Load(ref row, 0), V.Load(ref block, jj * n)), ref row, 0);
                }
            }
            for (int jj = j; jj < j + n; jj++)
                for (int cc = c; cc < width; cc++) Unsafe.Add(ref destination, jj * stride + cc) += Unsafe.Add(ref source, cc * padded + jj);
        }
        for (; j < keys; j++)
            for (int c = 0; c < width; c++) Unsafe.Add(ref destination, j * stride + c) += Unsafe.Add(ref source, c * padded + j);
    }
}
