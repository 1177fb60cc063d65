using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>The product of one row with a weight matrix, y = W x (+ b) with W [n, k] row-major (PyTorch's layout), as a
/// decoder step runs its dense layers (one position, batch 1). Every output is a dot product of a weight row with x; a
/// dot product ends in a horizontal sum, which costs more than the multiply-adds of a short row (k = 64: 4 FMAs, then
/// 4 shuffles and 4 adds). Here a register's worth of outputs (16 with Vector512, 8 with Vector256) accumulate side by
/// side, each in its own register, and one transpose-and-add tree reduces them all into one register of outputs (15
/// shuffle pairs for 16 outputs instead of 64), stored with the bias added in one go. The portable path is the plain
/// dot product. Allocates nothing.</summary>
public static class RowGemv
{
    /// <summary>y[o] = sum_i w[o k + i] x[i] (+ bias[o]) for o &lt; n. A product of <see cref="SplitMultiplyAdds"/> or more
    /// is split over the outputs across <see cref="WorkerPool"/>; every output is computed as on one thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(ref float w, ref float x, ref float bias, bool hasBias, ref float y, int n, int k)
    {
        int parts = (long)n * k < SplitMultiplyAdds ? 1 : System.Math.Min(WorkerPool.Threads, n / 16);
        if (parts <= 1 || !WorkerPool.TryAcquire()) { ForwardRange(ref w, ref x, ref bias, hasBias, ref y, n, k); return; }
        fixed (float* pw = &w, px = &x, pb = &bias, py = &y)
        {
            var work = Job;
            work.W = pw; work.X = px; work.Bias = pb; work.Y = py;
            (work.N, work.K, work.HasBias, work.Parts) = (n, k, hasBias, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    /// <summary>Multiply-adds from which a row product splits across the cores: 64K, a quarter of TileGemm's limit. A
    /// decoder step's weights are the same at every step and reading them is the cost (T5Translator's decoder reads 3.8
    /// MB per token, beyond L2, so from L3), and two cores read faster. T5Translator's greedy translation on two threads,
    /// five alternating runs each: 1,905-2,145 us unsplit, 1,669-2,266 from 256K multiply-adds (only the 2,048 x 128
    /// output layer), 1,607-1,875 from 64K (the 512 x 128 and 128 x 512 feed-forward products too), 1,765-2,158 from 16K
    /// (the 128 x 128 projections too: their hand-off costs what they save).</summary>
    public const long SplitMultiplyAdds = 1 << 16;

    // One work object for the process, filled only while the pool is claimed; allocated here, not on a first call.
    private static readonly Work Job = new();

    private sealed unsafe class Work : IPartedWork
    {
        public float* W, X, Bias, Y;
        public int N, K, Parts;
        public bool HasBias;
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(N, 16, part, Parts);
            ForwardRange(ref W[(nint)start * K], ref *X, ref Bias[start], HasBias, ref Y[start], end - start, K);
        }
    }

    /// <summary>The outputs o &lt; n of <see cref="Forward"/> on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardRange(ref float w, ref float x, ref float bias, bool hasBias, ref float y, int n, int k)
    {
        int o = 0;
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
            for (; o + 16 <= n; o += 16)
            {
                var r = Block16(ref Unsafe.Add(ref w, o * k), ref x, k);
                if (hasBias) r += Vector512.LoadUnsafe(ref bias, (nuint)o);
                r.StoreUnsafe(ref y, (nuint)o);
            }
        else if (Avx.IsSupported && Vector256.IsHardwareAccelerated)
            for (; o + 8 <= n; o += 8)
            {
                var r = Block8(ref Unsafe.Add(ref w, o * k), ref x, k);
                if (hasBias) r += Vector256.LoadUnsafe(ref bias, (nuint)o);
                r.StoreUnsafe(ref y, (nuint)o);
            }
        for (; o < n; o++)
            Unsafe.Add(ref y, o) = Dot(ref Unsafe.Add(ref w, o * k), ref x, k) + (hasBias ? Unsafe.Add(ref bias, o) : 0f);
    }

    /// <summary>The 16 dot products of rows 0..15 of <paramref name="w"/> (k apart) with x, as one register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block16(ref float w, ref float x, int k)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        int i = 0;
        // Four registers of x at a time, row after row: the block's weights are read in memory order (16 short runs of
        // 256 bytes), which the cache streams about 1.2x faster than 16 rows side by side (the loop below). Each lane
        // still sums the registers of its row in order: the same rounding as that loop alone.
        for (; i + 64 <= k; i += 64)
        {
            var x0 = Vector512.LoadUnsafe(ref x, (nuint)i);
            var x1 = Vector512.LoadUnsafe(ref x, (nuint)(i + 16));
            var x2 = Vector512.LoadUnsafe(ref x, (nuint)(i + 32));
            var x3 = Vector512.LoadUnsafe(ref x, (nuint)(i + 48));
            ref float r = ref Unsafe.Add(ref w, i);
            a0 = Row4(ref r, 0, x0, x1, x2, x3, a0); a1 = Row4(ref r, k, x0, x1, x2, x3, a1);
            a2 = Row4(ref r, 2 * k, x0, x1, x2, x3, a2); a3 = Row4(ref r, 3 * k, x0, x1, x2, x3, a3);
            a4 = Row4(ref r, 4 * k, x0, x1, x2, x3, a4); a5 = Row4(ref r, 5 * k, x0, x1, x2, x3, a5);
            a6 = Row4(ref r, 6 * k, x0, x1, x2, x3, a6); a7 = Row4(ref r, 7 * k, x0, x1, x2, x3, a7);
            a8 = Row4(ref r, 8 * k, x0, x1, x2, x3, a8); a9 = Row4(ref r, 9 * k, x0, x1, x2, x3, a9);
            a10 = Row4(ref r, 10 * k, x0, x1, x2, x3, a10); a11 = Row4(ref r, 11 * k, x0, x1, x2, x3, a11);
            a12 = Row4(ref r, 12 * k, x0, x1, x2, x3, a12); a13 = Row4(ref r, 13 * k, x0, x1, x2, x3, a13);
            a14 = Row4(ref r, 14 * k, x0, x1, x2, x3, a14); a15 = Row4(ref r, 15 * k, x0, x1, x2, x3, a15);
        }
        for (; i + 16 <= k; i += 16)
        {
            var v = Vector512.LoadUnsafe(ref x, (nuint)i);
            ref float r = ref Unsafe.Add(ref w, i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 0), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)k), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(2 * k)), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(3 * k)), v, a3);
            a4 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(4 * k)), v, a4);
            a5 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(5 * k)), v, a5);
            a6 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(6 * k)), v, a6);
            a7 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(7 * k)), v, a7);
            a8 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(8 * k)), v, a8);
            a9 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(9 * k)), v, a9);
            a10 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(10 * k)), v, a10);
            a11 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(11 * k)), v, a11);
            a12 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(12 * k)), v, a12);
            a13 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(13 * k)), v, a13);
            a14 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(14 * k)), v, a14);
            a15 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, (nuint)(15 * k)), v, a15);
        }
        // Pairs, then quadruples, then halves of 128-bit lanes: lane j ends up holding row j's sum.
        var s = Quarter(Pair(a0, a1), Pair(a2, a3)); var t = Quarter(Pair(a4, a5), Pair(a6, a7));
        var u = Quarter(Pair(a8, a9), Pair(a10, a11)); var z = Quarter(Pair(a12, a13), Pair(a14, a15));
        var sums = Half(Half(s, t), Half(u, z));   // [rows 0-3 | 4-7 | 8-11 | 12-15]
        if (i < k)
        {
            Unsafe.SkipInit(out Vector512<float> tail);
            for (int j = 0; j < 16; j++) tail = tail.WithElement(j, Tail(ref Unsafe.Add(ref w, j * k), ref x, i, k));
            sums += tail;
        }
        return sums;

        // a + w[row ..] . (x0, x1, x2, x3), lane by lane, one register after the other.
        static Vector512<float> Row4(ref float w, int row, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, Vector512<float> a)
        {
            ref float r = ref Unsafe.Add(ref w, row);
            a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 0), x0, a);
            a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 16), x1, a);
            a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 32), x2, a);
            return Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 48), x3, a);
        }
        // Per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3].
        static Vector512<float> Pair(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a, b) + Avx512F.UnpackHigh(a, b);
        // Per 128-bit lane: [a, b, c, d] (each the lane's partial sum).
        static Vector512<float> Quarter(Vector512<float> ab, Vector512<float> cd) =>
            Avx512F.UnpackLow(ab.AsDouble(), cd.AsDouble()).AsSingle() + Avx512F.UnpackHigh(ab.AsDouble(), cd.AsDouble()).AsSingle();   // moved as doubles, added as floats
        // Lanes 0+1 and 2+3 of p, then of q: [p01, p23, q01, q23].
        static Vector512<float> Half(Vector512<float> p, Vector512<float> q) =>
            Avx512F.Shuffle4x128(p, q, 0b10_00_10_00) + Avx512F.Shuffle4x128(p, q, 0b11_01_11_01);
    }

    /// <summary>The 8 dot products of rows 0..7 of <paramref name="w"/> with x, as one register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block8(ref float w, ref float x, int k)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        int i = 0;
        for (; i + 32 <= k; i += 32)   // in memory order, as Block16 does
        {
            var x0 = Vector256.LoadUnsafe(ref x, (nuint)i);
            var x1 = Vector256.LoadUnsafe(ref x, (nuint)(i + 8));
            var x2 = Vector256.LoadUnsafe(ref x, (nuint)(i + 16));
            var x3 = Vector256.LoadUnsafe(ref x, (nuint)(i + 24));
            ref float r = ref Unsafe.Add(ref w, i);
            a0 = Row4(ref r, 0, x0, x1, x2, x3, a0); a1 = Row4(ref r, k, x0, x1, x2, x3, a1);
            a2 = Row4(ref r, 2 * k, x0, x1, x2, x3, a2); a3 = Row4(ref r, 3 * k, x0, x1, x2, x3, a3);
            a4 = Row4(ref r, 4 * k, x0, x1, x2, x3, a4); a5 = Row4(ref r, 5 * k, x0, x1, x2, x3, a5);
            a6 = Row4(ref r, 6 * k, x0, x1, x2, x3, a6); a7 = Row4(ref r, 7 * k, x0, x1, x2, x3, a7);
        }
        for (; i + 8 <= k; i += 8)
        {
            var v = Vector256.LoadUnsafe(ref x, (nuint)i);
            ref float r = ref Unsafe.Add(ref w, i);
            a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, 0), v, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)k), v, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(2 * k)), v, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(3 * k)), v, a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(4 * k)), v, a4);
            a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(5 * k)), v, a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(6 * k)), v, a6);
            a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)(7 * k)), v, a7);
        }
        var s = Quarter(Pair(a0, a1), Pair(a2, a3));   // per 128-bit lane: rows 0-3
        var t = Quarter(Pair(a4, a5), Pair(a6, a7));   // rows 4-7
        var sums = Avx.Permute2x128(s, t, 0x20) + Avx.Permute2x128(s, t, 0x31);
        if (i < k)
        {
            Unsafe.SkipInit(out Vector256<float> tail);
            for (int j = 0; j < 8; j++) tail = tail.WithElement(j, Tail(ref Unsafe.Add(ref w, j * k), ref x, i, k));
            sums += tail;
        }
        return sums;

        static Vector256<float> Row4(ref float w, int row, Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3, Vector256<float> a)
        {
            ref float r = ref Unsafe.Add(ref w, row);
            a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, 0), x0, a);
            a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, 8), x1, a);
            a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, 16), x2, a);
            return Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, 24), x3, a);
        }
        static Vector256<float> Pair(Vector256<float> a, Vector256<float> b) => Avx.UnpackLow(a, b) + Avx.UnpackHigh(a, b);
        static Vector256<float> Quarter(Vector256<float> ab, Vector256<float> cd) =>
            Avx.UnpackLow(ab.AsDouble(), cd.AsDouble()).AsSingle() + Avx.UnpackHigh(ab.AsDouble(), cd.AsDouble()).AsSingle();
    }

    /// <summary>One output left over after the register blocks (and every output on the portable path): a register of
    /// partial sums, then its horizontal sum and the one-lane tail (the scalar chain alone took 0.5 us for k = 512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float a, ref float b, int k)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= k; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= k; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            sum = Vector256.Sum(acc);
        }
        return sum + Tail(ref a, ref b, i, k);
    }

    /// <summary>sum_i a[i] b[i] for i from <paramref name="start"/> to k, one lane at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(ref float a, ref float b, int start, int k)
    {
        float sum = 0f;
        for (int i = start; i < k; i++) sum = System.MathF.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), sum);
        return sum;
    }
}
