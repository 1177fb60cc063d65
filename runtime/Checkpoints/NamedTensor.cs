using System;

namespace NetCompiler;

/// <summary>One float32 tensor to write to a safetensors file.</summary>
/// <param name="Name">Its name in the file, e.g. <c>hidden.weight</c>; unique within the file and not <c>__metadata__</c>.</param>
/// <param name="Shape">Its shape, outermost first; empty for a scalar. Dimensions may be zero.</param>
/// <param name="Data">Its values in row-major order: exactly the product of <paramref name="Shape"/> elements.</param>
public readonly record struct NamedTensor(string Name, int[] Shape, ReadOnlyMemory<float> Data);
