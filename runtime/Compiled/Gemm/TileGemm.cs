using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Register-blocked matrix kernels for dense layers over a tile of samples, called by generated code
/// with the layer's constant shape. Matrices are row-major with explicit row strides, so a tile's rows can sit
/// in the per-sample workspace. Three products cover a dense layer y = x W^T + b (W is [n, k] as in PyTorch):
/// <list type="bullet">
/// <item><see cref="Forward"/>: y[r, o] = x[r, :] . W[o, :] + b[o] (dot form: 4 rows x 4 outputs of accumulators,
/// each W vector used for 4 rows and each x vector for 4 outputs; the W rows stay in L1 across the tile).</item>
/// <item><see cref="BackwardInput"/>: dx[r, :] += sum_o dz[r, o] W[o, :].</item>
/// <item><see cref="BackwardWeights"/>: dW[o, :] += sum_r dz[r, o] x[r, :], db[o] += sum_r dz[r, o].</item>
/// </list>
/// The widest accelerated register is used (Vector512, Vector256, else one float); a test compares every path
/// with a double-precision reference over odd shapes.</summary>
public static class TileGemm
{
    /// <summary>Below this many multiply-adds a product runs on the calling thread. The default, 2^18 (about 6 us of
    /// one core's work), splits W3's 784x512 and 512x512 layers at batch 1 (38 -> 26 us per inference here) but
    /// not seed 001's batch of 10 through 784x30 (235k), where splitting measured no gain. A per-sample network
    /// (seed 000's) never calls TileGemm at all.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">Below 1.</exception>
    public static long ParallelThreshold
    {
        get => s_parallelThreshold;
        set
        {
            System.ArgumentOutOfRangeException.ThrowIfLessThan(value, 1L);
            s_parallelThreshold = value;
        }
    }

    private static long s_parallelThreshold = 1 << 18;

