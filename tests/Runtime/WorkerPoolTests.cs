using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>The worker pool and the parallel GEMM: every part runs exactly once, failures reach the caller,
/// concurrent callers (the pool busy) fall back to running their parts themselves, and a product split across
/// threads is bit-identical to the serial one.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class WorkerPoolTests
{
    private sealed class CountingWork(int parts) : IPartedWork
    {
        public readonly int[] Runs = new int[parts];
        public void RunPart(int part) => Interlocked.Increment(ref Runs[part]);
    }

    private sealed class FailingWork : IPartedWork
    {
        public void RunPart(int part) { if (part == 3) throw new InvalidOperationException("part 3 failed"); }
    }

    [Fact]
    public void Every_part_runs_exactly_once_even_with_many_callers()
    {
        Parallel.For(0, 8, _ =>
        {
            for (int job = 0; job < 300; job++)
            {
                var work = new CountingWork(1 + job % 7);
                WorkerPool.Run(work, work.Runs.Length);
                Assert.All(work.Runs, r => Assert.Equal(1, r));
            }
        });
    }

    [Fact]
    public void A_failing_part_reaches_the_caller_and_the_pool_keeps_working()
    {
        Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(new FailingWork(), 6));
        var work = new CountingWork(5);
        WorkerPool.Run(work, 5);
        Assert.All(work.Runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void Threads_below_one_are_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Threads = 0);

    [Fact]
    public void Threads_above_the_most_the_pool_counts_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Threads = WorkerPool.MaxThreads + 1);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Jobs_with_more_parts_than_home_parts_run_each_part_once(int threads)
    {
        int before = WorkerPool.Threads;
        WorkerPool.Threads = threads;
        try
        {
            foreach (int parts in new[] { 15, 16, 17, 40, 100 })
                for (int job = 0; job < 50; job++)
                {
                    var work = new CountingWork(parts);
                    WorkerPool.Run(work, parts);
                    Assert.All(work.Runs, r => Assert.Equal(1, r));
                }
        }
        finally { WorkerPool.Threads = before; }
    }

    [Fact]
    public void Each_thread_claims_its_own_part_first_then_the_lowest_free_one_then_the_counted_ones()
    {
        const int claimedCounterUnit = 1 << 16;
        Assert.Equal(0, WorkerPool.NextPart(0, parts: 2, home: 0));
        Assert.Equal(1, WorkerPool.NextPart(0, parts: 2, home: 1));
        Assert.Equal(0, WorkerPool.NextPart(0b10, parts: 2, home: 1));      // its own taken: the other one
        Assert.Equal(-1, WorkerPool.NextPart(0b11, parts: 2, home: 0));     // all taken
        Assert.Equal(0, WorkerPool.NextPart(0, parts: 1, home: 1));         // no part of its own in a one-part job
        Assert.Equal(2, WorkerPool.NextPart(0b011, parts: 20, home: 0));
        Assert.Equal(16, WorkerPool.NextPart(0xFFFF, parts: 20, home: 3));  // parts 0-15 taken: the counter's first
        Assert.Equal(18, WorkerPool.NextPart(0xFFFF + 2 * claimedCounterUnit, parts: 20, home: 3));
        Assert.Equal(-1, WorkerPool.NextPart(0xFFFF + 4 * claimedCounterUnit, parts: 20, home: 3));
        Assert.Equal(-1, WorkerPool.NextPart(unchecked((int)0xFFFF_FFFF), parts: 2, home: 0));  // a closed job
    }

    [Fact]
    public void A_parallel_threshold_below_one_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => TileGemm.ParallelThreshold = 0);


    [Theory]
    [InlineData(8, 64, 784, 2, 1)]     // small weights over a few rows: splits in inference only
    [InlineData(20, 128, 512, 2, 1)]   // a T5 feed-forward product over a 20-token sequence: the same
    [InlineData(1, 512, 784, 2, 2)]    // large weights: reading them is the cost, two cores read faster
    [InlineData(128, 64, 784, 2, 2)]   // small weights over many rows: enough work either way
    [InlineData(8, 64, 64, 1, 1)]      // below the threshold: never
    public void Inference_splits_a_forward_product_by_its_size_and_training_keeps_small_weights_on_one_core(
        int rows, int n, int k, int inferenceParts, int trainingParts)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 2;
            Assert.Equal(inferenceParts, TileGemm.ForwardParts(rows, n, k, fixedWeights: true));
            Assert.Equal(trainingParts, TileGemm.ForwardParts(rows, n, k, fixedWeights: false));
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void A_large_row_product_is_the_same_on_one_thread_and_on_the_pool()
    {
        // 515 x 130: above RowGemv's split limit, and neither a multiple of 16 outputs nor of a register of inputs.
        int n = 515, k = 130;
        Assert.True((long)n * k >= RowGemv.SplitMultiplyAdds);
        var w = RandomArrays.Uniform(n * k, 5);
        var x = RandomArrays.Uniform(k, 6);
        var b = RandomArrays.Uniform(n, 7);
        float[] Run(int threads)
        {
            WorkerPool.Threads = threads;
            var y = new float[n];
            RowGemv.Forward(ref w[0], ref x[0], ref b[0], true, ref y[0], n, k);
            return y;
        }
        int saved = WorkerPool.Threads;
        try { Assert.Equal(Run(1), Run(2)); }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void A_large_product_is_the_same_on_one_thread_and_on_the_pool()
    {
        // 37 x 522 x 530 multiply-adds is above the parallel threshold; 522 and 530 leave tails after the blocks.
        int rows = 37, n = 522, k = 530;
        Assert.True((long)rows * n * k >= TileGemm.ParallelThreshold);
        var x = RandomArrays.Uniform(rows * k, 1);
        var w = RandomArrays.Uniform(n * k, 2);
        var b = RandomArrays.Uniform(n, 3);
        var dz = RandomArrays.Uniform(rows * n, 4);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run()
        {
            var y = new float[rows * n];
            var dx = new float[rows * k];
            var dw = new float[n * k];
            var db = new float[n];
            TileGemm.Forward(ref x[0], k, ref w[0], ref b[0], true, ref y[0], n, rows, n, k);
            TileGemm.BackwardInput(ref dz[0], n, ref w[0], ref dx[0], k, rows, n, k);
            TileGemm.BackwardWeights(ref dz[0], n, ref x[0], k, ref dw[0], ref db[0], true, rows, n, k);
            return (y, dx, dw, db);
        }
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            var serial = Run();
            WorkerPool.Threads = 2;
            var parallel = Run();
            Assert.Equal(serial.Y, parallel.Y);
            Assert.Equal(serial.Dx, parallel.Dx);
            Assert.Equal(serial.Dw, parallel.Dw);
            Assert.Equal(serial.Db, parallel.Db);
            // ... and right: spot checks against double precision.
            for (int r = 0; r < rows; r += 9)
                for (int o = 0; o < n; o += 37)
                {
                    double sum = b[o];
                    for (int i = 0; i < k; i++) sum += (double)x[r * k + i] * w[o * k + i];
                    Assert.True(Math.Abs(sum - parallel.Y[r * n + o]) <= 1e-4 * (1 + Math.Abs(sum)), $"y[{r}, {o}]");
                }
        }
        finally { WorkerPool.Threads = saved; }
    }
}
