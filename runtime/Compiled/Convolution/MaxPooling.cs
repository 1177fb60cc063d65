using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Max pooling of one sample [C, H, W] without padding, called by generated code with the layer's constant
/// sizes. A window's largest element depends on the data, so a scalar loop mispredicts a branch on about every other
/// element; here every window start of an input row is a lane, the k x k taps are compared and selected without
/// branches (the first largest in row-major order wins, a NaN beats every number and the first NaN stays, as in
/// PyTorch), and the output takes every stride-th window. The winner's sample-relative index is saved as a float
/// (exact below 2^24) for backward, which adds each output's gradient there.</summary>
public static class MaxPooling
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>y[c, oy, ox] = the largest x[c, oy stride + i, ox stride + j] over i, j &lt; kernel; with
    /// <paramref name="saveIndex"/>, its index into x in <paramref name="index"/> at the same place as y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float x, int channels, int height, int width, int kernel, int stride, ref float y, int outHeight, int outWidth,
        ref float index, bool saveIndex)
    {
        int starts = (outWidth - 1) * stride + 1;   // window starts of an input row that some output uses
        if (Vector512.IsHardwareAccelerated && starts >= 16) Rows<Float512>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
        else if (Vector256.IsHardwareAccelerated && starts >= 8) Rows<Float256>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
        else Rows<Float1>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<V>(ref float x, int channels, int height, int width, int kernel, int stride, ref float y, int outHeight, int outWidth,
        ref float index, bool saveIndex) where V : struct, IFloatVector<V>
    {
        int starts = (outWidth - 1) * stride + 1;
        var scratch = t_scratch;
        if (scratch is null || scratch.Length < 2 * starts) t_scratch = scratch = new float[2 * starts];
        ref float largest = ref MemoryMarshal.GetArrayDataReference(scratch);
        ref float winner = ref Unsafe.Add(ref largest, starts);
        for (int c = 0, o = 0; c < channels; c++)
            for (int oy = 0; oy < outHeight; oy++, o += outWidth)
            {
                int top = (c * height + oy * stride) * width;   // the window's first input row
                for (int block = 0; ; block += V.Count)
                {
                    int ix = Math.Min(block, starts - V.Count);   // the last block overlaps the one before
                    var best = V.Load(ref x, top + ix);
                    var at = V.Ramp(top + ix);
                    for (int i = 0; i < kernel; i++)
                        for (int j = i == 0 ? 1 : 0; j < kernel; j++)
                        {
                            int tap = top + i * width + ix + j;
                            var candidate = V.Load(ref x, tap);
                            var replaces = V.Replaces(best, candidate);
                            best = V.Select(replaces, candidate, best);
                            at = V.Select(replaces, V.Ramp(tap), at);
                        }
                    V.Store(best, ref largest, ix);
                    V.Store(at, ref winner, ix);
                    if (ix + V.Count >= starts) break;
                }
                for (int ox = 0; ox < outWidth; ox++)
                {
                    Unsafe.Add(ref y, o + ox) = Unsafe.Add(ref largest, ox * stride);
                    if (saveIndex) Unsafe.Add(ref index, o + ox) = Unsafe.Add(ref winner, ox * stride);
                }
            }
    }
}
