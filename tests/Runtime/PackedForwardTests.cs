using System;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>The packed outer-product forward kernel at every register width, whatever the process's ISA path
/// (a width the JIT does not accelerate runs in software, so the Float512 and Float256 code is checked under all
/// three CI modes): against double-precision loops over shapes that leave every kind of edge (rows not filling the
/// lanes, rows and columns outside the 8 x 8 / 16 x 16 transposes, outputs outside the blocks of 8 and 4), and bit
/// for bit across widths, since every output is one FMA chain in the same order.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class PackedForwardTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, n, k) in new[] { (1, 1, 1), (2, 3, 5), (17, 13, 33), (32, 8, 16), (32, 12, 64), (31, 30, 100), (25, 61, 17), (16, 7, 130), (32, 40, 784 / 8), (40, 9, 20), (20, 197, 24) })   // 197 outputs: two chunks of 96 and a tail of 5
            data.Add(rows, n, k);
        return data;
    }

    private static float[] Run<V>(int rows, int n, int k, bool hasBias, int xStride, int yStride, float[] x, float[] w, float[] b)
        where V : struct, IFloatVector<V>
    {
        var y = new float[rows * yStride];
        Array.Fill(y, 42f);
        PackedForward.Run<V>(ref x[0], RowLayout.Dense(xStride), rows, ref w[0], k, n, ref y[0], RowLayout.Dense(yStride), ref b[0], hasBias);
        return y;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_width_computes_x_times_w_transposed_plus_bias_and_agrees_bit_for_bit(int rows, int n, int k)
    {
        int xStride = k + 3, yStride = n + 5;
        var x = RandomArrays.Uniform(rows * xStride, 1);
        var w = RandomArrays.Uniform(n * k, 2);
        var b = RandomArrays.Uniform(n, 3);
        foreach (bool hasBias in new[] { true, false })
        {
            var scalar = Run<Float1>(rows, n, k, hasBias, xStride, yStride, x, w, b);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < yStride; o++)
                {
                    float actual = scalar[r * yStride + o];
                    if (o >= n) { Assert.Equal(42f, actual); continue; }
                    double sum = hasBias ? b[o] : 0;
                    for (int i = 0; i < k; i++) sum += (double)x[r * xStride + i] * w[o * k + i];
                    Assert.True(Math.Abs(sum - actual) <= 1e-5 * (1 + Math.Abs(sum)), $"y[{r}, {o}]: {actual}, expected {sum}");
                }
            Assert.Equal(scalar, Run<Float256>(rows, n, k, hasBias, xStride, yStride, x, w, b));
            Assert.Equal(scalar, Run<Float512>(rows, n, k, hasBias, xStride, yStride, x, w, b));
        }
    }

    public static TheoryData<int, int, int, int> GroupedShapes()
    {
        var data = new TheoryData<int, int, int, int>();
        // Groups shorter than a register, not a multiple of 8, one group, blocks that span two or three groups.
        foreach (var (groups, length, n, k) in new[] { (3, 5, 7, 17), (2, 20, 40, 33), (4, 24, 16, 130), (5, 13, 9, 20), (1, 40, 12, 64), (7, 3, 18, 16) })
            data.Add(groups, length, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(GroupedShapes))]
    public void Rows_in_groups_give_the_bits_of_the_same_rows_copied_together_at_every_width(int groups, int length, int n, int k)
    {
        // Each group's rows k + 2 apart, groups a further 9 floats apart; y's rows n + 1 apart, groups 4 further.
        int rows = groups * length, xStride = k + 2, xGroup = length * xStride + 9, yStride = n + 1, yGroup = length * yStride + 4;
        var x = RandomArrays.Uniform(groups * xGroup, 11);
        var w = RandomArrays.Uniform(n * k, 12);
        var b = RandomArrays.Uniform(n, 13);
        var gathered = new float[rows * k];
        for (int r = 0; r < rows; r++) Array.Copy(x, r / length * xGroup + r % length * xStride, gathered, r * k, k);
        void Check<V>() where V : struct, IFloatVector<V>
        {
            var expected = Run<V>(rows, n, k, true, k, n, gathered, w, b);
            var y = new float[groups * yGroup];
            Array.Fill(y, 42f);
            PackedForward.Run<V>(ref x[0], new RowLayout(xStride, length, xGroup), rows, ref w[0], k, n, ref y[0], new RowLayout(yStride, length, yGroup), ref b[0], true);
            for (int at = 0; at < y.Length; at++)
            {
                int g = at / yGroup, r = at % yGroup / yStride, o = at % yGroup % yStride;
                if (r >= length || o >= n) Assert.Equal(42f, y[at]);   // gaps untouched
                else Assert.Equal(expected[(g * length + r) * n + o], y[at]);
            }
        }
        Check<Float1>();
        Check<Float256>();
        Check<Float512>();
    }

    [Fact]
    public void TileGemm_forward_through_the_packed_kernel_is_the_same_on_one_thread_and_on_the_pool()
    {
        // A full tile of a layer wide enough for the packed kernel, above the parallel threshold; 522 outputs leave
        // a 2-output block at the end of the second part, 530 columns a tail after the transposed blocks.
        int rows = 32, n = 522, k = 530, xStride = k + 7, yStride = n + 3;
        Assert.True(PackedForward.Pays<Float512>(rows, n, k) && PackedForward.Pays<Float256>(rows, n, k));
        Assert.True((long)rows * n * k >= TileGemm.ParallelThreshold);
        var x = RandomArrays.Uniform(rows * xStride, 7);
        var w = RandomArrays.Uniform(n * k, 8);
        var b = RandomArrays.Uniform(n, 9);
        float[] Run()
        {
            var y = new float[rows * yStride];
            TileGemm.Forward(ref x[0], xStride, ref w[0], ref b[0], true, ref y[0], yStride, rows, n, k);
            return y;
        }
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            var serial = Run();
            WorkerPool.Threads = 2;
            Assert.Equal(serial, Run());
            for (int r = 0; r < rows; r += 5)
                for (int o = 0; o < n; o += 31)
                {
                    double sum = b[o];
                    for (int i = 0; i < k; i++) sum += (double)x[r * xStride + i] * w[o * k + i];
                    Assert.True(Math.Abs(sum - serial[r * yStride + o]) <= 1e-4 * (1 + Math.Abs(sum)), $"y[{r}, {o}]");
                }
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void A_larger_call_after_a_smaller_one_gets_a_larger_scratch()
    {
        // The scratch grows: a small call first, then one that needs more than the first allocation.
        foreach (var (rows, n, k) in new[] { (4, 4, 4), (32, 300, 2000) })
        {
            var x = RandomArrays.Uniform(rows * k, 4);
            var w = RandomArrays.Uniform(n * k, 5);
            var b = RandomArrays.Uniform(n, 6);
            var y = Run<Float1>(rows, n, k, true, k, n, x, w, b);
            for (int r = 0; r < rows; r += 7)
                for (int o = 0; o < n; o += 29)
                {
                    double sum = b[o];
                    for (int i = 0; i < k; i++) sum += (double)x[r * k + i] * w[o * k + i];
                    Assert.True(Math.Abs(sum - y[r * n + o]) <= 1e-4 * (1 + Math.Abs(sum)), $"y[{r}, {o}]");
                }
        }
    }
}
