using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>Max pooling of one sample [C, H, W] without padding, called by generated code with the layer's constant
/// sizes. A window's largest element depends on the data, so a scalar loop mispredicts a branch on about every other
/// element; here every window start of an input row is a lane, the k x k taps are compared and selected without
/// branches (the first largest in row-major order wins, a NaN beats every number and the first NaN stays, as in
/// PyTorch), and the output takes every stride-th window. The winner's sample-relative index is saved as a float
/// (exact below 2^24) for backward, which adds each output's gradient there.</summary>
public static class MaxPooling
{
    /// <summary>y[c, oy, ox] = the largest x[c, oy stride + i, ox stride + j] over i, j &lt; kernel; with
    /// <paramref name="saveIndex"/>, its index into x in <paramref name="index"/> at the same place as y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float x, int channels, int height, int width, int kernel, int stride, ref float y, int outHeight, int outWidth,
        ref float index, bool saveIndex)
    {
        int starts = (outWidth - 1) * stride + 1;   // window starts of an input row that some output uses
        if (stride == 2 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported) Stride2Rows(ref x, channels, height, width, kernel, ref y, outHeight, outWidth, ref index, saveIndex);
        else if (Vector512.IsHardwareAccelerated && starts >= 16) Rows<Float512>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
        else if (Vector256.IsHardwareAccelerated && starts >= 8) Rows<Float256>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
        else Rows<Float1>(ref x, channels, height, width, kernel, stride, ref y, outHeight, outWidth, ref index, saveIndex);
    }

    /// <summary>Stride 2 (the common 2x2 pool) with AVX-512: a lane per output window, 16 windows of an output row at a
    /// time. Each tap's 32 input floats are loaded (masked to the row) and its even or odd elements picked with one
    /// two-register permute, so no window start is computed that no output uses, and the outputs are stored masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Stride2Rows(ref float x, int channels, int height, int width, int kernel, ref float y, int outHeight, int outWidth,
        ref float index, bool saveIndex)
    {
        var lane = Vector512<int>.Indices;
        Vector512<int> evens = lane * 2, odds = evens + Vector512<int>.One;
        var step = Vector512.ConvertToSingle(evens);   // a window's index moves by 2 per lane
        fixed (float* input = &x, output = &y, saved = &index)
            for (int c = 0, o = 0; c < channels; c++)
                for (int oy = 0; oy < outHeight; oy++, o += outWidth)
                {
                    int top = (c * height + oy * 2) * width;
                    for (int ox0 = 0; ox0 < outWidth; ox0 += 16)
                    {
                        int n = Math.Min(16, outWidth - ox0);
                        var outputs = Vector512.LessThan(lane, Vector512.Create(n)).AsSingle();
                        // Tap (i, j) of lane l reads element 2 l + (j & 1) of the pair of registers at column 2 ox0 + (j & ~1).
                        var low = Vector512.LessThan(lane, Vector512.Create(2 * n)).AsSingle();
                        var high = Vector512.LessThan(lane, Vector512.Create(2 * n - 16)).AsSingle();
                        Vector512<float> best = default, at = default;
                        for (int i = 0; i < kernel; i++)
                            for (int j = 0; j < kernel; j++)
                            {
                                int tap = top + i * width + 2 * ox0 + j;
                                float* pair = input + top + i * width + 2 * ox0 + (j & ~1);
                                var candidate = Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(pair, low, Vector512<float>.Zero),
                                    (j & 1) == 0 ? evens : odds, Avx512F.MaskLoad(pair + 16, high, Vector512<float>.Zero));
                                var where = Vector512.Create((float)tap) + step;
                                if (i == 0 && j == 0) { best = candidate; at = where; continue; }
                                // The rule of Rows: larger, or NaN where the best so far is not (the first largest wins).
                                var replaces = Vector512.GreaterThan(candidate, best)
                                    | Vector512.AndNot(Vector512.Equals(best, best), Vector512.Equals(candidate, candidate));
                                best = Vector512.ConditionalSelect(replaces, candidate, best);
                                at = Vector512.ConditionalSelect(replaces, where, at);
                            }
                        Avx512F.MaskStore(output + o + ox0, outputs, best);
                        if (saveIndex) Avx512F.MaskStore(saved + o + ox0, outputs, at);
                    }
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<V>(ref float x, int channels, int height, int width, int kernel, int stride, ref float y, int outHeight, int outWidth,
        ref float index, bool saveIndex) where V : struct, IFloatVector<V>
    {
        int starts = (outWidth - 1) * stride + 1;
        ref float largest = ref KernelScratch.Get(ScratchUse.PoolingWindows, 2 * starts);
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
