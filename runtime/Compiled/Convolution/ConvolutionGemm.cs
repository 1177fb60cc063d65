using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>2-D convolution over a tile of samples as im2col products, called by generated code with the layer's
/// constant <see cref="ConvGeometry"/>. Per chunk of a few samples and per group, the column matrix [ColumnRows,
/// chunk x Positions] of the input (the samples side by side, so small images still make long rows) is written to a
/// scratch (<see cref="KernelScratch"/>) whose rows are padded to a multiple of 16 floats with zeros, and three
/// products of <see cref="TileGemm"/>'s register-blocked kernels cover the layer, W being [outChannels, ColumnRows] per group as PyTorch stores it:
/// <list type="bullet">
/// <item><see cref="Forward"/>: y[m, p] = b[m] + sum_k W[m, k] col[k, p] (4 channels x 4 registers of positions per
/// block, the k loop innermost).</item>
/// <item><see cref="BackwardInput"/>: dcol[k, p] = sum_m W[m, k] dy[m, p], then col2im adds dcol into dx.</item>
/// <item><see cref="BackwardWeights"/>: dW[m, k] += sum_p dy[m, p] col[k, p] (dot products over the positions);
/// <see cref="BackwardBias"/>: db[m] += sum_p dy[m, p].</item>
/// </list>
/// Large tiles are split across <see cref="WorkerPool"/>: the forward and dx by samples, dW by its columns (every part
/// sums the samples in the same order), so results never depend on the number of threads. The scratch is a
/// <see cref="KernelScratch"/> buffer: no allocation per step.</summary>
public static class ConvolutionGemm
{
    private static ref float Scratch(int floats) => ref KernelScratch.Get(ScratchUse.ConvolutionColumns, floats);

