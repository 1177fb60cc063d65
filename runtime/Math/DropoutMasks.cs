using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Dropout's masks, drawn by a counter-based generator: whether element e of a tensor is kept is a hash of the
/// step's key, the op and e's place in the batch (sample * size + e), so nothing is stored between forward and backward
/// (backward draws the same mask again), a step replays exactly, and the compiled and interpreted paths, which both call
/// these methods, drop the same elements in every ISA mode (integer math only). An element is kept when its 32-bit
/// hash is at least <c>p * 2^32</c>, and scaled by <c>1 / (1 - p)</c> as in PyTorch.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutMasks
{
    /// <summary>The key of one training step: a 64-bit mix of the seed and the step number.</summary>
    public static ulong StepKey(int seed, long step) => Mix64(((ulong)(uint)seed << 32 | 0x5bd1e995UL) ^ Mix64((ulong)step));

    /// <summary>The key of dropout op number <paramref name="op"/> (in definition order) within a step.</summary>
    public static ulong OpKey(ulong stepKey, int op) => Mix64(stepKey + 0x9E3779B97F4A7C15UL * (ulong)(op + 1));

    /// <summary>The smallest hash that keeps an element: <c>p * 2^32</c>, rounded.</summary>
    public static uint Threshold(float p) => p <= 0f ? 0u : (uint)Math.Min(Math.Round(p * 4294967296.0), uint.MaxValue);

    /// <summary>What a kept element is multiplied by: <c>1 / (1 - p)</c> in float, as PyTorch computes it.</summary>
    public static float Scale(float p) => 1f / (1f - p);

    /// <summary><c>y[i] = keep(first + i) ? x[i] * scale : 0</c> for <paramref name="n"/> elements.</summary>
    public static void Forward(ref float x, ref float y, int n, ulong opKey, uint first, float p) =>
        Apply(ref x, ref y, n, opKey, first, p, accumulate: false);

    /// <summary><c>dx[i] += keep(first + i) ? dy[i] * scale : 0</c>: the gradient, with the forward pass's mask.</summary>
    public static void Backward(ref float dy, ref float dx, int n, ulong opKey, uint first, float p) =>
        Apply(ref dy, ref dx, n, opKey, first, p, accumulate: true);

    /// <summary>Whether element <paramref name="counter"/> is kept under <paramref name="opKey"/>.</summary>
    public static bool Keeps(ulong opKey, uint counter, float p) => CounterHash.Of(counter, (uint)opKey, (uint)(opKey >> 32)) >= Threshold(p);

    private static void Apply(ref float from, ref float to, int n, ulong opKey, uint first, float p, bool accumulate)
    {
        uint k0 = (uint)opKey, k1 = (uint)(opKey >> 32), threshold = Threshold(p);
        float scale = Scale(p);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lane = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; i <= n - 16; i += 16)
            {
                var keep = Vector512.GreaterThanOrEqual(CounterHash.Of(Vector512.Create(first + (uint)i) + lane, k0, k1), Vector512.Create(threshold)).AsSingle();
                var kept = Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref from, (nuint)i) * scale, Vector512<float>.Zero);
                (accumulate ? Vector512.LoadUnsafe(ref to, (nuint)i) + kept : kept).StoreUnsafe(ref to, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var lane = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
            for (; i <= n - 8; i += 8)
            {
                var keep = Vector256.GreaterThanOrEqual(CounterHash.Of(Vector256.Create(first + (uint)i) + lane, k0, k1), Vector256.Create(threshold)).AsSingle();
                var kept = Vector256.ConditionalSelect(keep, Vector256.LoadUnsafe(ref from, (nuint)i) * scale, Vector256<float>.Zero);
                (accumulate ? Vector256.LoadUnsafe(ref to, (nuint)i) + kept : kept).StoreUnsafe(ref to, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float kept = CounterHash.Of(first + (uint)i, k0, k1) >= threshold ? Unsafe.Add(ref from, i) * scale : 0f;
            Unsafe.Add(ref to, i) = accumulate ? Unsafe.Add(ref to, i) + kept : kept;
        }
    }

    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
