namespace NetCompiler;

/// <summary>Where training stands: the epoch in progress (0-based), the next batch of that epoch, and the running
/// sums of the epoch's loss. Together with the parameters, the optimizer state and the shuffle seed it determines
/// the rest of the run, so a checkpoint stores it and <see cref="Trainer.Restore"/> continues from it.</summary>
/// <param name="Epoch">Epochs completed before the current one (0-based index of the epoch in progress).</param>
/// <param name="Batch">The next batch of that epoch to train (0 at the start of an epoch).</param>
/// <param name="EpochLossSum">Sum of per-sample losses over the batches of this epoch done so far.</param>
/// <param name="EpochSamples">Samples of this epoch done so far.</param>
public sealed record TrainingState(int Epoch, int Batch, double EpochLossSum, long EpochSamples)
{
    /// <summary>The start of training.</summary>
    public static TrainingState Start { get; } = new(0, 0, 0, 0);
}