    /// <summary>y[r * yStride + o] = sum_i x[r * xStride + i] * w[o * k + i] (+ bias[o]) for r &lt; rows, o &lt; n.
    /// Large products are split over the outputs across <see cref="WorkerPool"/>: with <paramref name="fixedWeights"/>
    /// (inference: the weights are the same at every call) from <see cref="ParallelThreshold"/> on, else as
    /// <see cref="DenseParts"/> decides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int rows, int n, int k,
        bool fixedWeights = false) =>
        ForwardRows(ref x, RowLayout.Dense(xStride), ref w, ref bias, hasBias, ref y, RowLayout.Dense(yStride), rows, n, k, fixedWeights);

    /// <summary>The same with the rows of x and y where <paramref name="xRows"/> and <paramref name="yRows"/> say (a tile
    /// of sequences: <see cref="SequenceGemm"/>); grouped rows always go through <see cref="PackedForward"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardRows(ref float x, RowLayout xRows, ref float w, ref float bias, bool hasBias, ref float y, RowLayout yRows, int rows, int n, int k,
        bool fixedWeights = false)
    {
        if (rows > ForwardPanelRows && !xRows.Grouped && !yRows.Grouped)
        {
            for (int r = 0; r < rows; r += ForwardPanelRows)
                ForwardRows(ref Unsafe.Add(ref x, r * xRows.Stride), xRows, ref w, ref bias, hasBias, ref Unsafe.Add(ref y, r * yRows.Stride), yRows,
                    System.Math.Min(ForwardPanelRows, rows - r), n, k, fixedWeights);
            return;
        }
        int parts = ForwardParts(rows, n, k, fixedWeights);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { ForwardRange(ref x, xRows, ref w, ref bias, hasBias, ref y, yRows, rows, 0, n, n, k); return; }
        fixed (float* px = &x, pw = &w, pb = &bias, py = &y)
        {
            var work = ForwardJob;
            work.X = px; work.W = pw; work.Bias = pb; work.Y = py;
            (work.XRows, work.YRows, work.Rows, work.N, work.K, work.HasBias, work.Parts) = (xRows, yRows, rows, n, k, hasBias, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>Rows per forward call on a dense layout: a larger tile (128 samples for wide layers, which the backward
    /// products want whole) runs as panels of this many rows, each packed and multiplied on its own, since packing all
    /// of them puts x^T out of the L1-sized reach of each block (Zen 3, AVX2, best of 30 interleaved runs, one call of
    /// 128 rows against four of 32: 512 x 784 80 against 90 GFLOP/s on one thread, 144 against 172 on two; 1024 x 1024
    /// 71 against 78).</summary>
    private const int ForwardPanelRows = 32;

    /// <summary>Whether <see cref="ForwardRows"/> runs a tile of <paramref name="rows"/> rows through <see cref="PackedForward"/>
    /// on this machine (the widest accelerated register's rule; never without acceleration).</summary>
    internal static bool PacksRows(int rows, int n, int k) =>
        Vector512.IsHardwareAccelerated ? PackedForward.Pays<Float512>(rows, n, k)
        : Vector256.IsHardwareAccelerated && PackedForward.Pays<Float256>(rows, n, k);

    /// <summary>dx[r * dxStride + i] += sum_o dz[r * dzStride + o] * w[o * k + i] for r &lt; rows, i &lt; k; with
    /// <paramref name="overwrite"/>, dx = those sums (what it held is never read, so it need not be cleared first).
    /// Large products are split over the columns of dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardInput(ref float dz, int dzStride, ref float w, ref float dx, int dxStride, int rows, int n, int k,
        bool overwrite = false)
    {
        int parts = DenseParts(rows, n, k, k / 64);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { BackwardInputRange(ref dz, dzStride, ref w, ref dx, dxStride, rows, n, k, 0, k, overwrite); return; }
        fixed (float* pdz = &dz, pw = &w, pdx = &dx)
        {
            var work = BackwardInputJob;
            work.Dz = pdz; work.W = pw; work.Dx = pdx;
            (work.DzStride, work.DxStride, work.Rows, work.N, work.K, work.Parts, work.Overwrite) = (dzStride, dxStride, rows, n, k, parts, overwrite);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>dw[o * k + i] += sum_r dz[r * dzStride + o] * x[r * xStride + i], and db[o] += sum_r dz[r * dzStride + o]
    /// when <paramref name="hasBias"/>, for o &lt; n, i &lt; k; with <paramref name="overwrite"/>, dw and db = those sums
    /// (what they held is never read, so they need not be cleared first). Large products are split over the outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeights(ref float dz, int dzStride, ref float x, int xStride, ref float dw, ref float db, bool hasBias, int rows, int n, int k,
        bool overwrite = false) =>
        BackwardWeightsRows(ref dz, RowLayout.Dense(dzStride), ref x, RowLayout.Dense(xStride), ref dw, ref db, hasBias, rows, n, k, overwrite);

    /// <summary>The same with the rows of dz and x where <paramref name="dzRows"/> and <paramref name="xRows"/> say (groups
    /// of the same number of rows: a tile of sequences, <see cref="SequenceGemm"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void BackwardWeightsRows(ref float dz, RowLayout dzRows, ref float x, RowLayout xRows, ref float dw, ref float db, bool hasBias,
        int rows, int n, int k, bool overwrite = false)
    {
        int parts = DenseParts(rows, n, k, n / 4);
        if (parts <= 1 || !WorkerPool.TryAcquire()) BackwardWeightsRange(ref dz, dzRows, ref x, xRows, ref dw, rows, 0, n, n, k, overwrite);
        else
            fixed (float* pdz = &dz, px = &x, pdw = &dw)
            {
                var work = BackwardWeightsJob;
                work.Dz = pdz; work.X = px; work.Dw = pdw;
                (work.DzRows, work.XRows, work.Rows, work.N, work.K, work.Parts, work.Overwrite) = (dzRows, xRows, rows, n, k, parts, overwrite);
                WorkerPool.RunAcquired(work, parts);
            }
        if (!hasBias) return;
        int first = 0;
        if (overwrite) { Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref db), ref Unsafe.As<float, byte>(ref dz), (uint)(n * sizeof(float))); first = 1; }
        for (int r = first; r < rows; r++)
            AddRow(ref Unsafe.Add(ref dz, dzRows.Offset(r)), ref db, n);
    }

    /// <summary>How many parts to cut a product into: one per thread, when it is large enough and has at least that
    /// many blocks to share.</summary>
    internal static int Parts(long multiplyAdds, int blocks) =>
        multiplyAdds < s_parallelThreshold ? 1 : System.Math.Min(WorkerPool.Threads, blocks);

    /// <summary>How many parts <see cref="Forward"/> cuts its product into.</summary>
    internal static int ForwardParts(int rows, int n, int k, bool fixedWeights) =>
        fixedWeights ? Parts((long)rows * n * k, n / 4) : DenseParts(rows, n, k, n / 4);

    /// <summary>How many parts to cut a training step's dense product into: as <see cref="Parts"/>, except that a weight
    /// matrix under 128K elements (512 KB, which stays in L2) over so few rows that the product is below 8x the threshold
    /// stays on one thread. Such a product splits well on its own (784 x 64 at 8 rows, each product repeated: 0.6x the
    /// one-thread time on two), but not inside a training step: there the optimizer rewrites W and reads dW on the calling
    /// thread every step, so a split moves the other core's half of W and of dW between the cores' caches at every step
    /// (784 -> 64 -> 64 -> 10 at batch 8, Adam: 47-55 us a step on one thread, 60-79 on two without this rule and 48-53
    /// with it). A large matrix at a few rows (W3's 784 x 512 at batch 1) still splits: reading its weights is the cost,
    /// and two cores read them faster. Inference, whose weights stay put, splits by <see cref="Parts"/> alone.</summary>
    internal static int DenseParts(int rows, int n, int k, int blocks)
    {
        long multiplyAdds = (long)rows * n * k;
        if ((long)n * k < SmallWeights && multiplyAdds < 8 * s_parallelThreshold) return 1;
        return Parts(multiplyAdds, blocks);
    }

    /// <summary>How many parts <see cref="BackwardWeights"/> cuts dW of an n x k weight over <paramref name="rows"/> rows
    /// into (generated code cuts the weight's update the same way).</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static int WeightGradientParts(int rows, int n, int k) => DenseParts(rows, n, k, n / 4);

    /// <summary>Weight elements below which a dense layer's weights count as cache-resident for <see cref="DenseParts"/>.</summary>
    private const long SmallWeights = 1 << 17;

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of [0, count), cut at multiples of
    /// <paramref name="align"/>; the last part takes the remainder.</summary>
    internal static (int Start, int End) Range(int count, int align, int part, int parts)
    {
        int blocks = count / align;
        int start = blocks * part / parts * align;
        int end = part == parts - 1 ? count : blocks * (part + 1) / parts * align;
        return (start, end);
    }

    // Fully optimized once, no dynamic PGO: the tier-1 copy inlined DotRows and, with AVX2, ran it 10-15x slower
    // (32 x 10 x 512: 3 GFLOP/s instead of 53).
    /// <summary>Outputs [start, end) of the forward product. The kernel is chosen from the whole layer's n, never from
    /// the part's width, so that every part of a split computes exactly what a serial call would.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRange(ref float x, RowLayout xRows, ref float w, ref float bias, bool hasBias, ref float y, RowLayout yRows, int rows, int start, int end, int n, int k)
    {
        ref float wPart = ref Unsafe.Add(ref w, start * k);
        ref float yPart = ref Unsafe.Add(ref y, start);
        ref float bPart = ref Unsafe.Add(ref bias, hasBias ? start : 0);
        bool grouped = xRows.Grouped || yRows.Grouped;   // only the packed kernel reads rows in groups
        if (rows == 1 && k <= RowKernelMaxInputs && Vector256.IsHardwareAccelerated)
        {
            RowGemv.ForwardRange(ref wPart, ref x, ref bPart, hasBias, ref yPart, end - start, k);
            return;
        }
        if (Vector512.IsHardwareAccelerated)
        {
            if (grouped || PackedForward.Pays<Float512>(rows, n, k)) PackedForward.Run<Float512>(ref x, xRows, rows, ref wPart, k, end - start, ref yPart, yRows, ref bPart, hasBias);
            else DotRows<Float512>(ref x, xRows.Stride, rows, ref wPart, k, end - start, k, ref yPart, yRows.Stride, 1, ref bPart, hasBias);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            if (grouped || PackedForward.Pays<Float256>(rows, n, k)) PackedForward.Run<Float256>(ref x, xRows, rows, ref wPart, k, end - start, ref yPart, yRows, ref bPart, hasBias);
            else DotRows<Float256>(ref x, xRows.Stride, rows, ref wPart, k, end - start, k, ref yPart, yRows.Stride, 1, ref bPart, hasBias);
        }
        else if (grouped) PackedForward.Run<Float1>(ref x, xRows, rows, ref wPart, k, end - start, ref yPart, yRows, ref bPart, hasBias);
        else DotRows<Float1>(ref x, xRows.Stride, rows, ref wPart, k, end - start, k, ref yPart, yRows.Stride, 1, ref bPart, hasBias);
    }

    /// <summary>Inputs up to which a single row goes through <see cref="RowGemv"/> (16 outputs at a time, one reduction
    /// tree) instead of the dot form (4 at a time). Zen 4, one thread: 512 x 784 19.3 -> 17.0 us, 2048 x 784 80.5 -> 71.9,
    /// 512 x 512 12.3 -> 11.4, 64 x 64 0.32 -> 0.10; 512 x 1000 even; from 1,024 inputs the 16 weight rows RowGemv reads
    /// side by side sit 4 KB apart, in the same L1 sets, and it loses (1024 x 1024 51 -> 81 us).</summary>
    private const int RowKernelMaxInputs = 800;

    /// <summary>dX of a layer with more outputs than this sums them in blocks of <see cref="InputBlock"/>: each block's
    /// column stripe of W (128 rows x 4 registers, 32 KB) is then reused from L1 and L2 by every row of the tile instead of
    /// being streamed again from L3 or memory, where W's row stride maps a whole stripe onto a few cache sets. Measured
    /// on AMD EPYC (Zen 4, 1 MB L2), one thread: 2048 x 2048 at 32 rows 37 -> 77 GFLOP/s, at 128 rows 45 -> 96, two
    /// threads 88 -> 187; 2048 x 512 at 32 rows 80 -> 103; 1024 x 1024 even; 512 wide and below slightly slower, so left
    /// whole.</summary>
    private const int InputBlockAbove = 512, InputBlock = 128;

    /// <summary>dW of a layer with more weights than this (32 MB and up of dW read and written per call, beyond the L3)
    /// runs one register block of outputs at a time (4, or 6 with 16 registers) across all of k, walking dW row by row,
    /// where the whole-width form walks it in column stripes that jump a row (8 KB at k = 2048) per 4 outputs and defeat
    /// the prefetcher. Measured on Zen 4, one thread:
    /// 2048 x 2048 at 8 rows 17 -> 39 GFLOP/s, at 32 rows 40 -> 56, at 128 even; 1024 x 1024 and 512 x 2048 even or
    /// slightly slower in row order, so they keep the stripes.</summary>
    private const long WeightRowsAbove = 1 << 21;

    /// <summary>Outputs per block of such a dW with 16 registers (AVX2) at 48 rows or more: each packed stripe of x
    /// (<see cref="PacksStripes"/>) then serves 32 register blocks before the next is copied, where the 6-output row walk
    /// re-read all of x from L3 for every 6 outputs. Zen 3, one thread, against the row walk: 2048 x 2048 at 128 rows
    /// 33 -> 57 GFLOP/s, at 64 rows 35 -> 54, 1536 x 1536 at 128 rows 45 -> 63; at 32 rows even and at 8 rows 0.6x, so
    /// fewer rows keep the row walk. With AVX-512 not yet measured: it keeps its 4-output row walk.</summary>
    private const int WeightBlock = 192;

    // Fully optimized for the same reason as ForwardRange (a tier-1 copy with dynamic PGO ran W2's dW 2.5x slower).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardInputRange(ref float dz, int dzStride, ref float w, ref float dx, int dxStride, int rows, int n, int k, int start, int end,
        bool overwrite)
    {
        ref float dxPart = ref Unsafe.Add(ref dx, start);
        int block = n > InputBlockAbove ? InputBlock : n;
        for (int j0 = 0; j0 < n; j0 += block)
        {
            int jn = System.Math.Min(block, n - j0);
            ref float wPart = ref Unsafe.Add(ref w, start + j0 * k);
            ref float dzPart = ref Unsafe.Add(ref dz, j0);
            bool store = overwrite && j0 == 0;   // the first block of outputs writes dx, the others add to it
            if (Vector512.IsHardwareAccelerated) AxpyRows<Float512>(ref dzPart, dzStride, 1, rows, ref wPart, k, jn, end - start, ref dxPart, dxStride, store);
            else if (Vector256.IsHardwareAccelerated) AxpyRows<Float256>(ref dzPart, dzStride, 1, rows, ref wPart, k, jn, end - start, ref dxPart, dxStride, store);
            else AxpyRows<Float1>(ref dzPart, dzStride, 1, rows, ref wPart, k, jn, end - start, ref dxPart, dxStride, store);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardWeightsRange(ref float dz, RowLayout dzRows, ref float x, RowLayout xRows, ref float dw, int rows, int start, int end, int n, int k, bool overwrite)
    {
        int block = (long)n * k <= WeightRowsAbove ? end - start : Vector512.IsHardwareAccelerated ? 4 : rows >= 48 ? WeightBlock : 6;
        // The rows' sum runs group by group inside the kernel (the j loop), with dW's block in registers throughout.
        var (groups, perGroup) = xRows.Split(rows);
        for (int o = start; o < end; o += block)
        {
            int count = System.Math.Min(block, end - o);
            ref float dzPart = ref Unsafe.Add(ref dz, o);
            ref float dwPart = ref Unsafe.Add(ref dw, o * k);
            if (Vector512.IsHardwareAccelerated)
                AxpyRows<Float512>(ref dzPart, 1, dzRows.Stride, count, ref x, xRows.Stride, perGroup, k, ref dwPart, k, overwrite, groups, dzRows.GroupStride, xRows.GroupStride);
            else if (Vector256.IsHardwareAccelerated)
                AxpyRows<Float256>(ref dzPart, 1, dzRows.Stride, count, ref x, xRows.Stride, perGroup, k, ref dwPart, k, overwrite, groups, dzRows.GroupStride, xRows.GroupStride);
            else
                AxpyRows<Float1>(ref dzPart, 1, dzRows.Stride, count, ref x, xRows.Stride, perGroup, k, ref dwPart, k, overwrite, groups, dzRows.GroupStride, xRows.GroupStride);
        }
    }

    // One work object per kind for the whole process, filled only while the pool is claimed (WorkerPool.TryAcquire),
    // so no job can be using it; allocated once here, so no thread allocates on its first parallel call.
    private static readonly ForwardWork ForwardJob = new();
    private static readonly BackwardInputWork BackwardInputJob = new();
    private static readonly BackwardWeightsWork BackwardWeightsJob = new();

    private sealed unsafe class ForwardWork : IPartedWork
    {
        public float* X, W, Bias, Y;
        public RowLayout XRows, YRows;
        public int Rows, N, K, Parts;
        public bool HasBias;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = Range(N, 4, part, Parts);
            ForwardRange(ref *X, XRows, ref *W, ref *Bias, HasBias, ref *Y, YRows, Rows, start, end, N, K);
        }
    }

    private sealed unsafe class BackwardInputWork : IPartedWork
    {
        public float* Dz, W, Dx;
        public int DzStride, DxStride, Rows, N, K, Parts;
        public bool Overwrite;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = Range(K, 64, part, Parts);
            BackwardInputRange(ref *Dz, DzStride, ref *W, ref *Dx, DxStride, Rows, N, K, start, end, Overwrite);
        }
    }

    private sealed unsafe class BackwardWeightsWork : IPartedWork
    {
        public float* Dz, X, Dw;
        public RowLayout DzRows, XRows;
        public int Rows, N, K, Parts;
        public bool Overwrite;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = Range(N, 4, part, Parts);
            BackwardWeightsRange(ref *Dz, DzRows, ref *X, XRows, ref *Dw, Rows, start, end, N, K, Overwrite);
        }
    }

    /// <summary>destination[i] += source[i] for i &lt; <paramref name="length"/>.</summary>
    internal static void AddRow(ref float source, ref float destination, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= length - 16; i += 16)
                (Vector512.LoadUnsafe(ref destination, (nuint)i) + Vector512.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= length - 8; i += 8)
                (Vector256.LoadUnsafe(ref destination, (nuint)i) + Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        for (; i < length; i++) Unsafe.Add(ref destination, i) += Unsafe.Add(ref source, i);
    }

    // ---- C[a, b] = A[a, :] . B[b, :] (+ bias[b]) -------------------------------------------------------------

    /// <summary>C[a * cA + b * cB] = sum_i A[a * aStride + i] * B[b * bStride + i] (+ bias[b]) over aCount x bCount.
    /// Blocks of 4 B rows outside (they stay in L1 while every A row passes), 4 A rows inside. With 16 registers (AVX2,
    /// the portable path) and at least <see cref="ThreeRowBlocksFrom"/> A rows, blocks of 3 B rows: 4 x 4's 16
    /// accumulators, 4 B registers and an A register spill to the stack in the inner loop, 4 x 3's 12 + 3 + 1 fit.
    /// Each C element is the same chain of multiply-adds either way, so the block does not change a result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // loops run long: no tier-0 or OSR code; never inlined into callers that would spend the JIT's inlining budget
    internal static void DotRows<V>(ref float a, int aStride, int aCount, ref float b, int bStride, int bCount, int length,
        ref float c, int cA, int cB, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        int bj = 0;
        if (V.Count < 16 && aCount >= ThreeRowBlocksFrom)
            for (; bj <= bCount - 3; bj += 3)
            {
                ref float b0 = ref Unsafe.Add(ref b, bj * bStride);
                int ai = 0;
                for (; ai <= aCount - 4; ai += 4)
                    Dot4x3<V>(ref Unsafe.Add(ref a, ai * aStride), aStride, ref b0, bStride, length, ref Unsafe.Add(ref c, ai * cA + bj * cB), cA, cB);
                for (; ai < aCount; ai++)   // a single A row against 3 B rows
                    for (int bk = 0; bk < 3; bk++)
                        Unsafe.Add(ref c, ai * cA + (bj + bk) * cB) = Dot<V>(ref Unsafe.Add(ref a, ai * aStride), ref Unsafe.Add(ref b0, bk * bStride), length);
            }
        for (; bj <= bCount - 4; bj += 4)
        {
            ref float b0 = ref Unsafe.Add(ref b, bj * bStride);
            int ai = 0;
            for (; ai <= aCount - 4; ai += 4)
                Dot4x4<V>(ref Unsafe.Add(ref a, ai * aStride), aStride, ref b0, bStride, length, ref Unsafe.Add(ref c, ai * cA + bj * cB), cA, cB);
            for (; ai < aCount; ai++)   // a single A row against 4 B rows: C[ai, bj..bj+3]
                Dot1x4<V>(ref Unsafe.Add(ref a, ai * aStride), ref b0, bStride, length, ref Unsafe.Add(ref c, ai * cA + bj * cB), cB);
        }
        for (; bj < bCount; bj++)
        {
            ref float b0 = ref Unsafe.Add(ref b, bj * bStride);
            int ai = 0;
            for (; ai <= aCount - 4; ai += 4)   // 4 A rows against one B row: the same kernel with the roles swapped
                Dot1x4<V>(ref b0, ref Unsafe.Add(ref a, ai * aStride), aStride, length, ref Unsafe.Add(ref c, ai * cA + bj * cB), cA);
            for (; ai < aCount; ai++)
                Unsafe.Add(ref c, ai * cA + bj * cB) = Dot<V>(ref Unsafe.Add(ref a, ai * aStride), ref b0, length);
        }
        if (!hasBias) return;
        for (int ai = 0; ai < aCount; ai++)
            for (int bk = 0; bk < bCount; bk++)
                Unsafe.Add(ref c, ai * cA + bk * cB) += Unsafe.Add(ref bias, bk);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x4<V>(ref float a, int aStride, ref float b, int bStride, int length, ref float c, int cA, int cB)
        where V : struct, IFloatVector<V>
    {
        ref float a1 = ref Unsafe.Add(ref a, aStride); ref float a2 = ref Unsafe.Add(ref a, 2 * aStride); ref float a3 = ref Unsafe.Add(ref a, 3 * aStride);
        ref float b1 = ref Unsafe.Add(ref b, bStride); ref float b2 = ref Unsafe.Add(ref b, 2 * bStride); ref float b3 = ref Unsafe.Add(ref b, 3 * bStride);
        V c00 = V.Zero, c01 = V.Zero, c02 = V.Zero, c03 = V.Zero, c10 = V.Zero, c11 = V.Zero, c12 = V.Zero, c13 = V.Zero;
        V c20 = V.Zero, c21 = V.Zero, c22 = V.Zero, c23 = V.Zero, c30 = V.Zero, c31 = V.Zero, c32 = V.Zero, c33 = V.Zero;
        int i = 0;
        for (; i <= length - V.Count; i += V.Count)
        {
            V w0 = V.Load(ref b, i), w1 = V.Load(ref b1, i), w2 = V.Load(ref b2, i), w3 = V.Load(ref b3, i);
            V x = V.Load(ref a, i);
            c00 = V.MultiplyAdd(x, w0, c00); c01 = V.MultiplyAdd(x, w1, c01); c02 = V.MultiplyAdd(x, w2, c02); c03 = V.MultiplyAdd(x, w3, c03);
            x = V.Load(ref a1, i);
            c10 = V.MultiplyAdd(x, w0, c10); c11 = V.MultiplyAdd(x, w1, c11); c12 = V.MultiplyAdd(x, w2, c12); c13 = V.MultiplyAdd(x, w3, c13);
            x = V.Load(ref a2, i);
            c20 = V.MultiplyAdd(x, w0, c20); c21 = V.MultiplyAdd(x, w1, c21); c22 = V.MultiplyAdd(x, w2, c22); c23 = V.MultiplyAdd(x, w3, c23);
            x = V.Load(ref a3, i);
            c30 = V.MultiplyAdd(x, w0, c30); c31 = V.MultiplyAdd(x, w1, c31); c32 = V.MultiplyAdd(x, w2, c32); c33 = V.MultiplyAdd(x, w3, c33);
        }
        StoreSums(V.Sum4(c00, c01, c02, c03), ref a, ref b, bStride, i, length, ref c, cB);
        StoreSums(V.Sum4(c10, c11, c12, c13), ref a1, ref b, bStride, i, length, ref Unsafe.Add(ref c, cA), cB);
        StoreSums(V.Sum4(c20, c21, c22, c23), ref a2, ref b, bStride, i, length, ref Unsafe.Add(ref c, 2 * cA), cB);
        StoreSums(V.Sum4(c30, c31, c32, c33), ref a3, ref b, bStride, i, length, ref Unsafe.Add(ref c, 3 * cA), cB);
    }

    /// <summary>The A rows from which <see cref="DotRows"/> runs 4 x 3 blocks on 16-register paths. Zen 3, AVX2, one
    /// thread, 30 interleaved steps each: a convolution's dW (A: 16 to 64 output channels, long rows of positions)
    /// ResNetSmall's training step 1.09-1.13x, LeNet-5's 1.06-1.09x; the dense forward's dot form (fewer than 12 rows of
    /// x as A) 0.84x at 8 x 512 x 512, so it keeps 4 x 4.</summary>
    private const int ThreeRowBlocksFrom = 12;

    /// <summary>4 rows of A against 3 rows of B: 12 accumulators (<see cref="Dot4x4{V}"/>'s layout of C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x3<V>(ref float a, int aStride, ref float b, int bStride, int length, ref float c, int cA, int cB)
        where V : struct, IFloatVector<V>
    {
        ref float a1 = ref Unsafe.Add(ref a, aStride); ref float a2 = ref Unsafe.Add(ref a, 2 * aStride); ref float a3 = ref Unsafe.Add(ref a, 3 * aStride);
        ref float b1 = ref Unsafe.Add(ref b, bStride); ref float b2 = ref Unsafe.Add(ref b, 2 * bStride);
        V c00 = V.Zero, c01 = V.Zero, c02 = V.Zero, c10 = V.Zero, c11 = V.Zero, c12 = V.Zero;
        V c20 = V.Zero, c21 = V.Zero, c22 = V.Zero, c30 = V.Zero, c31 = V.Zero, c32 = V.Zero;
        int i = 0;
        for (; i <= length - V.Count; i += V.Count)
        {
            V w0 = V.Load(ref b, i), w1 = V.Load(ref b1, i), w2 = V.Load(ref b2, i);
            V x = V.Load(ref a, i);
            c00 = V.MultiplyAdd(x, w0, c00); c01 = V.MultiplyAdd(x, w1, c01); c02 = V.MultiplyAdd(x, w2, c02);
            x = V.Load(ref a1, i);
            c10 = V.MultiplyAdd(x, w0, c10); c11 = V.MultiplyAdd(x, w1, c11); c12 = V.MultiplyAdd(x, w2, c12);
            x = V.Load(ref a2, i);
            c20 = V.MultiplyAdd(x, w0, c20); c21 = V.MultiplyAdd(x, w1, c21); c22 = V.MultiplyAdd(x, w2, c22);
            x = V.Load(ref a3, i);
            c30 = V.MultiplyAdd(x, w0, c30); c31 = V.MultiplyAdd(x, w1, c31); c32 = V.MultiplyAdd(x, w2, c32);
        }
        // Column by column: the four A rows' sums against one B row (Tail's products commute, so the roles swap).
        StoreSums(V.Sum4(c00, c10, c20, c30), ref b, ref a, aStride, i, length, ref c, cA);
        StoreSums(V.Sum4(c01, c11, c21, c31), ref b1, ref a, aStride, i, length, ref Unsafe.Add(ref c, cB), cA);
        StoreSums(V.Sum4(c02, c12, c22, c32), ref b2, ref a, aStride, i, length, ref Unsafe.Add(ref c, 2 * cB), cA);
    }

    /// <summary>One row of A against 4 rows of B: C[0], C[cB], C[2 cB], C[3 cB].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot1x4<V>(ref float a, ref float b, int bStride, int length, ref float c, int cB)
        where V : struct, IFloatVector<V>
    {
        ref float b1 = ref Unsafe.Add(ref b, bStride); ref float b2 = ref Unsafe.Add(ref b, 2 * bStride); ref float b3 = ref Unsafe.Add(ref b, 3 * bStride);
        V c0 = V.Zero, c1 = V.Zero, c2 = V.Zero, c3 = V.Zero;
        int i = 0;
        for (; i <= length - V.Count; i += V.Count)
        {
            V x = V.Load(ref a, i);
            c0 = V.MultiplyAdd(x, V.Load(ref b, i), c0); c1 = V.MultiplyAdd(x, V.Load(ref b1, i), c1);
            c2 = V.MultiplyAdd(x, V.Load(ref b2, i), c2); c3 = V.MultiplyAdd(x, V.Load(ref b3, i), c3);
        }
        StoreSums(V.Sum4(c0, c1, c2, c3), ref a, ref b, bStride, i, length, ref c, cB);
    }

    /// <summary>C[j * cB] = sums[j] + the scalar tail of A's row against B row j (j &lt; 4), for a dot block whose vector
    /// loop stopped at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums(Vector128<float> sums, ref float a, ref float b, int bStride, int i, int length, ref float c, int cB)
    {
        if (i < length)
            sums += Vector128.Create(Tail(ref a, ref b, i, length), Tail(ref a, ref Unsafe.Add(ref b, bStride), i, length),
                Tail(ref a, ref Unsafe.Add(ref b, 2 * bStride), i, length), Tail(ref a, ref Unsafe.Add(ref b, 3 * bStride), i, length));
        if (cB == 1) { sums.StoreUnsafe(ref c); return; }
        c = sums.GetElement(0); Unsafe.Add(ref c, cB) = sums.GetElement(1);
        Unsafe.Add(ref c, 2 * cB) = sums.GetElement(2); Unsafe.Add(ref c, 3 * cB) = sums.GetElement(3);
    }

    /// <summary>sum_i a[i] b[i] for i &lt; <paramref name="length"/>: a register of products at a time, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // loops run long: no tier-0 or OSR code
    internal static float Dot<V>(ref float a, ref float b, int length) where V : struct, IFloatVector<V>
    {
        V acc = V.Zero;
        int i = 0;
        for (; i <= length - V.Count; i += V.Count) acc = V.MultiplyAdd(V.Load(ref a, i), V.Load(ref b, i), acc);
        return V.Sum(acc) + Tail(ref a, ref b, i, length);
    }

    /// <summary>The scalar remainder of a dot product, from <paramref name="start"/> to <paramref name="length"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(ref float a, ref float b, int start, int length)
    {
        float sum = 0f;
        for (int i = start; i < length; i++) sum = System.MathF.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), sum);
        return sum;
    }

    // ---- C[a, :] += sum_j A(a, j) B[j, :] --------------------------------------------------------------------

    /// <summary>C[a * cStride + i] += sum_j A[a * aA + j * aJ] * B[j * bStride + i] for a &lt; aCount, i &lt; length
    /// (with <paramref name="overwrite"/>, C = the sum: C need not be cleared first). With <paramref name="groups"/> &gt; 1
    /// the sum runs over j &lt; jCount in each of that many groups, group g's A and B <paramref name="aGroup"/> and
    /// <paramref name="bGroup"/> floats further on (the samples of a tile of sequences).
    /// Blocks of C rows x registers, the j loop innermost (B rows broadcast-multiplied, C in registers): with AVX-512's 32
    /// registers 8 x 2 from 8 C rows on (two B loads per 16 multiply-adds where 4 x 4 needs four; Zen 5, the two shapes
    /// alternated in one process, median of 12: W3's Adam step 2,474 -> 2,361 us on one thread and 1,649 -> 1,600 on two,
    /// ResNetSmall's 95.7 -> 93.9 ms, LeNet-5's and CharGpt's even), else 4 x 4; with 16 (AVX2, and the portable path's
    /// scalar registers) 6 x 2, since 4 x 4's 16 accumulators
    /// plus 4 B registers and the broadcast spilled 5 accumulators to the stack in the inner loop (JIT disassembly).
    /// Each C element is one multiply-add chain over the groups and j in order whatever the block, so the block shape does
    /// not change a result. The blocks step their A and B references by the strides instead of computing j * stride: the
    /// multiplications and sign extensions that indexing compiled to made the 6 x 2 block issue-bound (Zen 3, AVX2, one
    /// thread, best of 40 interleaved runs against the spilling 4 x 4: 128 x 512 x 784 dX 49 -> 80 GFLOP/s, dW 45 -> 67;
    /// 32 x 512 x 512 dX 52 -> 59, dW 51 -> 62; 8 x 512 x 512 even). The blocks are compiled on their own, never inlined:
    /// inlined together into the Vector256 copy they used up the JIT's inlining budget, and the 2 x 2 and 1 x 2 blocks
    /// called <c>MultiplyAdd</c> and <c>Broadcast</c> out of line (JIT disassembly; 31% of ResNetSmall's AVX2 step).
    /// Zen 5 with AVX-512 off, one thread, builds alternated: ResNetSmall 230-238 -> 146-156 ms, LeNet-5 5.15 -> 3.14 ms,
    /// W3's Adam step 5.4 -> 4.9 ms; with AVX-512 even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // loops run long: no tier-0 or OSR code; never inlined into callers that would spend the JIT's inlining budget
    internal static void AxpyRows<V>(ref float a, int aA, int aJ, int aCount, ref float b, int bStride, int jCount, int length,
        ref float c, int cStride, bool overwrite = false, int groups = 1, nint aGroup = 0, nint bGroup = 0) where V : struct, IFloatVector<V>
    {
        int i = 0;
        bool pack = V.Count < 16 && PacksStripes(bStride, groups * jCount, aCount);   // measured on AVX2 only
        ref float packed = ref pack ? ref KernelScratch.Get(ScratchUse.BStripe, groups * jCount * 2 * V.Count) : ref b;
        if (V.Count >= 16 && aCount >= 8)
            for (int wide = 2 * V.Count; i <= length - wide; i += wide)
            {
                ref float bs = ref Unsafe.Add(ref b, i);
                int ai = 0;
                for (; ai <= aCount - 8; ai += 8) Axpy8x2<V>(ref a, aA, aJ, ai, ref bs, bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
                for (; ai <= aCount - 2; ai += 2) Axpy2x2<V>(ref a, aA, aJ, ai, ref bs, bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
                for (; ai < aCount; ai++) Axpy1x2<V>(ref a, aA, aJ, ai, ref bs, bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
            }
        else if (V.Count >= 16)
            for (int wide = 4 * V.Count; i <= length - wide; i += wide)
            {
                ref float bs = ref Unsafe.Add(ref b, i);
                int ai = 0;
                for (; ai <= aCount - 4; ai += 4) Axpy4x4<V>(ref a, aA, aJ, ai, ref bs, bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
                for (; ai < aCount; ai++) Axpy1x4<V>(ref a, aA, aJ, ai, ref bs, bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
            }
        else
            for (int wide = 2 * V.Count; i <= length - wide; i += wide)
            {
                ref float bs = ref Stripe(ref b, bStride, jCount, groups, bGroup, i, wide, pack, ref packed);
                var (bStrideUsed, bGroupUsed) = pack ? (wide, (nint)jCount * wide) : (bStride, bGroup);
                int ai = 0;
                for (; ai <= aCount - 6; ai += 6) Axpy6x2<V>(ref a, aA, aJ, ai, ref bs, bStrideUsed, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroupUsed);
                for (; ai <= aCount - 2; ai += 2) Axpy2x2<V>(ref a, aA, aJ, ai, ref bs, bStrideUsed, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroupUsed);
                for (; ai < aCount; ai++) Axpy1x2<V>(ref a, aA, aJ, ai, ref bs, bStrideUsed, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroupUsed);
            }
        for (; i <= length - V.Count; i += V.Count)
            for (int ai = 0; ai < aCount; ai++) Axpy1x1<V>(ref a, aA, aJ, ai, ref Unsafe.Add(ref b, i), bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
        for (; i < length; i++)
            for (int ai = 0; ai < aCount; ai++) Axpy1x1<Float1>(ref a, aA, aJ, ai, ref Unsafe.Add(ref b, i), bStride, jCount, i, ref c, cStride, overwrite, groups, aGroup, bGroup);
    }

    /// <summary>Whether <see cref="AxpyRows"/> copies each column stripe of B into contiguous scratch before its C blocks
    /// read it: when B's rows lie a multiple of 256 floats (1 KB) apart, a stripe's rows fall into at most 4 of the L1's
    /// 64 sets, so the stripe (up to a few hundred lines) cannot stay in L1 across the C blocks that reuse it, and every
    /// block streams it again from L2 or beyond. Packed, it is read from memory once per stripe. Only when enough C rows
    /// reuse the copy (<paramref name="aCount"/> at least 12) and the stripe is long enough to conflict. Zen 3, AVX2, one
    /// thread, best of 40 interleaved runs: dX 128 x 512 x 512 42 -> 53 GFLOP/s, 1024 x 1024 48 -> 65; dW 128 x 512 x 512
    /// 36 -> 43, 1024 x 1024 43 -> 59; 784-wide inputs (no conflict, no packing) unchanged. AVX-512's 4 x 4 blocks read
    /// stripes twice as wide and are not yet measured with it, so they do not pack.</summary>
    internal static bool PacksStripes(int bStride, int rows, int aCount) => bStride % 256 == 0 && rows > 16 && aCount >= 12;

    /// <summary>B's stripe of columns [i, i + wide): B itself, or (<paramref name="pack"/>) its rows copied one after another
    /// into <paramref name="packed"/>, group after group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Stripe(ref float b, int bStride, int jCount, int groups, nint bGroup, int i, int wide, bool pack, ref float packed)
    {
        if (!pack) return ref Unsafe.Add(ref b, i);
        ref float to = ref packed;
        for (int g = 0; g < groups; g++)
        {
            ref float from = ref Unsafe.Add(ref b, g * bGroup + i);
            for (int j = 0; j < jCount; j++)
            {
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref to), ref Unsafe.As<float, byte>(ref from), (uint)(wide * sizeof(float)));
                to = ref Unsafe.Add(ref to, wide);
                from = ref Unsafe.Add(ref from, bStride);
            }
        }
        return ref packed;
    }

    // The blocks below: b is B's stripe already at column i (B offset, or its packed copy, rows bStride apart), and i is
    // the stripe's column in C; ai is the first C row of the block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy4x4<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c02 = V.Zero, c03 = V.Zero, c10 = V.Zero, c11 = V.Zero, c12 = V.Zero, c13 = V.Zero;
        V c20 = V.Zero, c21 = V.Zero, c22 = V.Zero, c23 = V.Zero, c30 = V.Zero, c31 = V.Zero, c32 = V.Zero, c33 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            nint a1 = aA, a2 = 2 * a1, a3 = 3 * a1;
            for (int j = 0; j < jCount; j++)
            {
                V w0 = V.Load(ref bRow, 0), w1 = V.Load(ref bRow, n), w2 = V.Load(ref bRow, 2 * n), w3 = V.Load(ref bRow, 3 * n);
                V s = V.Broadcast(aj);
                c00 = V.MultiplyAdd(s, w0, c00); c01 = V.MultiplyAdd(s, w1, c01); c02 = V.MultiplyAdd(s, w2, c02); c03 = V.MultiplyAdd(s, w3, c03);
                s = V.Broadcast(Unsafe.Add(ref aj, a1));
                c10 = V.MultiplyAdd(s, w0, c10); c11 = V.MultiplyAdd(s, w1, c11); c12 = V.MultiplyAdd(s, w2, c12); c13 = V.MultiplyAdd(s, w3, c13);
                s = V.Broadcast(Unsafe.Add(ref aj, a2));
                c20 = V.MultiplyAdd(s, w0, c20); c21 = V.MultiplyAdd(s, w1, c21); c22 = V.MultiplyAdd(s, w2, c22); c23 = V.MultiplyAdd(s, w3, c23);
                s = V.Broadcast(Unsafe.Add(ref aj, a3));
                c30 = V.MultiplyAdd(s, w0, c30); c31 = V.MultiplyAdd(s, w1, c31); c32 = V.MultiplyAdd(s, w2, c32); c33 = V.MultiplyAdd(s, w3, c33);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c00, c01, c02, c03, overwrite);
        AddTo<V>(ref c, (ai + 1) * cStride + i, n, c10, c11, c12, c13, overwrite);
        AddTo<V>(ref c, (ai + 2) * cStride + i, n, c20, c21, c22, c23, overwrite);
        AddTo<V>(ref c, (ai + 3) * cStride + i, n, c30, c31, c32, c33, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy1x4<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c0 = V.Zero, c1 = V.Zero, c2 = V.Zero, c3 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            for (int j = 0; j < jCount; j++)
            {
                V s = V.Broadcast(aj);
                c0 = V.MultiplyAdd(s, V.Load(ref bRow, 0), c0); c1 = V.MultiplyAdd(s, V.Load(ref bRow, n), c1);
                c2 = V.MultiplyAdd(s, V.Load(ref bRow, 2 * n), c2); c3 = V.MultiplyAdd(s, V.Load(ref bRow, 3 * n), c3);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c0, c1, c2, c3, overwrite);
    }

    /// <summary>8 C rows x 2 registers (AVX-512's 32 registers): 16 accumulators, 2 B registers and the broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy8x2<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c10 = V.Zero, c11 = V.Zero, c20 = V.Zero, c21 = V.Zero, c30 = V.Zero, c31 = V.Zero;
        V c40 = V.Zero, c41 = V.Zero, c50 = V.Zero, c51 = V.Zero, c60 = V.Zero, c61 = V.Zero, c70 = V.Zero, c71 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            nint a1 = aA, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1, a6 = 6 * a1, a7 = 7 * a1;
            for (int j = 0; j < jCount; j++)
            {
                V w0 = V.Load(ref bRow, 0), w1 = V.Load(ref bRow, n);
                V s;
                s = V.Broadcast(aj);
                c00 = V.MultiplyAdd(s, w0, c00); c01 = V.MultiplyAdd(s, w1, c01);
                s = V.Broadcast(Unsafe.Add(ref aj, a1));
                c10 = V.MultiplyAdd(s, w0, c10); c11 = V.MultiplyAdd(s, w1, c11);
                s = V.Broadcast(Unsafe.Add(ref aj, a2));
                c20 = V.MultiplyAdd(s, w0, c20); c21 = V.MultiplyAdd(s, w1, c21);
                s = V.Broadcast(Unsafe.Add(ref aj, a3));
                c30 = V.MultiplyAdd(s, w0, c30); c31 = V.MultiplyAdd(s, w1, c31);
                s = V.Broadcast(Unsafe.Add(ref aj, a4));
                c40 = V.MultiplyAdd(s, w0, c40); c41 = V.MultiplyAdd(s, w1, c41);
                s = V.Broadcast(Unsafe.Add(ref aj, a5));
                c50 = V.MultiplyAdd(s, w0, c50); c51 = V.MultiplyAdd(s, w1, c51);
                s = V.Broadcast(Unsafe.Add(ref aj, a6));
                c60 = V.MultiplyAdd(s, w0, c60); c61 = V.MultiplyAdd(s, w1, c61);
                s = V.Broadcast(Unsafe.Add(ref aj, a7));
                c70 = V.MultiplyAdd(s, w0, c70); c71 = V.MultiplyAdd(s, w1, c71);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c00, c01, overwrite);
        AddTo<V>(ref c, (ai + 1) * cStride + i, n, c10, c11, overwrite);
        AddTo<V>(ref c, (ai + 2) * cStride + i, n, c20, c21, overwrite);
        AddTo<V>(ref c, (ai + 3) * cStride + i, n, c30, c31, overwrite);
        AddTo<V>(ref c, (ai + 4) * cStride + i, n, c40, c41, overwrite);
        AddTo<V>(ref c, (ai + 5) * cStride + i, n, c50, c51, overwrite);
        AddTo<V>(ref c, (ai + 6) * cStride + i, n, c60, c61, overwrite);
        AddTo<V>(ref c, (ai + 7) * cStride + i, n, c70, c71, overwrite);
    }

    /// <summary>6 C rows x 2 registers: 12 accumulators, 2 B registers and the broadcast fit 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy6x2<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c10 = V.Zero, c11 = V.Zero, c20 = V.Zero, c21 = V.Zero;
        V c30 = V.Zero, c31 = V.Zero, c40 = V.Zero, c41 = V.Zero, c50 = V.Zero, c51 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            nint a1 = aA, a2 = 2 * a1, a3 = 3 * a1, a4 = 4 * a1, a5 = 5 * a1;
            for (int j = 0; j < jCount; j++)
            {
                V w0 = V.Load(ref bRow, 0), w1 = V.Load(ref bRow, n);
                V s = V.Broadcast(aj);
                c00 = V.MultiplyAdd(s, w0, c00); c01 = V.MultiplyAdd(s, w1, c01);
                s = V.Broadcast(Unsafe.Add(ref aj, a1));
                c10 = V.MultiplyAdd(s, w0, c10); c11 = V.MultiplyAdd(s, w1, c11);
                s = V.Broadcast(Unsafe.Add(ref aj, a2));
                c20 = V.MultiplyAdd(s, w0, c20); c21 = V.MultiplyAdd(s, w1, c21);
                s = V.Broadcast(Unsafe.Add(ref aj, a3));
                c30 = V.MultiplyAdd(s, w0, c30); c31 = V.MultiplyAdd(s, w1, c31);
                s = V.Broadcast(Unsafe.Add(ref aj, a4));
                c40 = V.MultiplyAdd(s, w0, c40); c41 = V.MultiplyAdd(s, w1, c41);
                s = V.Broadcast(Unsafe.Add(ref aj, a5));
                c50 = V.MultiplyAdd(s, w0, c50); c51 = V.MultiplyAdd(s, w1, c51);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c00, c01, overwrite);
        AddTo<V>(ref c, (ai + 1) * cStride + i, n, c10, c11, overwrite);
        AddTo<V>(ref c, (ai + 2) * cStride + i, n, c20, c21, overwrite);
        AddTo<V>(ref c, (ai + 3) * cStride + i, n, c30, c31, overwrite);
        AddTo<V>(ref c, (ai + 4) * cStride + i, n, c40, c41, overwrite);
        AddTo<V>(ref c, (ai + 5) * cStride + i, n, c50, c51, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy2x2<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c10 = V.Zero, c11 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            nint a1 = aA;
            for (int j = 0; j < jCount; j++)
            {
                V w0 = V.Load(ref bRow, 0), w1 = V.Load(ref bRow, n);
                V s = V.Broadcast(aj);
                c00 = V.MultiplyAdd(s, w0, c00); c01 = V.MultiplyAdd(s, w1, c01);
                s = V.Broadcast(Unsafe.Add(ref aj, a1));
                c10 = V.MultiplyAdd(s, w0, c10); c11 = V.MultiplyAdd(s, w1, c11);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c00, c01, overwrite);
        AddTo<V>(ref c, (ai + 1) * cStride + i, n, c10, c11, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy1x2<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        int n = V.Count;
        V c0 = V.Zero, c1 = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float aj = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bRow = ref Unsafe.Add(ref b, g * bGroup);
            for (int j = 0; j < jCount; j++)
            {
                V s = V.Broadcast(aj);
                c0 = V.MultiplyAdd(s, V.Load(ref bRow, 0), c0); c1 = V.MultiplyAdd(s, V.Load(ref bRow, n), c1);
                bRow = ref Unsafe.Add(ref bRow, bStride);
                aj = ref Unsafe.Add(ref aj, aJ);
            }
        }
        AddTo<V>(ref c, ai * cStride + i, n, c0, c1, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Axpy1x1<V>(ref float a, int aA, int aJ, int ai, ref float b, int bStride, int jCount, int i, ref float c, int cStride, bool overwrite,
        int groups, nint aGroup, nint bGroup) where V : struct, IFloatVector<V>
    {
        V acc = V.Zero;
        for (int g = 0; g < groups; g++)
        {
            ref float a0 = ref Unsafe.Add(ref a, ai * aA + g * aGroup);
            ref float bGroupStart = ref Unsafe.Add(ref b, g * bGroup);
            for (int j = 0; j < jCount; j++)
                acc = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref a0, j * aJ)), V.Load(ref bGroupStart, j * bStride), acc);
        }
        nint at = ai * cStride + i;
        V.Store(overwrite ? acc : V.Add(V.Load(ref c, at), acc), ref c, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<V>(ref float c, nint at, int n, V v0, V v1, bool overwrite) where V : struct, IFloatVector<V>
    {
        if (overwrite) { V.Store(v0, ref c, at); V.Store(v1, ref c, at + n); return; }
        V.Store(V.Add(V.Load(ref c, at), v0), ref c, at);
        V.Store(V.Add(V.Load(ref c, at + n), v1), ref c, at + n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo<V>(ref float c, nint at, int n, V v0, V v1, V v2, V v3, bool overwrite) where V : struct, IFloatVector<V>
    {
        if (overwrite)
        {
            V.Store(v0, ref c, at); V.Store(v1, ref c, at + n); V.Store(v2, ref c, at + 2 * n); V.Store(v3, ref c, at + 3 * n);
            return;
        }
        V.Store(V.Add(V.Load(ref c, at), v0), ref c, at);
        V.Store(V.Add(V.Load(ref c, at + n), v1), ref c, at + n);
        V.Store(V.Add(V.Load(ref c, at + 2 * n), v2), ref c, at + 2 * n);
        V.Store(V.Add(V.Load(ref c, at + 3 * n), v3), ref c, at + 3 * n);
    }
}
