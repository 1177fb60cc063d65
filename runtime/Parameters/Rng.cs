using System;

namespace NetCompiler;

/// <summary>A small seeded random generator (xoshiro128** seeded through SplitMix64): the same seed gives
/// the same sequence on every machine and runtime, unlike <see cref="Random"/>.</summary>
public sealed class Rng
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public Rng(ulong seed)
    {
        ulong z = seed;
        ulong a = SplitMix(ref z), b = SplitMix(ref z);
        _s0 = (uint)a; _s1 = (uint)(a >> 32); _s2 = (uint)b; _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt()
    {
        uint result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>A uniform float in [0, 1).</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1f / (1 << 24));

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (((ulong)NextUInt() << 21) ^ (NextUInt() >> 11)) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)(((ulong)NextUInt() * (ulong)maxExclusive) >> 32);
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

file static class BitOperations
{
    public static uint RotateLeft(uint value, int offset) => System.Numerics.BitOperations.RotateLeft(value, offset);
}
