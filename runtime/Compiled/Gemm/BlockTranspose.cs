using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>Where the rows of one side of a block transpose start: row <c>i</c> at <c>this[i]</c> floats from the block's
/// base. A struct type parameter, so each kind of addressing is compiled into its own copy of the kernels.</summary>
internal interface IRowAddress
{
    nint this[int row] { get; }
}

/// <summary>Rows a fixed stride apart (a plain matrix).</summary>
internal readonly struct StrideRows(nint stride) : IRowAddress
{
    public nint this[int row] { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => row * stride; }
}

/// <summary>Rows wherever a table of offsets says (a block that spans two samples of a tile of sequences); the table
/// lives on the caller's stack for the duration of the call.</summary>
internal readonly unsafe struct TableRows(nint* offsets) : IRowAddress
{
    public nint this[int row] { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => offsets[row]; }
}

/// <summary>Transposes one square block of one register's width: destination[c * dStride + r] = source[r * sStride + c]
/// for r, c &lt; V.Count. With AVX an 8 x 8 block is 8 loads, 24 in-register shuffles and 8 stores, where a scalar
/// loop would need 64 loads and 64 stores; this is what makes packing a tile transposed cheap next to its product.
/// The row-addressed forms read or write rows anywhere (<see cref="IRowAddress"/>): destination row c at
/// <c>destinationRows[c]</c>, source row r at <c>sourceRows[r]</c>.</summary>
internal static class BlockTranspose
{
    /// <summary>Transposes the V.Count x V.Count block at <paramref name="source"/> into <paramref name="destination"/>
    /// (the two must not overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Square<V>(ref float source, nint sourceStride, ref float destination, nint destinationStride)
        where V : struct, IFloatVector<V> =>
        Square<V, StrideRows, StrideRows>(ref source, new StrideRows(sourceStride), ref destination, new StrideRows(destinationStride));

    /// <summary>destination[destinationRows[c] + r] = source[sourceRows[r] + c] for r, c &lt; V.Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Square<V, TSource, TDestination>(ref float source, TSource sourceRows, ref float destination, TDestination destinationRows)
        where V : struct, IFloatVector<V> where TSource : struct, IRowAddress where TDestination : struct, IRowAddress
    {
        if (V.Count == 8 && Avx.IsSupported)
            Avx8x8(ref source, sourceRows, 0, ref destination, destinationRows, 0);
        else if (V.Count == 16 && Avx.IsSupported)
        {
            // Four 8 x 8 quadrants: the diagonal ones stay in place, the others swap.
            Avx8x8(ref source, sourceRows, 0, ref destination, destinationRows, 0);
            Avx8x8(ref Unsafe.Add(ref source, 8), sourceRows, 0, ref destination, destinationRows, 8);
            Avx8x8(ref source, sourceRows, 8, ref Unsafe.Add(ref destination, 8), destinationRows, 0);
            Avx8x8(ref Unsafe.Add(ref source, 8), sourceRows, 8, ref Unsafe.Add(ref destination, 8), destinationRows, 8);
        }
        else
            Scalar(ref source, sourceRows, ref destination, destinationRows, V.Count, V.Count);
    }

    /// <summary>The same for a <paramref name="rows"/> x <paramref name="columns"/> block, one float at a time: the
    /// edges of a tile, and widths without a shuffle sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called in loops from the first product on: no tier-0 code
    public static void Scalar(ref float source, nint sourceStride, ref float destination, nint destinationStride, int rows, int columns) =>
        Scalar(ref source, new StrideRows(sourceStride), ref destination, new StrideRows(destinationStride), rows, columns);

    /// <summary>destination[destinationRows[c] + r] = source[sourceRows[r] + c] for r &lt; <paramref name="rows"/>,
    /// c &lt; <paramref name="columns"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar<TSource, TDestination>(ref float source, TSource sourceRows, ref float destination, TDestination destinationRows, int rows, int columns)
        where TSource : struct, IRowAddress where TDestination : struct, IRowAddress
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref destination, destinationRows[c] + r) = Unsafe.Add(ref source, sourceRows[r] + c);
    }

    /// <summary>8 x 8 with 256-bit shuffles: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
    /// Source rows from <paramref name="sFirst"/>, destination rows from <paramref name="dFirst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Avx8x8<TSource, TDestination>(ref float s, TSource sr, int sFirst, ref float d, TDestination dr, int dFirst)
        where TSource : struct, IRowAddress where TDestination : struct, IRowAddress
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst])), r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 1]));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 2])), r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 3]));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 4])), r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 5]));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 6])), r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sr[sFirst + 7]));
        // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]; t1 = the same for columns 2, 3 | 6, 7
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // u0 = rows 0..3 of column 0 | of column 4, u1 = column 1 | 5, ...; u4..u7 the same for rows 4..7
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst]));
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 1]));
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 2]));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 3]));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 4]));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 5]));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 6]));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, dr[dFirst + 7]));
    }
}
