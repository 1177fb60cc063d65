using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>The tile-of-sequences products against double-precision loops: samples of <c>length</c> contiguous rows, a
/// sample stride wider than a sample (the gap, another value's place in the workspace, must be left untouched), one
/// sample and several, and shapes that hit the kernels' tails. Runs on whichever ISA path the process has.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class SequenceGemmTests
{
    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (var (samples, length, n, k) in new[] { (1, 3, 5, 7), (2, 2, 4, 16), (3, 5, 7, 17), (10, 24, 40, 32), (4, 7, 33, 9), (6, 20, 128, 128), (3, 13, 64, 50),
                     (2, 12, 14, 256) })   // rows 256 floats apart: dW packs x's stripes across both samples
            data.Add(samples, length, n, k);
        return data;
    }

    private static void Close(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * (1 + Math.Abs(expected)), $"{what}: {actual}, expected {expected}");

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_is_each_row_times_w_transposed_plus_bias(int samples, int length, int n, int k)
    {
        int xSample = length * k + 5, ySample = length * n + 3;
        var x = RandomArrays.Uniform(samples * xSample, 1);
        var w = RandomArrays.Uniform(n * k, 2);
        var b = RandomArrays.Uniform(n, 3);
        foreach (bool hasBias in new[] { true, false })
        {
            var y = new float[samples * ySample];
            Array.Fill(y, 42f);
            SequenceGemm.Forward(ref x[0], xSample, ref w[0], ref b[0], hasBias, ref y[0], ySample, samples, length, n, k);
            for (int s = 0; s < samples; s++)
                for (int j = 0; j < ySample; j++)
                {
                    float actual = y[s * ySample + j];
                    if (j >= length * n) { Assert.Equal(42f, actual); continue; }
                    var (r, o) = (j / n, j % n);
                    double sum = hasBias ? b[o] : 0;
                    for (int i = 0; i < k; i++) sum += (double)x[s * xSample + r * k + i] * w[o * k + i];
                    Close(sum, actual, $"y[{s}, {r}, {o}]");
                }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardWeights_sums_over_every_row_of_every_sample(int samples, int length, int n, int k)
    {
        int dzSample = length * n + 2, xSample = length * k + 1;
        var dz = RandomArrays.Uniform(samples * dzSample, 4);
        var x = RandomArrays.Uniform(samples * xSample, 5);
        var dw = RandomArrays.Uniform(n * k, 6);
        var db = RandomArrays.Uniform(n, 7);
        var (dwBefore, dbBefore) = ((float[])dw.Clone(), (float[])db.Clone());
        SequenceGemm.BackwardWeights(ref dz[0], dzSample, ref x[0], xSample, ref dw[0], ref db[0], true, samples, length, n, k);
        for (int o = 0; o < n; o++)
        {
            double bias = dbBefore[o];
            for (int s = 0; s < samples; s++)
                for (int r = 0; r < length; r++) bias += dz[s * dzSample + r * n + o];
            Close(bias, db[o], $"db[{o}]");
            for (int i = 0; i < k; i++)
            {
                double sum = dwBefore[o * k + i];
                for (int s = 0; s < samples; s++)
                    for (int r = 0; r < length; r++) sum += (double)dz[s * dzSample + r * n + o] * x[s * xSample + r * k + i];
                Close(sum, dw[o * k + i], $"dW[{o}, {i}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardInput_adds_dz_times_w_to_each_sample(int samples, int length, int n, int k)
    {
        int dzSample = length * n + 4, dxSample = length * k + 6;
        var dz = RandomArrays.Uniform(samples * dzSample, 8);
        var w = RandomArrays.Uniform(n * k, 9);
        var dx = RandomArrays.Uniform(samples * dxSample, 10);
        var before = (float[])dx.Clone();
        SequenceGemm.BackwardInput(ref dz[0], dzSample, ref w[0], ref dx[0], dxSample, samples, length, n, k);
        for (int s = 0; s < samples; s++)
            for (int j = 0; j < dxSample; j++)
            {
                float actual = dx[s * dxSample + j];
                if (j >= length * k) { Assert.Equal(before[s * dxSample + j], actual); continue; }
                var (r, i) = (j / k, j % k);
                double sum = before[s * dxSample + j];
                for (int o = 0; o < n; o++) sum += (double)dz[s * dzSample + r * n + o] * w[o * k + i];
                Close(sum, actual, $"dx[{s}, {r}, {i}]");
            }
    }
    [Fact]
    public void A_split_tile_gives_the_bits_of_one_thread_and_of_the_rows_copied_together()
    {
        // 8 samples of 24 rows through 512 x 128: above the threshold at which training splits a product over two threads.
        int samples = 8, length = 24, n = 512, k = 128, rows = samples * length, xSample = length * k + 16, ySample = length * n + 16;
        var x = RandomArrays.Uniform(samples * xSample, 14);
        var w = RandomArrays.Uniform(n * k, 15);
        var b = RandomArrays.Uniform(n, 16);
        var dz = RandomArrays.Uniform(samples * ySample, 17);
        var (gx, gdz) = (new float[rows * k], new float[rows * n]);
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(x, r / length * xSample + r % length * k, gx, r * k, k);
            Array.Copy(dz, r / length * ySample + r % length * n, gdz, r * n, n);
        }
        (float[] Y, float[] Dw, float[] Db) Run()
        {
            var (y, dw, db) = (new float[samples * ySample], new float[n * k], new float[n]);
            SequenceGemm.Forward(ref x[0], xSample, ref w[0], ref b[0], true, ref y[0], ySample, samples, length, n, k);
            SequenceGemm.BackwardWeights(ref dz[0], ySample, ref x[0], xSample, ref dw[0], ref db[0], true, samples, length, n, k);
            return (y, dw, db);
        }
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            var serial = Run();
            var (y, dw, db) = (new float[rows * n], new float[n * k], new float[n]);
            TileGemm.Forward(ref gx[0], k, ref w[0], ref b[0], true, ref y[0], n, rows, n, k);
            TileGemm.BackwardWeights(ref gdz[0], n, ref gx[0], k, ref dw[0], ref db[0], true, rows, n, k);
            for (int r = 0; r < rows; r++)
                Assert.Equal(y.AsSpan(r * n, n), serial.Y.AsSpan(r / length * ySample + r % length * n, n));
            Assert.Equal(dw, serial.Dw);
            Assert.Equal(db, serial.Db);
            WorkerPool.Threads = 2;
            var split = Run();
            Assert.Equal(serial.Y, split.Y);
            Assert.Equal(serial.Dw, split.Dw);
            Assert.Equal(serial.Db, split.Db);
        }
        finally { WorkerPool.Threads = saved; }
    }

    /// <summary>The live-row products (backward past each sample's last live row skipped) against the full ones on the
    /// same operands with dz zero past those rows, as the loss leaves it: dW and db the same values, dx the same rows and,
    /// when overwritten, zeros past them (and left as it was past them when added to). Live counts of 0, all rows, and
    /// in between; x past them NaN, which a product that read it would spread.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_over_live_rows_is_the_full_backward_of_a_dz_zero_past_them(int samples, int length, int n, int k)
    {
        int dzSample = length * n + 2, xSample = length * k + 3, dxSample = length * k + 1;
        var live = LiveCounts(samples, length);
        var dz = RandomArrays.Uniform(samples * dzSample, 4);
        var x = RandomArrays.Uniform(samples * xSample, 5);
        var w = RandomArrays.Uniform(n * k, 6);
        for (int s = 0; s < samples; s++)
        {
            Array.Clear(dz, s * dzSample + live[s] * n, (length - live[s]) * n);
            Array.Fill(x, float.NaN, s * xSample + live[s] * k, (length - live[s]) * k);
        }
        var xFinite = x.Select(v => float.IsNaN(v) ? 0.5f : v).ToArray();

        var (dw, db) = (RandomArrays.Uniform(n * k, 7), RandomArrays.Uniform(n, 8));
        var (dwFull, dbFull) = ((float[])dw.Clone(), (float[])db.Clone());
        SequenceGemm.BackwardWeights(ref dz[0], dzSample, ref x[0], xSample, ref dw[0], ref db[0], true, samples, length, n, k, live);
        SequenceGemm.BackwardWeights(ref dz[0], dzSample, ref xFinite[0], xSample, ref dwFull[0], ref dbFull[0], true, samples, length, n, k);
        Assert.Equal(dwFull, dw);
        Assert.Equal(dbFull, db);

        foreach (bool overwrite in new[] { true, false })
        {
            var dx = RandomArrays.Uniform(samples * dxSample, 9);
            var dxFull = (float[])dx.Clone();
            var before = (float[])dx.Clone();
            SequenceGemm.BackwardInput(ref dz[0], dzSample, ref w[0], ref dx[0], dxSample, samples, length, n, k, live, overwrite);
            SequenceGemm.BackwardInput(ref dz[0], dzSample, ref w[0], ref dxFull[0], dxSample, samples, length, n, k, overwrite);
            for (int s = 0; s < samples; s++)
                for (int j = 0; j < dxSample; j++)
                {
                    int at = s * dxSample + j;
                    bool past = j >= live[s] * k && j < length * k;
                    if (!past) Assert.Equal(dxFull[at], dx[at]);
                    else if (overwrite) Assert.Equal(0f, dx[at]);
                    else Assert.Equal(before[at], dx[at]);
                }
        }
    }

    /// <summary>The live-row forward: each live row the product the full call gives it (up to rounding: fewer rows may pick
    /// another kernel, which sums in another order), zeros past them,
    /// the gaps between samples untouched; x past the live rows NaN, which a product that read it would spread.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_over_live_rows_is_the_full_forward_there_and_zeros_past_them(int samples, int length, int n, int k)
    {
        int xSample = length * k + 5, ySample = length * n + 3;
        var live = LiveCounts(samples, length);
        var x = RandomArrays.Uniform(samples * xSample, 1);
        for (int s = 0; s < samples; s++) Array.Fill(x, float.NaN, s * xSample + live[s] * k, (length - live[s]) * k);
        var w = RandomArrays.Uniform(n * k, 2);
        var b = RandomArrays.Uniform(n, 3);
        var y = new float[samples * ySample];
        var full = new float[samples * ySample];
        Array.Fill(y, 42f);
        SequenceGemm.Forward(ref x[0], xSample, ref w[0], ref b[0], true, ref y[0], ySample, samples, length, n, k, live);
        SequenceGemm.Forward(ref x[0], xSample, ref w[0], ref b[0], true, ref full[0], ySample, samples, length, n, k);
        for (int s = 0; s < samples; s++)
            for (int j = 0; j < ySample; j++)
            {
                int at = s * ySample + j;
                if (j < live[s] * n) Close(full[at], y[at], $"y[{s}, {j}]");
                else Assert.Equal(j < length * n ? 0f : 42f, y[at]);
            }
    }

    /// <summary>Live rows per sample for the live-row products: all of them, some, or none, in turn (half of one sample's
    /// rows when there is one).</summary>
    private static int[] LiveCounts(int samples, int length)
    {
        var live = new int[samples];
        for (int s = 0; s < samples; s++) live[s] = s % 3 == 0 ? length : s % 3 == 1 ? (s * 7) % length : 0;
        if (samples == 1) live[0] = length / 2;
        return live;
    }

    /// <summary>The live rows of each sample: up to its last id that is not the skipped one (one in the middle counts),
    /// 0 for nothing but that id; combined, the larger of two.</summary>
    [Fact]
    public void Live_rows_end_at_the_last_id_not_skipped()
    {
        float[] ids = [5, 0, 3, 0, 0, /* gap */ 9, 0, 0, 0, 0, 0, /* gap */ 9, 1, 2, 3, 4, 5, /* gap */ 9];
        var live = new int[3];
        SequenceGemm.LiveRows(ref ids[0], 6, 3, 5, 0f, live);
        Assert.Equal([3, 0, 5], live);
        float[] other = [7, 7, 7, 7, 2, 9, 7, 7, 7, 7, 7, 9, 2, 2, 2, 2, 2, 9];
        SequenceGemm.LiveRows(ref other[0], 6, 3, 5, 2f, live, combine: true);
        Assert.Equal([4, 5, 5], live);
    }
}
