using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>2-D convolution over a tile of samples as im2col products, called by generated code with the layer's
/// constant <see cref="ConvGeometry"/>. Per sample and group, the column matrix [ColumnRows, Positions] of the input
/// is written to a per-thread scratch whose rows are padded to a multiple of 16 floats with zeros (so every product
/// runs whole registers and needs no tail), and three products of <see cref="TileGemm"/>'s register-blocked kernels
/// cover the layer, W being [outChannels, ColumnRows] per group as PyTorch stores it:
/// <list type="bullet">
/// <item><see cref="Forward"/>: y[m, p] = b[m] + sum_k W[m, k] col[k, p] (4 channels x 4 registers of positions per
/// block, the k loop innermost).</item>
/// <item><see cref="BackwardInput"/>: dcol[k, p] = sum_m W[m, k] dy[m, p], then col2im adds dcol into dx.</item>
/// <item><see cref="BackwardWeights"/>: dW[m, k] += sum_p dy[m, p] col[k, p] (dot products over the positions);
/// <see cref="BackwardBias"/>: db[m] += sum_p dy[m, p].</item>
/// </list>
/// Large tiles are split across <see cref="WorkerPool"/>: the forward and dx by samples, dW by its columns (every part
/// sums the samples in the same order), so results never depend on the number of threads. The scratch grows on a
/// thread's first call and is reused after: no allocation per step.</summary>
public static class ConvolutionGemm
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>This thread's scratch, at least <paramref name="floats"/> long (grown on first use only).</summary>
    private static ref float Scratch(int floats)
    {
        var scratch = t_scratch;
        if (scratch is null || scratch.Length < floats) t_scratch = scratch = new float[floats];
        return ref MemoryMarshal.GetArrayDataReference(scratch);
    }

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

    private static void ForwardSamples(in ConvGeometry g, ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) ForwardSamples<Float512>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
        else if (Vector256.IsHardwareAccelerated) ForwardSamples<Float256>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
        else ForwardSamples<Float1>(g, ref x, xStride, ref w, ref bias, hasBias, ref y, yStride, start, end);
    }

    // Per sample and group: columns, then the output rows start at the bias and take W_g col; when the positions are not
    // a multiple of 16 the product goes to a padded scratch and its rows are copied out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSamples<V>(in ConvGeometry g, ref float x, int xStride, ref float w, ref float bias, bool hasBias, ref float y, int yStride, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, p = g.Positions, pp = g.PaddedPositions, go = g.GroupOutputs;
        bool direct = p == pp;
        ref float col = ref Scratch(k * pp + (direct ? 0 : go * pp));
        ref float padded = ref Unsafe.Add(ref col, k * pp);
        for (int s = start; s < end; s++)
        {
            ref float xs = ref Unsafe.Add(ref x, s * xStride);
            ref float ys = ref Unsafe.Add(ref y, s * yStride);
            for (int gi = 0; gi < g.Groups; gi++)
            {
                g.Im2Col(ref xs, gi, 0, k, ref col, pp);
                ref float target = ref direct ? ref Unsafe.Add(ref ys, gi * go * p) : ref padded;
                for (int m = 0; m < go; m++)
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, m * pp), pp).Fill(hasBias ? Unsafe.Add(ref bias, gi * go + m) : 0f);
                TileGemm.AxpyRows<V>(ref Unsafe.Add(ref w, gi * go * k), k, 1, go, ref col, pp, k, pp, ref target, pp);
                if (direct) continue;
                for (int m = 0; m < go; m++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref padded, m * pp), p).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref ys, (gi * go + m) * p), p));
            }
        }
    }

    private static void InputSamples(in ConvGeometry g, ref float dy, int dyStride, ref float w, ref float dx, int dxStride, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) InputSamples<Float512>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
        else if (Vector256.IsHardwareAccelerated) InputSamples<Float256>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
        else InputSamples<Float1>(g, ref dy, dyStride, ref w, ref dx, dxStride, start, end);
    }

    // Per sample and group: dcol = W_g^T dy_g (dy_g padded when needed), then col2im into dx.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputSamples<V>(in ConvGeometry g, ref float dy, int dyStride, ref float w, ref float dx, int dxStride, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, pp = g.PaddedPositions, go = g.GroupOutputs;
        bool direct = g.Positions == pp;
        ref float dcol = ref Scratch(k * pp + (direct ? 0 : go * pp));
        ref float padded = ref Unsafe.Add(ref dcol, k * pp);
        for (int s = start; s < end; s++)
        {
            ref float dys = ref Unsafe.Add(ref dy, s * dyStride);
            ref float dxs = ref Unsafe.Add(ref dx, s * dxStride);
            for (int gi = 0; gi < g.Groups; gi++)
            {
                ref float dyg = ref direct ? ref Unsafe.Add(ref dys, gi * go * pp) : ref Padded(g, ref dys, gi, ref padded);
                MemoryMarshal.CreateSpan(ref dcol, k * pp).Clear();
                TileGemm.AxpyRows<V>(ref Unsafe.Add(ref w, gi * go * k), 1, k, k, ref dyg, pp, go, pp, ref dcol, pp);
                g.Col2ImAdd(ref dcol, pp, gi, 0, k, ref dxs);
            }
        }
    }

    private static void WeightColumns(in ConvGeometry g, ref float dy, int dyStride, ref float x, int xStride, ref float dw, int rows, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated) WeightColumns<Float512>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
        else if (Vector256.IsHardwareAccelerated) WeightColumns<Float256>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
        else WeightColumns<Float1>(g, ref dy, dyStride, ref x, xStride, ref dw, rows, start, end);
    }

    // Columns [start, end) of dW (numbered group by group): per sample and group, the rows of the column matrix that
    // the range holds, dots with dy_g into a small product, added into dW.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightColumns<V>(in ConvGeometry g, ref float dy, int dyStride, ref float x, int xStride, ref float dw, int rows, int start, int end)
        where V : struct, IFloatVector<V>
    {
        int k = g.ColumnRows, pp = g.PaddedPositions, go = g.GroupOutputs;
        bool direct = g.Positions == pp;
        ref float col = ref Scratch(k * pp + go * pp + go * k);
        ref float padded = ref Unsafe.Add(ref col, k * pp);
        ref float product = ref Unsafe.Add(ref padded, go * pp);
        for (int s = 0; s < rows; s++)
        {
            ref float dys = ref Unsafe.Add(ref dy, s * dyStride);
            ref float xs = ref Unsafe.Add(ref x, s * xStride);
            for (int gi = start / k; gi < g.Groups && gi * k < end; gi++)
            {
                int r0 = Math.Max(start - gi * k, 0), r1 = Math.Min(end - gi * k, k), n = r1 - r0;
                g.Im2Col(ref xs, gi, r0, r1, ref col, pp);
                ref float dyg = ref direct ? ref Unsafe.Add(ref dys, gi * go * pp) : ref Padded(g, ref dys, gi, ref padded);
                TileGemm.DotRows<V>(ref dyg, pp, go, ref col, pp, n, pp, ref product, n, 1, ref product, false);
                for (int m = 0; m < go; m++)
                {
                    var to = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dw, (gi * go + m) * k + r0), n);
                    TensorPrimitives.Add(to, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref product, m * n), n), to);
                }
            }
        }
    }

    /// <summary>Group <paramref name="group"/>'s rows of a sample's output gradient copied to <paramref name="padded"/>
    /// with the padded row stride, the positions past the end zeroed.</summary>
    private static ref float Padded(in ConvGeometry g, ref float dys, int group, ref float padded)
    {
        int p = g.Positions, pp = g.PaddedPositions, go = g.GroupOutputs;
        for (int m = 0; m < go; m++)
        {
            var row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref padded, m * pp), pp);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref dys, (group * go + m) * p), p).CopyTo(row);
            row.Slice(p).Clear();
        }
        return ref padded;
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
