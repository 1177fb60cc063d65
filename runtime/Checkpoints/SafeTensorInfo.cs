using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>What a safetensors header says about one tensor. Only created for entries that passed validation,
/// so the shape, dtype and byte range are consistent with each other and with the file.</summary>
public sealed class SafeTensorInfo
{
    private readonly long[] _shape;

    internal SafeTensorInfo(string name, string dtype, long[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's name (its key in the header).</summary>
    public string Name { get; }

    /// <summary>The element type exactly as written in the file, e.g. <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>.</summary>
    public string DType { get; }

    // Wrapped on first use: a header may list up to SafeTensors.MaxEntries tensors, and most are never asked.
    /// <summary>The shape, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => field ??= Array.AsReadOnly(_shape);

    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>First byte of the tensor's data, relative to the start of the data section (as in the file's <c>data_offsets</c>).</summary>
    public long DataBegin { get; }

    /// <summary>One past the last byte of the tensor's data, relative to the start of the data section.</summary>
    public long DataEnd { get; }

    /// <summary>Size of the tensor's data in bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Whether <see cref="SafeTensorsFile.ReadFloats(string, Span{float})"/> can convert this tensor's dtype
    /// (F32, F16, BF16, F64) to float32.</summary>
    public bool CanReadFloats => SafeTensorDTypes.ConvertsToFloat(DType);

    /// <summary>The shape as text, e.g. <c>[2, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", _shape) + "]";

    /// <summary>Whether the tensor has exactly this shape (same rank and dimensions).</summary>
    public bool HasShape(ReadOnlySpan<int> shape)
    {
        if (shape.Length != _shape.Length) return false;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != _shape[i]) return false;
        return true;
    }

    /// <summary>Name, dtype and shape, e.g. <c>hidden.weight F32 [2, 2]</c>.</summary>
    public override string ToString() => $"{Name} {DType} {ShapeText}";
}
