using System;
using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>bfloat16, the top 16 bits of a float32 (sign, the same 8 exponent bits, 7 mantissa bits), kept as
/// <see cref="ushort"/>: what <see cref="StatePrecision.BFloat16"/> optimizer state is stored in. Widening is exact;
/// narrowing rounds, to nearest even (<see cref="RoundToNearest"/>) or stochastically (<see cref="RoundStochastic"/>).
/// The register forms are <see cref="IFloatVector{TSelf}.LoadBFloat16"/> and
/// <see cref="IFloatVector{TSelf}.StoreBFloat16"/>, and compute the same bits.</summary>
internal static class BFloat16
{
    /// <summary>The float <paramref name="bits"/> stands for, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The nearest bfloat16 to <paramref name="value"/>, ties to even (as PyTorch's <c>.to(torch.bfloat16)</c>);
    /// a NaN stays a NaN.</summary>
    public static ushort RoundToNearest(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);   // quiet, whatever the payload's low bits
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary><paramref name="value"/> rounded to one of its two neighbouring bfloat16 values, away from zero with
    /// probability (dropped bits) / 2^16 when the low 16 bits of <paramref name="noise"/> are uniform: the 16 dropped
    /// bits are added to the noise and the carry decides. So the expected result is <paramref name="value"/> itself,
    /// which a running average needs: Adam's <c>v = 0.999 v + 0.001 g^2</c> moves v by less than half a bfloat16 step,
    /// so rounding to nearest would leave it where it is forever. Infinities stay; a quiet NaN (what arithmetic makes)
    /// stays a NaN; the largest floats can round up to infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort RoundStochastic(float value, uint noise) =>
        (ushort)((BitConverter.SingleToUInt32Bits(value) + (noise & 0xFFFFu)) >> 16);
}
