using System;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Seeded random test inputs for the kernel tests.</summary>
internal static class RandomArrays
{
    /// <summary><paramref name="length"/> floats uniform in [-1, 1), the same for the same seed.</summary>
    public static float[] Uniform(int length, int seed)
    {
        var rng = new Random(seed);
        var v = new float[length];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }
}
