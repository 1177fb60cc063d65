using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>Floats of one group's channels with their padding: the scratch <see cref="Im2Col"/> and
    /// <see cref="Col2ImAdd"/> need when there is padding.</summary>
    public int PaddedGroupFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => GroupInputs * PaddedHeight * PaddedWidth;
    }

    private bool HasPadding => PaddingHeight > 0 || PaddingWidth > 0;

    /// <summary>Writes rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of group <paramref name="group"/>'s
    /// column matrix of one sample <paramref name="x"/> [C, H, W] at <paramref name="columns"/> (row r - rowStart at
    /// offset (r - rowStart) * <paramref name="columnStride"/>): element (r, p) is the input under kernel tap r at output
    /// position p, 0 in the padding. Only the <see cref="Positions"/> columns of each row are written. With padding, the
    /// group's channels are first copied into <paramref name="padded"/> (<see cref="PaddedGroupFloats"/>) inside a zero
    /// border, so every row of the matrix is whole-row copies without bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: no tier-0 or OSR code (jit-check)
    public void Im2Col(ref float x, int group, int rowStart, int rowEnd, ref float columns, int columnStride, ref float padded)
    {
        ref float source = ref Unsafe.Add(ref x, group * GroupInputs * Height * Width);
        if (HasPadding) { Pad(ref source, ref padded); source = ref padded; }
        int taps = KernelHeight * KernelWidth, pitch = PaddedWidth, plane = PaddedHeight * pitch;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int c = r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float from = ref Unsafe.Add(ref source, c * plane + ky * DilationHeight * pitch + kx * DilationWidth);
            ref float to = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            for (int oy = 0; oy < OutHeight; oy++)
            {
                ref float line = ref Unsafe.Add(ref from, oy * StrideHeight * pitch);
                ref float output = ref Unsafe.Add(ref to, oy * OutWidth);
                if (StrideWidth == 1) CopyRow(ref line, ref output, OutWidth);
                else for (int ox = 0; ox < OutWidth; ox++) Unsafe.Add(ref output, ox) = Unsafe.Add(ref line, ox * StrideWidth);
            }
        }
    }

    /// <summary>The inverse of <see cref="Im2Col"/> for gradients: adds every element (r, p) of rows [rowStart, rowEnd)
    /// of group <paramref name="group"/>'s column gradient into the input element it was read from (what falls in the
    /// padding drops). With padding, the rows are added into <paramref name="padded"/> (<see cref="PaddedGroupFloats"/>)
    /// and its interior into dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: no tier-0 or OSR code (jit-check)
    public void Col2ImAdd(ref float columns, int columnStride, int group, int rowStart, int rowEnd, ref float dx, ref float padded)
    {
        ref float target = ref Unsafe.Add(ref dx, group * GroupInputs * Height * Width);
        ref float sum = ref HasPadding ? ref padded : ref target;
        if (HasPadding) MemoryMarshal.CreateSpan(ref padded, PaddedGroupFloats).Clear();
        int taps = KernelHeight * KernelWidth, pitch = PaddedWidth, plane = PaddedHeight * pitch;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int c = r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float to = ref Unsafe.Add(ref sum, c * plane + ky * DilationHeight * pitch + kx * DilationWidth);
            ref float from = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            for (int oy = 0; oy < OutHeight; oy++)
            {
                ref float line = ref Unsafe.Add(ref to, oy * StrideHeight * pitch);
                ref float input = ref Unsafe.Add(ref from, oy * OutWidth);
                if (StrideWidth == 1) AddRow(ref input, ref line, OutWidth);
                else for (int ox = 0; ox < OutWidth; ox++) Unsafe.Add(ref line, ox * StrideWidth) += Unsafe.Add(ref input, ox);
            }
        }
        if (!HasPadding) return;
        for (int c = 0; c < GroupInputs; c++)
            for (int iy = 0; iy < Height; iy++)
                AddRow(ref Unsafe.Add(ref padded, c * plane + (iy + PaddingHeight) * pitch + PaddingWidth), ref Unsafe.Add(ref target, (c * Height + iy) * Width), Width);
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
