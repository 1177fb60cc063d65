using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>The constant shape of one 2-D convolution over a sample [C, H, W] (PyTorch's NCHW without the batch): its
/// weight [outChannels, inChannels / groups, kernelHeight, kernelWidth], stride, zero padding, dilation and groups, and
/// what follows from them: the output [outChannels, OutHeight, OutWidth] and the matrices of the im2col product
/// (<see cref="ColumnRows"/> x <see cref="Positions"/> per group). Generated code creates it from the layer's constants;
/// the eager op from its arguments.</summary>
public readonly struct ConvGeometry
{
    /// <summary>Creates the geometry; the sizes must be valid (the generator and the eager op check them first).</summary>
    /// <exception cref="ArgumentException">A size is not positive, padding is negative, the channels are not divisible
    /// by the groups, or the output would be empty.</exception>
    public ConvGeometry(int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        if (inChannels <= 0 || height <= 0 || width <= 0 || outChannels <= 0 || kernelHeight <= 0 || kernelWidth <= 0
            || strideHeight <= 0 || strideWidth <= 0 || dilationHeight <= 0 || dilationWidth <= 0 || groups <= 0
            || paddingHeight < 0 || paddingWidth < 0)
            throw new ArgumentException("Convolution sizes, strides, dilations and groups must be positive and padding not negative.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{inChannels} input and {outChannels} output channels are not both divisible by {groups} groups.");
        InChannels = inChannels; Height = height; Width = width; OutChannels = outChannels;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth; StrideHeight = strideHeight; StrideWidth = strideWidth;
        PaddingHeight = paddingHeight; PaddingWidth = paddingWidth; DilationHeight = dilationHeight; DilationWidth = dilationWidth;
        Groups = groups;
        OutHeight = OutputSize(height, kernelHeight, strideHeight, paddingHeight, dilationHeight);
        OutWidth = OutputSize(width, kernelWidth, strideWidth, paddingWidth, dilationWidth);
        if (OutHeight < 1 || OutWidth < 1)
            throw new ArgumentException($"The output would be {OutHeight} x {OutWidth}: floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1 must be at least 1.");
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }
    /// <summary>Input height H.</summary>
    public int Height { get; }
    /// <summary>Input width W.</summary>
    public int Width { get; }
    /// <summary>Output channels M.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel rows kh.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel columns kw.</summary>
    public int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
    /// <summary>Zero rows above and below.</summary>
    public int PaddingHeight { get; }
    /// <summary>Zero columns left and right.</summary>
    public int PaddingWidth { get; }
    /// <summary>Vertical spacing of kernel taps.</summary>
    public int DilationHeight { get; }
    /// <summary>Horizontal spacing of kernel taps.</summary>
    public int DilationWidth { get; }
    /// <summary>Channel groups (each output channel sees C / groups inputs).</summary>
    public int Groups { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Input channels per group.</summary>
    public int GroupInputs => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutputs => OutChannels / Groups;

    /// <summary>Rows of a group's column matrix: one per (input channel of the group, kernel row, kernel column), the
    /// order of the weight's last three dimensions.</summary>
    public int ColumnRows => GroupInputs * KernelHeight * KernelWidth;

    /// <summary>Output positions per channel: OutHeight x OutWidth.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>Input floats per sample: C x H x W.</summary>
    public int InputFloats => InChannels * Height * Width;

    /// <summary>Output floats per sample.</summary>
    public int OutputFloats => OutChannels * Positions;

    /// <summary>Multiply-adds of the forward product per sample.</summary>
    public long MultiplyAdds => (long)OutChannels * ColumnRows * Positions;

    /// <summary>PyTorch's output size: floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1 (at most 0
    /// when the dilated kernel does not fit the padded input), computed in 64 bits so that a padding or dilation near
    /// 2^30 cannot wrap into a size that looks valid.</summary>
    public static int OutputSize(int size, int kernel, int stride, int padding, int dilation)
    {
        long span = size + 2L * padding - (long)dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : (int)Math.Min(span / stride + 1, int.MaxValue);
    }

    /// <summary>Input rows including the zero padding: H + 2 padding.</summary>
    public int PaddedHeight => Height + 2 * PaddingHeight;

    /// <summary>Input columns including the zero padding: W + 2 padding.</summary>
    public int PaddedWidth => Width + 2 * PaddingWidth;

    /// <summary>Floats of the scratch <see cref="Im2Col"/> and <see cref="Col2ImAdd"/> need: one group's channels with
    /// their padding, and two vectors of slack after them that whole-vector row reads may run into.</summary>
    public int PaddedGroupFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => GroupInputs * PaddedHeight * PaddedWidth + 2 * RowVector;
    }

    /// <summary>Floats in the widest vector a row copy moves at once (16: Vector512's).</summary>
    private const int RowVector = 16;

    /// <summary>Floats a column matrix needs before its first row: <see cref="Col2ImAdd"/> reads a row shifted left by up
    /// to the kernel's dilated width (and masks those lanes off).</summary>
    public int ColumnLead => (KernelWidth - 1) * DilationWidth;

    /// <summary>Floats a column matrix needs after its last row's <see cref="Positions"/> columns: what
    /// <see cref="Im2Col"/>'s whole-vector copies may write and <see cref="Col2ImAdd"/>'s shifted vectors may read past
    /// the end.</summary>
    public int ColumnSlack => RowVector + ColumnLead;

    /// <summary>Writes rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of group <paramref name="group"/>'s
    /// column matrix of one sample <paramref name="x"/> [C, H, W] at <paramref name="columns"/> (row r - rowStart at
    /// offset (r - rowStart) * <paramref name="columnStride"/>): element (r, p) is the input under kernel tap r at output
    /// position p, 0 in the padding. The group's channels are first copied into <paramref name="padded"/>
    /// (<see cref="PaddedGroupFloats"/>) inside a zero border, so each output row of a matrix row is one or two whole
    /// vectors copied without bounds checks or a scalar tail: a copy may write up to 15 floats past the row's
    /// <see cref="OutWidth"/>, which the next output row overwrites. The caller leaves <see cref="ColumnSlack"/> floats of room
    /// after the <see cref="Positions"/> columns of the last matrix row, and of each row whose next one is not written
    /// after it (they are written with junk).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: no tier-0 or OSR code (jit-check)
    public void Im2Col(ref float x, int group, int rowStart, int rowEnd, ref float columns, int columnStride, ref float padded)
    {
        Pad(ref Unsafe.Add(ref x, group * GroupInputs * Height * Width), ref padded);
        int taps = KernelHeight * KernelWidth, pitch = PaddedWidth, plane = PaddedHeight * pitch;
        int outWidth = OutWidth, outHeight = OutHeight, rowStep = StrideHeight * pitch, strideWidth = StrideWidth;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int c = r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float line = ref Unsafe.Add(ref padded, c * plane + ky * DilationHeight * pitch + kx * DilationWidth);
            ref float output = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            if (strideWidth == 1)
                for (int oy = 0; oy < outHeight; oy++)
                {
                    CopyWhole(ref line, ref output, outWidth);
                    line = ref Unsafe.Add(ref line, rowStep);
                    output = ref Unsafe.Add(ref output, outWidth);
                }
            else if (strideWidth == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
                for (int oy = 0; oy < outHeight; oy++)
                {
                    CopyEvens(ref line, ref output, outWidth);
                    line = ref Unsafe.Add(ref line, rowStep);
                    output = ref Unsafe.Add(ref output, outWidth);
                }
            else
                for (int oy = 0; oy < outHeight; oy++, line = ref Unsafe.Add(ref line, rowStep), output = ref Unsafe.Add(ref output, outWidth))
                    for (int ox = 0; ox < outWidth; ox++) Unsafe.Add(ref output, ox) = Unsafe.Add(ref line, ox * strideWidth);
        }
    }

    /// <summary>to[i] = from[2 i] for i &lt; <paramref name="count"/>, 16 at a time: two registers loaded, their even
    /// elements picked by one permute. Reads up to 31 and writes up to 15 floats past the ends, as
    /// <see cref="CopyWhole"/> (the padded copy's slack and the column matrix's room take them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyEvens(ref float from, ref float to, int count)
    {
        var evens = Vector512<int>.Indices * 2;
        for (int i = 0; i < count; i += 16)
            Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref from, (nuint)(2 * i)), evens, Vector512.LoadUnsafe(ref from, (nuint)(2 * i + 16)))
                .StoreUnsafe(ref to, (nuint)i);
    }

    /// <summary>The inverse of <see cref="Im2Col"/> for gradients: adds every element (r, p) of rows [rowStart, rowEnd)
    /// of <paramref name="columns"/> into the input position it was read from, in <paramref name="dx"/> (what falls in the
    /// padding drops). The sums are formed in <paramref name="padded"/> (<see cref="PaddedGroupFloats"/>), then its
    /// middle is added into <paramref name="dx"/>. The column matrix needs <see cref="ColumnLead"/> floats before it and
    /// <see cref="ColumnSlack"/> after its last row (read, never used).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: no tier-0 or OSR code (jit-check)
    public void Col2ImAdd(ref float columns, int columnStride, int group, int rowStart, int rowEnd, ref float dx, ref float padded)
    {
        if (StrideWidth != 1) ScatterColumns(ref columns, columnStride, rowStart, rowEnd, ref padded);
        else if (Vector512.IsHardwareAccelerated) GatherColumns<Float512>(ref columns, columnStride, rowStart, rowEnd, ref padded);
        else if (Vector256.IsHardwareAccelerated) GatherColumns<Float256>(ref columns, columnStride, rowStart, rowEnd, ref padded);
        else GatherColumns<Float1>(ref columns, columnStride, rowStart, rowEnd, ref padded);
        ref float target = ref Unsafe.Add(ref dx, group * GroupInputs * Height * Width);
        int pitch = PaddedWidth, plane = PaddedHeight * pitch;
        for (int c = 0; c < GroupInputs; c++)
            for (int iy = 0; iy < Height; iy++)
                AddRow(ref Unsafe.Add(ref padded, c * plane + (iy + PaddingHeight) * pitch + PaddingWidth), ref Unsafe.Add(ref target, (c * Height + iy) * Width), Width);
    }

    /// <summary>Col2Im for a column stride of 1: each vector of a padded input row is the sum, over the taps that read
    /// it, of the matching output row of the tap's column-matrix row shifted right by the tap's column (its lanes outside
    /// the output row masked off), summed in a register and stored once. Adding each tap in place instead would stall on
    /// the store of the tap before: their rows overlap one float apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GatherColumns<V>(ref float columns, int columnStride, int rowStart, int rowEnd, ref float padded)
        where V : struct, IFloatVector<V>
    {
        int pitch = PaddedWidth, kh = KernelHeight, kw = KernelWidth, outWidth = OutWidth, outHeight = OutHeight;
        int strideHeight = StrideHeight, dilationHeight = DilationHeight, dilationWidth = DilationWidth;
        ref float row = ref padded;
        for (int c = 0; c < GroupInputs; c++)
            for (int py = 0; py < PaddedHeight; py++, row = ref Unsafe.Add(ref row, pitch))
                // The last vector may run past the row: its lanes there are masked to 0 (no tap reaches them) and the
                // next row, or the slack, is written after it.
                for (int x0 = 0; x0 < pitch; x0 += V.Count)
                {
                    V sum = V.Zero;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int t = py - ky * dilationHeight, oy = t / strideHeight;
                        if (t < 0 || oy * strideHeight != t || oy >= outHeight) continue;
                        int r0 = (c * kh + ky) * kw - rowStart;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            if (r0 + kx < 0 || r0 + kx >= rowEnd - rowStart) continue;
                            int shift = kx * dilationWidth - x0;   // lane l holds output column l - shift
                            V lanes = V.Within(shift, shift + outWidth);
                            ref float from = ref Unsafe.Add(ref columns, (nint)(r0 + kx) * columnStride + oy * outWidth - shift);
                            sum = V.Add(sum, V.Select(lanes, V.Load(ref from, 0), V.Zero));
                        }
                    }
                    V.Store(sum, ref row, x0);
                }
    }

    /// <summary>Col2Im for a column stride above 1: each element added into its place in <paramref name="padded"/>.</summary>
    private void ScatterColumns(ref float columns, int columnStride, int rowStart, int rowEnd, ref float padded)
    {
        int pitch = PaddedWidth, plane = PaddedHeight * pitch, taps = KernelHeight * KernelWidth, outWidth = OutWidth;
        MemoryMarshal.CreateSpan(ref padded, PaddedGroupFloats).Clear();
        for (int r = rowStart; r < rowEnd; r++)
        {
            int c = r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float line = ref Unsafe.Add(ref padded, c * plane + ky * DilationHeight * pitch + kx * DilationWidth);
            ref float input = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            for (int oy = 0; oy < OutHeight; oy++, line = ref Unsafe.Add(ref line, StrideHeight * pitch), input = ref Unsafe.Add(ref input, outWidth))
                for (int ox = 0; ox < outWidth; ox++) Unsafe.Add(ref line, ox * StrideWidth) += Unsafe.Add(ref input, ox);
        }
    }

    /// <summary>Copies a group's channels [GroupInputs, H, W] into the middle of <paramref name="padded"/>
    /// [GroupInputs, PaddedHeight, PaddedWidth] and zeros the border (only the border: the middle is overwritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: no tier-0 or OSR code (jit-check)
    private void Pad(ref float source, ref float padded)
    {
        int pitch = PaddedWidth, plane = PaddedHeight * pitch, band = PaddingHeight * pitch;
        for (int c = 0; c < GroupInputs; c++)
        {
            ref float channel = ref Unsafe.Add(ref padded, c * plane);
            Clear(ref channel, band);   // the top rows
            for (int iy = 0; iy < Height; iy++)
            {
                ref float row = ref Unsafe.Add(ref channel, band + iy * pitch);
                Clear(ref row, PaddingWidth);
                CopyRow(ref Unsafe.Add(ref source, (c * Height + iy) * Width), ref Unsafe.Add(ref row, PaddingWidth), Width);
                Clear(ref Unsafe.Add(ref row, PaddingWidth + Width), PaddingWidth);
            }
            Clear(ref Unsafe.Add(ref channel, plane - band), band);   // the bottom rows
        }
    }

    /// <summary>Copies <paramref name="count"/> floats in whole vectors: up to a vector less one more are read and written
    /// past the end (the callers leave room for them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyWhole(ref float from, ref float to, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            do { Vector512.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i); i += 16; } while (i < count);
        else if (Vector256.IsHardwareAccelerated)
            do { Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i); i += 8; } while (i < count);
        else
            for (; i < count; i++) Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
    }

    /// <summary>Copies <paramref name="count"/> floats with whole vectors, the last one overlapping the one before (an
    /// image row is a few dozen floats: a span copy's call would cost more than the copy).</summary>
    private static void CopyRow(ref float from, ref float to, int count)
    {
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            int i = 0;
            for (; i <= count - 16; i += 16) Vector512.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
            if (i < count) Vector512.LoadUnsafe(ref from, (nuint)(count - 16)).StoreUnsafe(ref to, (nuint)(count - 16));
        }
        else if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            int i = 0;
            for (; i <= count - 8; i += 8) Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
            if (i < count) Vector256.LoadUnsafe(ref from, (nuint)(count - 8)).StoreUnsafe(ref to, (nuint)(count - 8));
        }
        else
            for (int i = 0; i < count; i++) Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
    }

    /// <summary>to[i] += from[i] for i &lt; count: whole vectors, then the rest one by one.</summary>
    private static void AddRow(ref float from, ref float to, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= count - 16; i += 16)
                (Vector512.LoadUnsafe(ref to, (nuint)i) + Vector512.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= count - 8; i += 8)
                (Vector256.LoadUnsafe(ref to, (nuint)i) + Vector256.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        for (; i < count; i++) Unsafe.Add(ref to, i) += Unsafe.Add(ref from, i);
    }

    /// <summary>Zeros <paramref name="count"/> floats (a margin of one or two is written directly: no span call).</summary>
    private static void Clear(ref float start, int count)
    {
        if (count > 8) { MemoryMarshal.CreateSpan(ref start, count).Clear(); return; }
        for (int i = 0; i < count; i++) Unsafe.Add(ref start, i) = 0f;
    }
}
