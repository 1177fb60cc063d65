using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>Transposes one square block of one register's width: destination[c * dStride + r] = source[r * sStride + c]
/// for r, c &lt; V.Count. With AVX an 8 x 8 block is 8 loads, 24 in-register shuffles and 8 stores, where a scalar
/// loop would need 64 loads and 64 stores; this is what makes packing a tile transposed cheap next to its product.</summary>
internal static class BlockTranspose
{
    /// <summary>Transposes the V.Count x V.Count block at <paramref name="source"/> into <paramref name="destination"/>
    /// (the two must not overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Square<V>(ref float source, nint sourceStride, ref float destination, nint destinationStride)
        where V : struct, IFloatVector<V>
    {
        if (V.Count == 8 && Avx.IsSupported)
            Avx8x8(ref source, sourceStride, ref destination, destinationStride);
        else if (V.Count == 16 && Avx.IsSupported)
        {
            // Four 8 x 8 quadrants: the diagonal ones stay in place, the others swap.
            nint down = 8 * sourceStride, across = 8 * destinationStride;
            Avx8x8(ref source, sourceStride, ref destination, destinationStride);
            Avx8x8(ref Unsafe.Add(ref source, 8), sourceStride, ref Unsafe.Add(ref destination, across), destinationStride);
            Avx8x8(ref Unsafe.Add(ref source, down), sourceStride, ref Unsafe.Add(ref destination, 8), destinationStride);
            Avx8x8(ref Unsafe.Add(ref source, down + 8), sourceStride, ref Unsafe.Add(ref destination, across + 8), destinationStride);
        }
        else
            Scalar(ref source, sourceStride, ref destination, destinationStride, V.Count, V.Count);
    }

    /// <summary>The same for a <paramref name="rows"/> x <paramref name="columns"/> block, one float at a time: the
    /// edges of a tile, and widths without a shuffle sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called in loops from the first product on: no tier-0 code
    public static void Scalar(ref float source, nint sourceStride, ref float destination, nint destinationStride, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref destination, c * destinationStride + r) = Unsafe.Add(ref source, r * sourceStride + c);
    }

    /// <summary>8 x 8 with 256-bit shuffles: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Avx8x8(ref float s, nint ss, ref float d, nint ds)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref s), r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, ss));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * ss)), r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * ss));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 4 * ss)), r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 5 * ss));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 6 * ss)), r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 7 * ss));
        // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]; t1 = the same for columns 2, 3 | 6, 7
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // u0 = rows 0..3 of column 0 | of column 4, u1 = column 1 | 5, ...; u4..u7 the same for rows 4..7
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, ds));
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 2 * ds));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 3 * ds));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 4 * ds));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 5 * ds));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 6 * ds));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 7 * ds));
    }
}