    /// <summary>y[s] = conv(x[s], W) + b for samples s &lt; rows (sample s of x at s * xStride, of y at s * yStride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(in ConvGeometry g, ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int rows)
    {
        int parts = TileGemm.Parts(rows * g.MultiplyAdds, rows);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { ForwardSamples(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, 0, rows); return; }
        fixed (float* px = &x, pw = &w, pb = &bias, py = &y)
        {
            var work = ForwardJob;
            work.X = px; work.W = pw; work.Bias = pb; work.Y = py;
            (work.Geometry, work.XStride, work.YStride, work.HasBias, work.Rows, work.Parts) = (g, xStride, yStride, hasBias, rows, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>dx[s] += the input gradient of conv for dy[s], for samples s &lt; rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardInput(in ConvGeometry g, ref float dy, int dyStride, ref float w, ref float dx, int dxStride, int rows)
    {
        int parts = TileGemm.Parts(rows * g.MultiplyAdds, rows);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { InputSamples(g, ref dy, dyStride, ref w, ref dx, dxStride, 0, rows); return; }
        fixed (float* pdy = &dy, pw = &w, pdx = &dx)
        {
            var work = InputJob;
            work.Dy = pdy; work.W = pw; work.Dx = pdx;
            (work.Geometry, work.DyStride, work.DxStride, work.Rows, work.Parts) = (g, dyStride, dxStride, rows, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>dW += sum_s the weight gradient of conv for dy[s] and x[s], over samples s &lt; rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardWeights(in ConvGeometry g, ref float dy, int dyStride, ref float x, int xStride, ref float dw, int rows)
    {
        int columns = g.Groups * g.ColumnRows;
        int parts = TileGemm.Parts(rows * g.MultiplyAdds, columns / 8);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { WeightColumns(g, ref dy, dyStride, ref x, xStride, ref dw, rows, 0, columns); return; }
        fixed (float* pdy = &dy, px = &x, pdw = &dw)
        {
            var work = WeightsJob;
            work.Dy = pdy; work.X = px; work.Dw = pdw;
            (work.Geometry, work.DyStride, work.XStride, work.Rows, work.Parts) = (g, dyStride, xStride, rows, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>db[m] += sum_s sum_p dy[s, m, p] over samples s &lt; rows.</summary>
    public static void BackwardBias(in ConvGeometry g, ref float dy, int dyStride, ref float db, int rows)
    {
        int positions = g.Positions;
        for (int s = 0; s < rows; s++)
            for (int m = 0; m < g.OutChannels; m++)
                Unsafe.Add(ref db, m) += TensorPrimitives.Sum(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dy, s * dyStride + m * positions), positions));
    }

    /// <summary>Samples unfolded together, side by side: of the counts whose column matrix stays within 512 KB (in L2
    /// with the weights), the smallest that wastes least when its positions are rounded up to whole strips of
    /// <see cref="StripFloats"/> (LeNet-5's 10x10 outputs: 4 samples, 400 positions in 448, where 1 or 2 samples would
    /// compute 28% zeros). It depends on the shape only, so every thread count sums dW in the same order.</summary>
    private static int SamplesPerChunk(in ConvGeometry g)
    {
        int p = g.Positions, most = Math.Clamp(128 * 1024 / (g.ColumnRows * p), 1, 16), best = 1;
        double least = double.MaxValue;
        for (int count = 1; count <= most; count++)
        {
            double waste = (double)StripWidth(count * p) / (count * p);
            if (waste < least - 1e-9) { best = count; least = waste; }
        }
        return best;
    }

    /// <summary>Positions of the widest register block of the forward and dX products (4 Vector512 registers): a
    /// product over a multiple of it runs in those blocks only, where a partial strip would fall back to one-register
    /// blocks at a fraction of the speed.</summary>
    private const int StripFloats = 64;

    /// <summary><paramref name="positions"/> rounded up to whole strips; the columns past the positions are zeros.</summary>
    private static int StripWidth(int positions) => (positions + StripFloats - 1) & ~(StripFloats - 1);

    /// <summary>Samples per chunk of dW's products: also enough that each dot product runs over at least 512 positions
    /// (a 7x7 image's 49 would spend more on each dot's final horizontal sum than on the sum itself), up to a column
    /// matrix of 2 MB.</summary>
    private static int WeightSamplesPerChunk(in ConvGeometry g) =>
        Math.Max(SamplesPerChunk(g), Math.Min((512 + g.Positions - 1) / g.Positions, Math.Max(1, 512 * 1024 / (g.ColumnRows * g.Positions))));

    /// <summary>The row stride of a chunk's matrices: its positions rounded up to whole strips, and
    /// <see cref="ConvGeometry.ColumnSlack"/> more that the column matrix's whole-vector row copies may write, and
    /// col2im's shifted vectors read, past the last position.</summary>
    private static int ChunkStride(in ConvGeometry g, int samples) => WholeLines(StripWidth(samples * g.Positions) + g.ColumnSlack);

    /// <summary><paramref name="floats"/> rounded up to whole 64-byte cache lines, so that every row of a chunk's
    /// matrices starts on a line in the aligned scratch: a Vector512 load that straddles two lines costs two. Zen 5, one
    /// thread, DotRows at dW's shapes (16-64 x 144-576 over 544-784 positions): 100-105 GFLOP/s with rows 16 bytes off
    /// a line, 143-148 aligned.</summary>
    private static int WholeLines(int floats) => (floats + 15) & ~15;

    /// <summary>Unfolds samples [s0, s0 + count) of group <paramref name="group"/> into rows [rowStart, rowEnd) of the
    /// column matrix at <paramref name="col"/> (sample j at column j * Positions), zeroing each row from
    /// <c>count * Positions</c> to <paramref name="width"/>.</summary>
    private static void Unfold(in ConvGeometry g, ref float x, int xStride, int s0, int count, int group, int rowStart, int rowEnd, ref float col, int stride, int width, ref float padded)
    {
        int p = g.Positions;
        for (int j = 0; j < count; j++)
            g.Im2Col(ref Unsafe.Add(ref x, (s0 + j) * xStride), group, rowStart, rowEnd, ref Unsafe.Add(ref col, j * p), stride, ref padded);
        ClearTails(ref col, rowEnd - rowStart, stride, count * p, width);
    }

    /// <summary>Copies group <paramref name="group"/>'s output-gradient rows of samples [s0, s0 + count) into
    /// <paramref name="chunk"/> [GroupOutputs, stride] (sample j at column j * Positions), zeroing each row's tail to
    /// <paramref name="width"/>.</summary>
    private static void Gather(in ConvGeometry g, ref float dy, int dyStride, int s0, int count, int group, ref float chunk, int stride, int width)
    {
        int p = g.Positions, go = g.GroupOutputs;
        for (int j = 0; j < count; j++)
            for (int m = 0; m < go; m++)
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dy, (s0 + j) * dyStride + (group * go + m) * p), p)
                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref chunk, m * stride + j * p), p));
        ClearTails(ref chunk, go, stride, count * p, width);
    }

    private static void ClearTails(ref float matrix, int rows, int stride, int from, int to)
    {
        if (to <= from) return;
        for (int r = 0; r < rows; r++) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref matrix, r * stride + from), to - from).Clear();
    }

