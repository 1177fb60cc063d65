using System;
using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>Flush to zero in software, for state that decays geometrically. .NET cannot set the x86 FTZ/DAZ bits, and
/// on Intel cores every vector instruction that reads or writes a subnormal float takes a microcode assist: an Adam
/// update over 670k subnormal first moments measured 15x slower than over normal ones (6.1 ms against 0.40 ms). A
/// moment whose gradient has gone to 0 (a dead unit) decays by beta each step and would otherwise spend hundreds of
/// steps in the subnormal range. The optimizers zero a value below a floor chosen so that the products it enters next
/// stay normal (<see cref="FloorFor"/>), or below the size at which it stops changing the update; the floors are
/// derived in each optimizer.</summary>
internal static class FlushToZero
{
    /// <summary>The smallest normal float, 2^-126 (C's FLT_MIN).</summary>
    public const float SmallestNormal = 1.17549435e-38f;

    /// <summary>The smallest magnitude whose products with every positive factor in <paramref name="factors"/> are
    /// normal: <see cref="SmallestNormal"/> over the smallest positive factor (zero factors never make a subnormal).
    /// Factors below 2^-24 count as 2^-24: a floor above 2^-102 would zero values that still matter.</summary>
    public static float FloorFor(params ReadOnlySpan<float> factors)
    {
        float smallest = 1f;
        foreach (float f in factors)
            if (f > 0f) smallest = MathF.Min(smallest, MathF.Max(f, 1f / (1 << 24)));
        return SmallestNormal / smallest;
    }

    /// <summary><paramref name="x"/>, with the lanes whose magnitude is below <paramref name="floor"/> set to +0
    /// (NaN lanes are kept: they compare false), at any register width (<see cref="IFloatVector{TSelf}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Below<V>(V x, V floor) where V : struct, IFloatVector<V> => V.ZeroBelow(x, floor);
}
