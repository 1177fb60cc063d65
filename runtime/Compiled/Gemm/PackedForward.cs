using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>The forward product of a dense layer over a tile of many rows, y = x W^T (+ b), in outer-product form
/// with the vector lanes over the rows. The tile's x is packed transposed (k x R floats, R = rows rounded up to
/// two registers) into a scratch buffer (<see cref="KernelScratch"/>); each step i then broadcasts W[o, i] for a block
/// of 8 outputs and multiplies it with the two registers of x^T[i, :], so W is read once per call from its own [n, k]
/// layout, every FMA feeds a different accumulator and no horizontal sums are left at the end. The block's y^T goes to the buffer
/// and is transposed into y at the end. Packing and unpacking cost rows x (k + n) copies against rows x n x k
/// multiply-adds, so this form pays for wide layers and tiles that fill the lanes (<see cref="Pays{V}"/>).
/// <para>Every output is a single fused multiply-add chain over i in order, then + b, whichever block it falls in,
/// so the result does not depend on how the outputs are split across threads (the same holds for each lane of a
/// wider register, so Float1 and Float512 runs of this kernel agree bit for bit).</para></summary>
internal static class PackedForward
{
    /// <summary>Whether this kernel beats the dot form (<see cref="TileGemm"/>) for a tile of <paramref name="rows"/>
    /// rows of a layer with <paramref name="n"/> outputs and <paramref name="k"/> inputs: the rows must fill at least 3/4
    /// of the lanes they are rounded up to (padding lanes do wasted FMAs), or 5/8 when the layer is at least twice as wide
    /// as it is long (the dot form's horizontal sums then weigh most: measured on an Intel Xeon, model 207, a 20-row
    /// 512 x 128 product ran at 143 GFLOP/s packed against 82 in the dot form, while 128 x 512 ran at 115 against 135);
    /// and the layer must be wide enough to repay packing x (rows x k copies against rows x n x k multiply-adds). The 3/4
    /// and width limits are where the two kernels measured even on Zen 4.</summary>
    public static bool Pays<V>(int rows, int n, int k) where V : struct, IFloatVector<V>
    {
        int lanes = 2 * V.Count, padded = (rows + lanes - 1) / lanes * lanes;
        return n >= 16 && (4 * rows >= 3 * padded || n >= 2 * k && 8 * rows >= 5 * padded);
    }