    private static void ForwardSamples(in ConvGeometry g, ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) ForwardSamples<Float512>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
        else if (Vector256.IsHardwareAccelerated) ForwardSamples<Float256>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
        else ForwardSamples<Float1>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
    }

    // Per chunk of samples and group: the columns, the product rows started at the bias and given W_g col, then each
    // sample's share of the product copied to its output.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSamples<V>(in ConvGeometry g, ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, p = g.Positions, go = g.GroupOutputs, chunk = SamplesPerChunk(g), stride = ChunkStride(g, chunk);
        ref float col = ref Scratch(k * stride + go * stride + g.PaddedGroupFloats);
        ref float product = ref Unsafe.Add(ref col, k * stride);
        ref float padded = ref Unsafe.Add(ref product, go * stride);
        for (int s0 = start; s0 < end; s0 += chunk)
        {
            int count = Math.Min(chunk, end - s0), width = StripWidth(count * p);
            for (int gi = 0; gi < g.Groups; gi++)
            {
                Unfold(g, ref x, xStride, s0, count, gi, 0, k, ref col, stride, width, ref padded);
                for (int m = 0; m < go; m++)
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref product, m * stride), width).Fill(hasBias ? Unsafe.Add(ref bias, gi * go + m) : 0f);
                TileGemm.AxpyRows<V>(ref Unsafe.Add(ref w, gi * go * k), k, 1, go, ref col, stride, k, width, ref product, stride);
                for (int j = 0; j < count; j++)
                    for (int m = 0; m < go; m++)
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref product, m * stride + j * p), p)
                            .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, (s0 + j) * yStride + (gi * go + m) * p), p));
            }
        }
    }

    private static void InputSamples(in ConvGeometry g, ref float dy, int dyStride, ref float w, ref float dx, int dxStride, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) InputSamples<Float512>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
        else if (Vector256.IsHardwareAccelerated) InputSamples<Float256>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
        else InputSamples<Float1>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
    }

    // Per chunk of samples and group: dy gathered, dcol = W_g^T dy, then each sample's columns folded back into dx.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputSamples<V>(in ConvGeometry g, ref float dy, int dyStride, ref float w, ref float dx, int dxStride, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, p = g.Positions, go = g.GroupOutputs, chunk = SamplesPerChunk(g), stride = ChunkStride(g, chunk);
        int lead = WholeLines(g.ColumnLead);
        ref float dcol = ref Unsafe.Add(ref Scratch(lead + k * stride + go * stride + g.PaddedGroupFloats), lead);
        ref float gathered = ref Unsafe.Add(ref dcol, k * stride);
        ref float padded = ref Unsafe.Add(ref gathered, go * stride);
        for (int s0 = start; s0 < end; s0 += chunk)
        {
            int count = Math.Min(chunk, end - s0), width = StripWidth(count * p);
            for (int gi = 0; gi < g.Groups; gi++)
            {
                Gather(g, ref dy, dyStride, s0, count, gi, ref gathered, stride, width);
                TileGemm.AxpyRows<V>(ref Unsafe.Add(ref w, gi * go * k), 1, k, k, ref gathered, stride, go, width, ref dcol, stride, overwrite: true);
                for (int j = 0; j < count; j++)
                    g.Col2ImAdd(ref Unsafe.Add(ref dcol, j * p), stride, gi, 0, k, ref Unsafe.Add(ref dx, (s0 + j) * dxStride), ref padded);
            }
        }
    }

    private static void WeightColumns(in ConvGeometry g, ref float dy, int dyStride, ref float x, int xStride, ref float dw, int rows, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) WeightColumns<Float512>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
        else if (Vector256.IsHardwareAccelerated) WeightColumns<Float256>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
        else WeightColumns<Float1>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
    }

    // Columns [start, end) of dW (numbered group by group): per chunk of samples and group, dy gathered and the column
    // rows the range holds unfolded, their dot products over the chunk's positions added into dW.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightColumns<V>(in ConvGeometry g, ref float dy, int dyStride, ref float x, int xStride, ref float dw, int rows, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, p = g.Positions, go = g.GroupOutputs, chunk = WeightSamplesPerChunk(g), stride = ChunkStride(g, chunk);
        ref float col = ref Scratch(k * stride + go * stride + go * k + g.PaddedGroupFloats);
        ref float gathered = ref Unsafe.Add(ref col, k * stride);
        ref float product = ref Unsafe.Add(ref gathered, go * stride);
        ref float padded = ref Unsafe.Add(ref product, go * k);
        for (int s0 = 0; s0 < rows; s0 += chunk)
        {
            int count = Math.Min(chunk, rows - s0), width = (count * p + 15) & ~15;
            for (int gi = start / k; gi < g.Groups && gi * k < end; gi++)
            {
                int r0 = Math.Max(start - gi * k, 0), r1 = Math.Min(end - gi * k, k), n = r1 - r0;
                Unfold(g, ref x, xStride, s0, count, gi, r0, r1, ref col, stride, width, ref padded);
                Gather(g, ref dy, dyStride, s0, count, gi, ref gathered, stride, width);
                TileGemm.DotRows<V>(ref gathered, stride, go, ref col, stride, n, width, ref product, n, 1, ref product, false);
                for (int m = 0; m < go; m++)
                {
                    var to = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dw, (gi * go + m) * k + r0), n);
                    TensorPrimitives.Add(to, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref product, m * n), n), to);
                }
            }
        }
    }

    // One work object per kind for the whole process, filled only while the pool is claimed (as TileGemm's).
    private static readonly ForwardWork ForwardJob = new();
    private static readonly InputWork InputJob = new();
    private static readonly WeightsWork WeightsJob = new();

    private sealed unsafe class ForwardWork : IPartedWork
    {
        public ConvGeometry Geometry;
        public float* X, W, Bias, Y;
        public int XStride, YStride, Rows, Parts;
        public bool HasBias;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(Rows, 1, part, Parts);
            ForwardSamples(Geometry, ref *X, XStride, ref *W, ref *Bias, HasBias, ref *Y, YStride, start, end);
        }
    }

    private sealed unsafe class InputWork : IPartedWork
    {
        public ConvGeometry Geometry;
        public float* Dy, W, Dx;
        public int DyStride, DxStride, Rows, Parts;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(Rows, 1, part, Parts);
            InputSamples(Geometry, ref *Dy, DyStride, ref *W, ref *Dx, DxStride, start, end);
        }
    }

    private sealed unsafe class WeightsWork : IPartedWork
    {
        public ConvGeometry Geometry;
        public float* Dy, X, Dw;
        public int DyStride, XStride, Rows, Parts;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(Geometry.Groups * Geometry.ColumnRows, 8, part, Parts);
            WeightColumns(Geometry, ref *Dy, DyStride, ref *X, XStride, ref *Dw, Rows, start, end);
        }
    }
}
