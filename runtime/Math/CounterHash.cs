using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>A counter-based random generator: 32 bits that are a hash of a counter (an element's index) and a 64-bit
/// key, so a random number needs no state, the same element gets the same bits whichever thread or register width
/// computes it, and a step replays exactly. Two rounds of a 32-bit integer hash with good avalanche (Wellons'
/// lowbias32 constants), keyed between the rounds. Used by dropout's masks and by stochastic rounding of bfloat16
/// optimizer state.</summary>
internal static class CounterHash
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Of(uint counter, uint k0, uint k1) => Round(Round(counter ^ k0) ^ k1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Of(Vector512<uint> counter, uint k0, uint k1) => Round(Round(counter ^ Vector512.Create(k0)) ^ Vector512.Create(k1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Of(Vector256<uint> counter, uint k0, uint k1) => Round(Round(counter ^ Vector256.Create(k0)) ^ Vector256.Create(k1));

    /// <summary>One keyed round (<see cref="Of(uint, uint, uint)"/> has two): half the multiplies, for noise that only
    /// needs to look uniform and change with the key (stochastic rounding), not dropout's independent draws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Light(uint counter, uint key) => Round(counter ^ key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Light(Vector512<uint> counter, uint key) => Round(counter ^ Vector512.Create(key));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Light(Vector256<uint> counter, uint key) => Round(counter ^ Vector256.Create(key));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Round(uint x)
    {
        x ^= x >> 16; x *= 0x21f0aaadu;
        x ^= x >> 15; x *= 0xd35a2d97u;
        return x ^ (x >> 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Round(Vector512<uint> x)
    {
        x ^= x >>> 16; x *= 0x21f0aaadu;
        x ^= x >>> 15; x *= 0xd35a2d97u;
        return x ^ (x >>> 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round(Vector256<uint> x)
    {
        x ^= x >>> 16; x *= 0x21f0aaadu;
        x ^= x >>> 15; x *= 0xd35a2d97u;
        return x ^ (x >>> 15);
    }
}
