using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

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

    /// <summary><see cref="Positions"/> rounded up to a multiple of 16 floats, the row stride of the padded column and
    /// gradient matrices the compiled kernels use, so their loops run whole Vector512 registers.</summary>
    public int PaddedPositions => (Positions + 15) & ~15;

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

    /// <summary>Writes rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of group <paramref name="group"/>'s
    /// column matrix of one sample <paramref name="x"/> [C, H, W] at <paramref name="columns"/> (row r - rowStart at
    /// offset (r - rowStart) * <paramref name="columnStride"/>): element (r, p) is the input under kernel tap r at output
    /// position p, 0 in the padding; positions from <see cref="Positions"/> to the stride are 0 too.</summary>
    public void Im2Col(ref float x, int group, int rowStart, int rowEnd, ref float columns, int columnStride)
    {
        int taps = KernelHeight * KernelWidth, positions = Positions;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int channel = group * GroupInputs + r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float plane = ref Unsafe.Add(ref x, channel * Height * Width);
            ref float row = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            var (first, last) = ValidOutputs(kx * DilationWidth - PaddingWidth, StrideWidth, Width, OutWidth);
            for (int oy = 0; oy < OutHeight; oy++)
            {
                int iy = oy * StrideHeight - PaddingHeight + ky * DilationHeight;
                ref float to = ref Unsafe.Add(ref row, oy * OutWidth);
                if ((uint)iy >= (uint)Height || first > last) { Clear(ref to, OutWidth); continue; }
                ref float from = ref Unsafe.Add(ref plane, iy * Width + kx * DilationWidth - PaddingWidth);
                Clear(ref to, first);
                if (StrideWidth == 1)
                    CopyFloats(ref Unsafe.Add(ref from, first), ref Unsafe.Add(ref to, first), last - first + 1);
                else
                    for (int ox = first; ox <= last; ox++) Unsafe.Add(ref to, ox) = Unsafe.Add(ref from, ox * StrideWidth);
                Clear(ref Unsafe.Add(ref to, last + 1), OutWidth - last - 1);
            }
            Clear(ref Unsafe.Add(ref row, positions), columnStride - positions);
        }
    }

    /// <summary>The inverse of <see cref="Im2Col"/> for gradients: adds every element (r, p) of rows [rowStart, rowEnd)
    /// of group <paramref name="group"/>'s column gradient into the input element it was read from (padding drops).</summary>
    public void Col2ImAdd(ref float columns, int columnStride, int group, int rowStart, int rowEnd, ref float dx)
    {
        int taps = KernelHeight * KernelWidth;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int channel = group * GroupInputs + r / taps, ky = r % taps / KernelWidth, kx = r % KernelWidth;
            ref float plane = ref Unsafe.Add(ref dx, channel * Height * Width);
            ref float row = ref Unsafe.Add(ref columns, (r - rowStart) * columnStride);
            var (first, last) = ValidOutputs(kx * DilationWidth - PaddingWidth, StrideWidth, Width, OutWidth);
            if (first > last) continue;
            for (int oy = 0; oy < OutHeight; oy++)
            {
                int iy = oy * StrideHeight - PaddingHeight + ky * DilationHeight;
                if ((uint)iy >= (uint)Height) continue;
                ref float from = ref Unsafe.Add(ref row, oy * OutWidth);
                ref float to = ref Unsafe.Add(ref plane, iy * Width + kx * DilationWidth - PaddingWidth);
                if (StrideWidth == 1)
                    AddFloats(ref Unsafe.Add(ref from, first), ref Unsafe.Add(ref to, first), last - first + 1);
                else
                    for (int ox = first; ox <= last; ox++) Unsafe.Add(ref to, ox * StrideWidth) += Unsafe.Add(ref from, ox);
            }
        }
    }

    /// <summary>The output columns ox (first..last, empty when first &gt; last) whose input column ox * stride + offset
    /// lies in [0, width).</summary>
    private static (int First, int Last) ValidOutputs(int offset, int stride, int width, int outWidth)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = Math.Min(outWidth - 1, width - 1 - offset < 0 ? -1 : (width - 1 - offset) / stride);
        return (first, last);
    }

    private static void Clear(ref float start, int count)
    {
        if (count > 0) MemoryMarshal.CreateSpan(ref start, count).Clear();
    }

    private static void CopyFloats(ref float from, ref float to, int count) =>
        MemoryMarshal.CreateReadOnlySpan(ref from, count).CopyTo(MemoryMarshal.CreateSpan(ref to, count));

    private static void AddFloats(ref float from, ref float to, int count)
    {
        var target = MemoryMarshal.CreateSpan(ref to, count);
        TensorPrimitives.Add(target, MemoryMarshal.CreateReadOnlySpan(ref from, count), target);
    }
}
