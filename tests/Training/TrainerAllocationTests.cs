using System;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>The compiled training loop allocates per epoch (buffers, the report), never per step: ten times the
/// batches must not cost more memory.</summary>
public class TrainerAllocationTests
{
    private static long AllocatedByOneEpoch(int batchSize, int threads)
    {
        var data = TrainingFixtures.Blobs("blobs", 640, seed: 3);
        var trainer = new Trainer(new ResidualMlpNet(seed: 1), new Adam(1e-3f) { MaxGradientNorm = 1f },
            new TrainerOptions { Epochs = 2, BatchSize = batchSize, Seed = 1, Threads = threads });
        var progress = 0;
        trainer.BatchCompleted += _ => progress++;
        trainer.Fit(data, null, default);   // warm up: JIT, optimizer state, worker threads
        // The least of a few measured epochs (Allocated.LeastOf): whatever a step allocates shows in every one of them
        // (a 24-byte object per step adds 3,600 bytes to the 160-step epoch). The one one-time site found in our code,
        // the CountdownEvent's lock object on the first blocking wait, is paid in DataParallelGradients' constructor.
        return Allocated.LeastOf(3, () =>
        {
            trainer.Restore(new TrainingState(1, 0, 0, 0));
            trainer.Fit(data);
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void An_epoch_of_many_small_batches_allocates_no_more_than_one_of_few_large_ones(int threads)
    {
        long few = AllocatedByOneEpoch(batchSize: 64, threads);    // 10 steps
        long many = AllocatedByOneEpoch(batchSize: 4, threads);    // 160 steps
        // Per-epoch buffers shrink with the batch; anything per step would add at least 150 x (a few bytes).
        Assert.True(many <= few + 512, $"160 steps allocated {many} bytes, 10 steps {few}");
    }

    [Fact]
    public void A_second_fit_on_two_threads_reuses_the_replicas_the_first_made()
    {
        // A replica is a network's worth of pinned workspaces and gradients (28 KB here); making them again in every
        // Fit also varied what a Fit allocated with the pinned heap's gaps (AlignedArrays' tries), which failed the
        // test above in CI.
        long one = AllocatedByOneEpoch(batchSize: 64, threads: 1);
        long two = AllocatedByOneEpoch(batchSize: 64, threads: 2);
        Assert.True(two <= one + 512, $"a Fit on two threads allocated {two} bytes, on one {one}");
    }
}