    // Loops run long: no tier-0 or OSR code. Never inlined: a tier-1 caller that inlined it ran out of inlining
    // budget and called the blocks' helpers out of line, 4x slower (seen with dynamic PGO in W3's inference).
    /// <summary>y[yRows.Offset(r) + o] = sum_i x[xRows.Offset(r) + i] * w[o * k + i] (+ bias[o]) for r &lt; rows,
    /// o &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run<V>(ref float x, RowLayout xRows, int rows, ref float w, int k, int count,
        ref float y, RowLayout yRows, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        int lanes = 2 * V.Count;
        int r = (rows + lanes - 1) / lanes * lanes;
        int chunk = Math.Min(count, OutputChunk);
        ref float xT = ref Scratch(k * r + chunk * r);
        ref float yT = ref Unsafe.Add(ref xT, k * r);
        Pack<V>(ref x, xRows, rows, k, ref xT, r);
        // A chunk of outputs at a time, each unpacked while its y^T is still in L1/L2 (a 2,048-output head's whole y^T
        // is megabytes).
        for (int o0 = 0; o0 < count; o0 += OutputChunk)
        {
            int m = Math.Min(OutputChunk, count - o0);
            Outputs<V>(ref xT, r, ref Unsafe.Add(ref w, o0 * k), k, m, ref yT, ref Unsafe.Add(ref bias, hasBias ? o0 : 0), hasBias);
            Unpack<V>(ref yT, r, rows, m, ref Unsafe.Add(ref y, o0), yRows);
        }
    }

    /// <summary>Outputs per chunk: a multiple of the 6-, 8- and 16-wide blocks, so that every chunk but the last runs
    /// whole blocks; 96 outputs of y^T at 208 rows are 78 KB.</summary>
    private const int OutputChunk = 96;

    /// <summary>yT[o * r + row] = sum_i xT[i * r + row] w[o * k + i] (+ bias[o]) for o &lt; count, every row of r.</summary>
    // Compiled on its own with the blocks inlined into it (inlined into Run, the blocks could exceed the JIT's budget).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Outputs<V>(ref float xT, int r, ref float w, int k, int count, ref float yT, ref float bias, bool hasBias)
        where V : struct, IFloatVector<V>
    {
        int lanes = 2 * V.Count, o = 0;
        // 8 outputs x 2 registers = 16 accumulators need AVX-512's 32 registers; with 16 (AVX2, x64 scalar) 6 x 2 is
        // the widest block that does not spill.
        if (V.Count < 16)
            for (; o <= count - 6; o += 6)
                for (int p = 0; p < r; p += lanes)
                    Tile2x6<V>(ref Unsafe.Add(ref xT, p), r, ref Unsafe.Add(ref w, o * k), k,
                        ref Unsafe.Add(ref yT, o * r + p), ref Unsafe.Add(ref bias, o), hasBias);
        for (; o <= count - 8; o += 8)
            for (int p = 0; p < r; p += lanes)
                Tile2x8<V>(ref Unsafe.Add(ref xT, p), r, ref Unsafe.Add(ref w, o * k), k,
                    ref Unsafe.Add(ref yT, o * r + p), ref Unsafe.Add(ref bias, o), hasBias);
        for (; o <= count - 4; o += 4)
            for (int p = 0; p < r; p += lanes)
                Tile2x4<V>(ref Unsafe.Add(ref xT, p), r, ref Unsafe.Add(ref w, o * k), k,
                    ref Unsafe.Add(ref yT, o * r + p), ref Unsafe.Add(ref bias, o), hasBias);
        for (; o <= count - 2; o += 2)
            for (int p = 0; p < r; p += lanes)
                Tile2x2<V>(ref Unsafe.Add(ref xT, p), r, ref Unsafe.Add(ref w, o * k), k,
                    ref Unsafe.Add(ref yT, o * r + p), ref Unsafe.Add(ref bias, o), hasBias);
        for (; o < count; o++)
            for (int p = 0; p < r; p += lanes)
                Tile2x1<V>(ref Unsafe.Add(ref xT, p), r, ref Unsafe.Add(ref w, o * k), k,
                    ref Unsafe.Add(ref yT, o * r + p), ref Unsafe.Add(ref bias, o), hasBias);
    }

    /// <summary>The tile's x^T, then y^T: at least 64K floats (256 KB), so that one buffer covers W3's layers.</summary>
    private static ref float Scratch(int length) => ref KernelScratch.Get(ScratchUse.PackedRows, Math.Max(length, 1 << 16));

    /// <summary>xT[i * r + row] = x[xRows.Offset(row) + i]; rows from <paramref name="rows"/> to r are zeros.
    /// Square blocks of one register's width go through <see cref="BlockTranspose"/>, their rows a stride apart when
    /// the block lies in one group of <paramref name="xRows"/>, else through a table of row offsets; the last rows
    /// (fewer than a register's width) are padded with zeros to one; the columns after the last whole block go one
    /// float at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Pack<V>(ref float x, RowLayout xRows, int rows, int k, ref float xT, int r) where V : struct, IFloatVector<V>
    {
        int n = V.Count, row = 0;
        nint* table = stackalloc nint[n];
        for (; row <= rows - n; row += n)
        {
            ref float block = ref Unsafe.Add(ref xT, row);
            if (InOneGroup(xRows, row, n))
                PackBlock<V, StrideRows>(ref Unsafe.Add(ref x, xRows.Offset(row)), new StrideRows(xRows.Stride), k, ref block, r);
            else
                PackBlock<V, TableRows>(ref x, Table(xRows, row, n, table), k, ref block, r);
        }
        if (row == r) return;
        // The last rows go through a square block on the stack whose missing rows are zeros, so the same transposes write
        // the padding lanes beside them (one float at a time, the edges of 20- and 24-row tiles were about 5% of
        // T5Translator's decoding); the columns after the last full block one at a time.
        int real = rows - row, column = 0;
        if (real > 0)
        {
            var last = Table(xRows, row, real, table);
            Span<float> block = stackalloc float[n * n];
            block.Clear();
            ref float b = ref MemoryMarshal.GetReference(block);
            for (; column <= k - n; column += n)
            {
                for (int j = 0; j < real; j++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, last[j] + column), n).CopyTo(block.Slice(j * n, n));
                BlockTranspose.Square<V>(ref b, n, ref Unsafe.Add(ref xT, column * r + row), r);
            }
            BlockTranspose.Scalar(ref Unsafe.Add(ref x, column), last, ref Unsafe.Add(ref xT, column * r + row), new StrideRows(r), real, k - column);
            for (int c = column; c < k; c++) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref xT, c * r + rows), n - real).Clear();
            row += n;
        }
        // Lanes past the last block: all padding.
        if (row < r)
            for (int c = 0; c < k; c++) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref xT, c * r + row), r - row).Clear();
    }

    /// <summary>One register's width of rows, all k columns, into the packed x^T (whose rows are r apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackBlock<V, TRows>(ref float source, TRows rows, int k, ref float xT, int r)
        where V : struct, IFloatVector<V> where TRows : struct, IRowAddress
    {
        int n = V.Count, i = 0;
        for (; i <= k - n; i += n)
            BlockTranspose.Square<V, TRows, StrideRows>(ref Unsafe.Add(ref source, i), rows, ref Unsafe.Add(ref xT, i * r), new StrideRows(r));
        BlockTranspose.Scalar(ref Unsafe.Add(ref source, i), rows, ref Unsafe.Add(ref xT, i * r), new StrideRows(r), n, k - i);
    }

    /// <summary>y[yRows.Offset(row) + o] = yT[o * r + row], the bias already added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Unpack<V>(ref float yT, int r, int rows, int count, ref float y, RowLayout yRows) where V : struct, IFloatVector<V>
    {
        int n = V.Count, row = 0;
        nint* table = stackalloc nint[n];
        for (; row <= rows - n; row += n)
        {
            ref float block = ref Unsafe.Add(ref yT, row);
            if (InOneGroup(yRows, row, n))
                UnpackBlock<V, StrideRows>(ref block, r, count, ref Unsafe.Add(ref y, yRows.Offset(row)), new StrideRows(yRows.Stride));
            else
                UnpackBlock<V, TableRows>(ref block, r, count, ref y, Table(yRows, row, n, table));
        }
        int real = rows - row;
        if (real == 0) return;
        // The last rows as in Pack: whole blocks transposed into a square on the stack (the lanes up to the register's
        // width exist: xT and yT are padded to two registers), then the real rows copied out.
        var last = Table(yRows, row, real, table);
        Span<float> square = stackalloc float[n * n];
        ref float b = ref MemoryMarshal.GetReference(square);
        int output = 0;
        for (; output <= count - n; output += n)
        {
            BlockTranspose.Square<V>(ref Unsafe.Add(ref yT, output * r + row), r, ref b, n);
            for (int j = 0; j < real; j++)
                square.Slice(j * n, n).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, last[j] + output), n));
        }
        BlockTranspose.Scalar(ref Unsafe.Add(ref yT, output * r + row), new StrideRows(r), ref Unsafe.Add(ref y, output), last, count - output, real);
    }

    /// <summary>One register's width of rows of y^T (rows r apart), all <paramref name="count"/> outputs, into y's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackBlock<V, TRows>(ref float yT, int r, int count, ref float target, TRows rows)
        where V : struct, IFloatVector<V> where TRows : struct, IRowAddress
    {
        int n = V.Count, o = 0;
        for (; o <= count - n; o += n)
            BlockTranspose.Square<V, StrideRows, TRows>(ref Unsafe.Add(ref yT, o * r), new StrideRows(r), ref Unsafe.Add(ref target, o), rows);
        BlockTranspose.Scalar(ref Unsafe.Add(ref yT, o * r), new StrideRows(r), ref Unsafe.Add(ref target, o), rows, count - o, n);
    }

    /// <summary>Whether rows [row, row + count) lie in one group of <paramref name="layout"/> (a stride apart).</summary>
    private static bool InOneGroup(RowLayout layout, int row, int count) => !layout.Grouped || row % layout.GroupRows + count <= layout.GroupRows;

    /// <summary>The offsets of rows [row, row + count) of <paramref name="layout"/>, written to <paramref name="table"/>.</summary>
    private static unsafe TableRows Table(RowLayout layout, int row, int count, nint* table)
    {
        for (int j = 0; j < count; j++) table[j] = layout.Offset(row + j);
        return new TableRows(table);
    }

    /// <summary>Two registers of rows x 8 outputs: yT[j * r + lane] = sum_i xT[i * r + lane] * w[j * k + i].
    /// 16 accumulators hide the FMA latency; the 8 W rows are 8 sequential streams of broadcasts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x8<V>(ref float xT, int r, ref float w, int k, ref float yT, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        ref float w1 = ref Unsafe.Add(ref w, k); ref float w2 = ref Unsafe.Add(ref w, 2 * k); ref float w3 = ref Unsafe.Add(ref w, 3 * k);
        ref float w4 = ref Unsafe.Add(ref w, 4 * k); ref float w5 = ref Unsafe.Add(ref w, 5 * k); ref float w6 = ref Unsafe.Add(ref w, 6 * k);
        ref float w7 = ref Unsafe.Add(ref w, 7 * k);
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero, a4 = V.Zero, a5 = V.Zero, a6 = V.Zero, a7 = V.Zero;
        V b0 = V.Zero, b1 = V.Zero, b2 = V.Zero, b3 = V.Zero, b4 = V.Zero, b5 = V.Zero, b6 = V.Zero, b7 = V.Zero;
        nint at = 0;
        for (int i = 0; i < k; i++, at += r)
        {
            V x0 = V.Load(ref xT, at), x1 = V.Load(ref xT, at + V.Count);
            V s = V.Broadcast(Unsafe.Add(ref w, i)); a0 = V.MultiplyAdd(x0, s, a0); b0 = V.MultiplyAdd(x1, s, b0);
            s = V.Broadcast(Unsafe.Add(ref w1, i)); a1 = V.MultiplyAdd(x0, s, a1); b1 = V.MultiplyAdd(x1, s, b1);
            s = V.Broadcast(Unsafe.Add(ref w2, i)); a2 = V.MultiplyAdd(x0, s, a2); b2 = V.MultiplyAdd(x1, s, b2);
            s = V.Broadcast(Unsafe.Add(ref w3, i)); a3 = V.MultiplyAdd(x0, s, a3); b3 = V.MultiplyAdd(x1, s, b3);
            s = V.Broadcast(Unsafe.Add(ref w4, i)); a4 = V.MultiplyAdd(x0, s, a4); b4 = V.MultiplyAdd(x1, s, b4);
            s = V.Broadcast(Unsafe.Add(ref w5, i)); a5 = V.MultiplyAdd(x0, s, a5); b5 = V.MultiplyAdd(x1, s, b5);
            s = V.Broadcast(Unsafe.Add(ref w6, i)); a6 = V.MultiplyAdd(x0, s, a6); b6 = V.MultiplyAdd(x1, s, b6);
            s = V.Broadcast(Unsafe.Add(ref w7, i)); a7 = V.MultiplyAdd(x0, s, a7); b7 = V.MultiplyAdd(x1, s, b7);
        }
        Finish<V>(ref yT, 0, a0, b0, ref bias, 0, hasBias); Finish<V>(ref yT, r, a1, b1, ref bias, 1, hasBias);
        Finish<V>(ref yT, 2 * r, a2, b2, ref bias, 2, hasBias); Finish<V>(ref yT, 3 * r, a3, b3, ref bias, 3, hasBias);
        Finish<V>(ref yT, 4 * r, a4, b4, ref bias, 4, hasBias); Finish<V>(ref yT, 5 * r, a5, b5, ref bias, 5, hasBias);
        Finish<V>(ref yT, 6 * r, a6, b6, ref bias, 6, hasBias); Finish<V>(ref yT, 7 * r, a7, b7, ref bias, 7, hasBias);
    }

    /// <summary>Two registers of rows x 6 outputs: 12 accumulators, 2 x registers and a broadcast fit 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x6<V>(ref float xT, int r, ref float w, int k, ref float yT, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        ref float w1 = ref Unsafe.Add(ref w, k); ref float w2 = ref Unsafe.Add(ref w, 2 * k); ref float w3 = ref Unsafe.Add(ref w, 3 * k);
        ref float w4 = ref Unsafe.Add(ref w, 4 * k); ref float w5 = ref Unsafe.Add(ref w, 5 * k);
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero, a4 = V.Zero, a5 = V.Zero;
        V b0 = V.Zero, b1 = V.Zero, b2 = V.Zero, b3 = V.Zero, b4 = V.Zero, b5 = V.Zero;
        nint at = 0;
        for (int i = 0; i < k; i++, at += r)
        {
            V x0 = V.Load(ref xT, at), x1 = V.Load(ref xT, at + V.Count);
            V s = V.Broadcast(Unsafe.Add(ref w, i)); a0 = V.MultiplyAdd(x0, s, a0); b0 = V.MultiplyAdd(x1, s, b0);
            s = V.Broadcast(Unsafe.Add(ref w1, i)); a1 = V.MultiplyAdd(x0, s, a1); b1 = V.MultiplyAdd(x1, s, b1);
            s = V.Broadcast(Unsafe.Add(ref w2, i)); a2 = V.MultiplyAdd(x0, s, a2); b2 = V.MultiplyAdd(x1, s, b2);
            s = V.Broadcast(Unsafe.Add(ref w3, i)); a3 = V.MultiplyAdd(x0, s, a3); b3 = V.MultiplyAdd(x1, s, b3);
            s = V.Broadcast(Unsafe.Add(ref w4, i)); a4 = V.MultiplyAdd(x0, s, a4); b4 = V.MultiplyAdd(x1, s, b4);
            s = V.Broadcast(Unsafe.Add(ref w5, i)); a5 = V.MultiplyAdd(x0, s, a5); b5 = V.MultiplyAdd(x1, s, b5);
        }
        Finish<V>(ref yT, 0, a0, b0, ref bias, 0, hasBias); Finish<V>(ref yT, r, a1, b1, ref bias, 1, hasBias);
        Finish<V>(ref yT, 2 * r, a2, b2, ref bias, 2, hasBias); Finish<V>(ref yT, 3 * r, a3, b3, ref bias, 3, hasBias);
        Finish<V>(ref yT, 4 * r, a4, b4, ref bias, 4, hasBias); Finish<V>(ref yT, 5 * r, a5, b5, ref bias, 5, hasBias);
    }

    /// <summary>Two registers of rows x 4 outputs (the blocks of 4 left after the blocks of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x4<V>(ref float xT, int r, ref float w, int k, ref float yT, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        ref float w1 = ref Unsafe.Add(ref w, k); ref float w2 = ref Unsafe.Add(ref w, 2 * k); ref float w3 = ref Unsafe.Add(ref w, 3 * k);
        V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero, b0 = V.Zero, b1 = V.Zero, b2 = V.Zero, b3 = V.Zero;
        nint at = 0;
        for (int i = 0; i < k; i++, at += r)
        {
            V x0 = V.Load(ref xT, at), x1 = V.Load(ref xT, at + V.Count);
            V s = V.Broadcast(Unsafe.Add(ref w, i)); a0 = V.MultiplyAdd(x0, s, a0); b0 = V.MultiplyAdd(x1, s, b0);
            s = V.Broadcast(Unsafe.Add(ref w1, i)); a1 = V.MultiplyAdd(x0, s, a1); b1 = V.MultiplyAdd(x1, s, b1);
            s = V.Broadcast(Unsafe.Add(ref w2, i)); a2 = V.MultiplyAdd(x0, s, a2); b2 = V.MultiplyAdd(x1, s, b2);
            s = V.Broadcast(Unsafe.Add(ref w3, i)); a3 = V.MultiplyAdd(x0, s, a3); b3 = V.MultiplyAdd(x1, s, b3);
        }
        Finish<V>(ref yT, 0, a0, b0, ref bias, 0, hasBias); Finish<V>(ref yT, r, a1, b1, ref bias, 1, hasBias);
        Finish<V>(ref yT, 2 * r, a2, b2, ref bias, 2, hasBias); Finish<V>(ref yT, 3 * r, a3, b3, ref bias, 3, hasBias);
    }

    /// <summary>Two registers of rows x 2 outputs: 4 accumulators, enough chains to keep one FMA per cycle going
    /// where a single output would wait on the FMA latency (n = 10 ends in 2 outputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x2<V>(ref float xT, int r, ref float w, int k, ref float yT, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        ref float w1 = ref Unsafe.Add(ref w, k);
        V a0 = V.Zero, a1 = V.Zero, b0 = V.Zero, b1 = V.Zero;
        nint at = 0;
        for (int i = 0; i < k; i++, at += r)
        {
            V x0 = V.Load(ref xT, at), x1 = V.Load(ref xT, at + V.Count);
            V s = V.Broadcast(Unsafe.Add(ref w, i)); a0 = V.MultiplyAdd(x0, s, a0); b0 = V.MultiplyAdd(x1, s, b0);
            s = V.Broadcast(Unsafe.Add(ref w1, i)); a1 = V.MultiplyAdd(x0, s, a1); b1 = V.MultiplyAdd(x1, s, b1);
        }
        Finish<V>(ref yT, 0, a0, b0, ref bias, 0, hasBias); Finish<V>(ref yT, r, a1, b1, ref bias, 1, hasBias);
    }

    /// <summary>Two registers of rows x 1 output (the last output of an odd count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x1<V>(ref float xT, int r, ref float w, int k, ref float yT, ref float bias, bool hasBias) where V : struct, IFloatVector<V>
    {
        V a = V.Zero, b = V.Zero;
        nint at = 0;
        for (int i = 0; i < k; i++, at += r)
        {
            V s = V.Broadcast(Unsafe.Add(ref w, i));
            a = V.MultiplyAdd(V.Load(ref xT, at), s, a); b = V.MultiplyAdd(V.Load(ref xT, at + V.Count), s, b);
        }
        Finish<V>(ref yT, 0, a, b, ref bias, 0, hasBias);
    }

    /// <summary>Stores one output's two registers of rows into yT, plus the output's bias: after the whole chain,
    /// as the dot form adds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<V>(ref float yT, nint at, V a, V b, ref float bias, int j, bool hasBias) where V : struct, IFloatVector<V>
    {
        if (hasBias)
        {
            V s = V.Broadcast(Unsafe.Add(ref bias, j));
            (a, b) = (V.Add(a, s), V.Add(b, s));
        }
        V.Store(a, ref yT, at);
        V.Store(b, ref yT, at + V.Count);
    }
}
