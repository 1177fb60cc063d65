using System;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>The tile GEMM kernels against double-precision loops, over shapes that hit every block and tail
/// (rows and outputs not multiples of 4, lengths not multiples of the register width) and strides wider than the
/// rows, which must be left untouched; and layers wide enough for the blocked loop orders of the backward products.
/// Runs on whichever ISA path the process has (CI runs all three).</summary>
public class TileGemmTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, n, k) in new[] { (1, 1, 1), (1, 4, 16), (4, 4, 64), (5, 7, 17), (9, 13, 33), (3, 5, 100), (8, 1, 7), (1, 9, 130), (32, 30, 784 / 4),
                     (5, 645, 70), (3, 1031, 2050),   // dX in blocks of outputs with a partial last one; dW row by row
                     (14, 8, 48),   // 16-register blocks (6 x 2) with 2- and 1-row remainders in both roles
                     (18, 20, 256),   // rows of W (dX) and of x (dW) 256 floats apart: B's stripes packed on 16-register paths
                     (70, 20, 40),   // forward in panels of 32 rows (32 + 32 + 6)
                     (1, 37, 784), (1, 515, 19), (1, 40, 1000) })   // one row: RowGemv's register blocks and leftover outputs, and the dot form past 800 inputs
            data.Add(rows, n, k);
        return data;
    }

    /// <summary>Within 1e-5 of <paramref name="expected"/> relative, or, for a long sum that cancels, within 4e-7 of the
    /// sum of its terms' magnitudes <paramref name="magnitude"/> (float rounding grows with it: a 2,050-term dot product
    /// of a result near 0.1 is off by about 1e-5 on the AVX2 path).</summary>
    private static void Close(double expected, float actual, string what, double magnitude = 0)
    {
        double bound = Math.Max(1e-5 * (1 + Math.Abs(expected)), 4e-7 * magnitude);
        Assert.True(Math.Abs(expected - actual) <= bound, $"{what}: {actual}, expected {expected}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_is_x_times_w_transposed_plus_bias(int rows, int n, int k)
    {
        int xStride = k + 3, yStride = n + 5;
        var x = RandomArrays.Uniform(rows * xStride, 1);
        var w = RandomArrays.Uniform(n * k, 2);
        var b = RandomArrays.Uniform(n, 3);
        foreach (bool hasBias in new[] { true, false })
        {
            var y = new float[rows * yStride];
            Array.Fill(y, 42f);
            TileGemm.Forward(ref x[0], xStride, ref w[0], ref b[0], hasBias, ref y[0], yStride, rows, n, k);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < yStride; o++)
                {
                    if (o >= n) { Assert.Equal(42f, y[r * yStride + o]); continue; }
                    double sum = hasBias ? b[o] : 0, magnitude = Math.Abs(sum);
                    for (int i = 0; i < k; i++) { double term = (double)x[r * xStride + i] * w[o * k + i]; sum += term; magnitude += Math.Abs(term); }
                    Close(sum, y[r * yStride + o], $"y[{r}, {o}]", magnitude);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardInput_adds_dz_times_w(int rows, int n, int k)
    {
        int dzStride = n + 2, dxStride = k + 4;
        var dz = RandomArrays.Uniform(rows * dzStride, 4);
        var w = RandomArrays.Uniform(n * k, 5);
        var dx = RandomArrays.Uniform(rows * dxStride, 6);
        var before = (float[])dx.Clone();
        TileGemm.BackwardInput(ref dz[0], dzStride, ref w[0], ref dx[0], dxStride, rows, n, k);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < dxStride; i++)
            {
                if (i >= k) { Assert.Equal(before[r * dxStride + i], dx[r * dxStride + i]); continue; }
                double sum = before[r * dxStride + i], magnitude = Math.Abs(sum);
                for (int o = 0; o < n; o++) { double term = (double)dz[r * dzStride + o] * w[o * k + i]; sum += term; magnitude += Math.Abs(term); }
                Close(sum, dx[r * dxStride + i], $"dx[{r}, {i}]", magnitude);
            }
        // overwrite: dz W alone, whatever dx held (NaN, which any read would spread; the gaps between rows kept), the bits
        // of the sum added to zeros (n over 512 sums in blocks of outputs: only the first block may store)
        var zeros = new float[rows * dxStride];
        TileGemm.BackwardInput(ref dz[0], dzStride, ref w[0], ref zeros[0], dxStride, rows, n, k);
        var written = new float[rows * dxStride];
        Array.Fill(written, float.NaN);
        for (int r = 0; r < rows; r++) for (int i = k; i < dxStride; i++) written[r * dxStride + i] = zeros[r * dxStride + i] = 7f;
        TileGemm.BackwardInput(ref dz[0], dzStride, ref w[0], ref written[0], dxStride, rows, n, k, overwrite: true);
        Assert.Equal(zeros, written);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardWeights_adds_dz_transposed_times_x_and_the_bias_gradient(int rows, int n, int k)
    {
        int dzStride = n + 1, xStride = k % 256 == 0 ? k : k + 2;   // a stride of 256 floats packs x's stripes
        var dz = RandomArrays.Uniform(rows * dzStride, 7);
        var x = RandomArrays.Uniform(rows * xStride, 8);
        var dw = RandomArrays.Uniform(n * k, 9);
        var db = RandomArrays.Uniform(n, 10);
        var (dwBefore, dbBefore) = ((float[])dw.Clone(), (float[])db.Clone());
        TileGemm.BackwardWeights(ref dz[0], dzStride, ref x[0], xStride, ref dw[0], ref db[0], true, rows, n, k);
        for (int o = 0; o < n; o++)
        {
            double bias = dbBefore[o];
            for (int r = 0; r < rows; r++) bias += dz[r * dzStride + o];
            Close(bias, db[o], $"db[{o}]");
            for (int i = 0; i < k; i++)
            {
                double sum = dwBefore[o * k + i];
                for (int r = 0; r < rows; r++) sum += (double)dz[r * dzStride + o] * x[r * xStride + i];
                Close(sum, dw[o * k + i], $"dw[{o}, {i}]");
            }
        }
        // overwrite: the same sums, whatever dw and db held (here NaN, which any read would spread)
        var (dwWritten, dbWritten) = (new float[n * k], new float[n]);
        Array.Fill(dwWritten, float.NaN);
        Array.Fill(dbWritten, float.NaN);
        TileGemm.BackwardWeights(ref dz[0], dzStride, ref x[0], xStride, ref dwWritten[0], ref dbWritten[0], true, rows, n, k, overwrite: true);
        for (int o = 0; o < n; o++)
        {
            Close(db[o] - (double)dbBefore[o], dbWritten[o], $"overwritten db[{o}]");
            for (int i = 0; i < k; i++) Close(dw[o * k + i] - (double)dwBefore[o * k + i], dwWritten[o * k + i], $"overwritten dw[{o}, {i}]");
        }
        var untouched = (float[])db.Clone();
        TileGemm.BackwardWeights(ref dz[0], dzStride, ref x[0], xStride, ref dw[0], ref db[0], false, rows, n, k);
        Assert.Equal(untouched, db);
    }

    /// <summary>The dot form (C = A B^T over rows of both) on each register width this machine runs, with A row counts
    /// that take its 4 x 4 blocks (few rows) and its 4 x 3 blocks (12 or more rows, 16-register widths), B row counts that
    /// leave 1 and 2 rows past the last block of 3 or 4, and lengths not multiples of the width; C written with both
    /// layouts (rows of A along C's rows, or along its columns, as a convolution's dW and the dense forward use it).</summary>
    [Theory]
    [InlineData(3, 5, 9)]
    [InlineData(12, 3, 16)]
    [InlineData(13, 7, 37)]
    [InlineData(16, 11, 8)]
    [InlineData(17, 14, 100)]
    public void DotRows_is_a_times_b_transposed_on_every_width(int aCount, int bCount, int length)
    {
        Check<Float1>();
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) Check<Float256>();
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) Check<Float512>();

        void Check<V>() where V : struct, IFloatVector<V>
        {
            int aStride = length + 3, bStride = length + 1;
            var a = RandomArrays.Uniform(aCount * aStride, 11);
            var b = RandomArrays.Uniform(bCount * bStride, 12);
            var bias = RandomArrays.Uniform(bCount, 13);
            foreach (bool byRows in new[] { true, false })
            {
                var (cA, cB) = byRows ? (bCount, 1) : (1, aCount);
                var c = new float[aCount * bCount];
                Array.Fill(c, float.NaN);   // every element written, none read
                TileGemm.DotRows<V>(ref a[0], aStride, aCount, ref b[0], bStride, bCount, length, ref c[0], cA, cB, ref bias[0], true);
                for (int i = 0; i < aCount; i++)
                    for (int j = 0; j < bCount; j++)
                    {
                        double sum = bias[j], magnitude = Math.Abs(sum);
                        for (int t = 0; t < length; t++) { double term = (double)a[i * aStride + t] * b[j * bStride + t]; sum += term; magnitude += Math.Abs(term); }
                        Close(sum, c[i * cA + j * cB], $"{typeof(V).Name} c[{i}, {j}]", magnitude);
                    }
            }
        }
    }
}
