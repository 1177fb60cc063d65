using System;
using System.Runtime.InteropServices;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Floats as their bit patterns, for bit-exact comparisons (xunit compares int arrays element by element and
/// shows the first difference; NaN payloads and -0 count).</summary>
internal static class FloatBits
{
    public static int[] Of(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
