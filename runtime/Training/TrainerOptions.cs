using System;

namespace NetCompiler;

/// <summary>How a <see cref="Trainer"/> runs: epochs, batch size, shuffling seed, execution path and checks.</summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (the trainer stops after this many, counting epochs done before a resume).</summary>
    public int Epochs
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "Train for at least one epoch.");
    } = 1;

    /// <summary>Samples per mini-batch; the last batch of an epoch holds the remainder. A batch size above the training
    /// set's size means one batch of the whole set per epoch (as PyTorch's <c>DataLoader</c> without
    /// <c>drop_last</c>); <see cref="Trainer.Fit"/> refuses, with the largest size that fits, a batch whose inputs,
    /// targets or outputs would not fit in one array.</summary>
    public int BatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "The batch size must be positive.");
    } = 32;

    /// <summary>Seeds the per-epoch shuffle: epoch <c>e</c>'s order depends only on (seed, e), which is what makes
    /// a resumed run identical to an uninterrupted one.</summary>
    public int Seed { get; init; }

    /// <summary>Whether to shuffle the training set each epoch (seeded).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Compiled (default) or interpreted execution.</summary>
    public ExecutionPath Path { get; init; } = ExecutionPath.Compiled;

    /// <summary>Chunks each batch is split into (data parallel: the chunks are computed on replicas of the network on
    /// the <see cref="WorkerPool"/>'s threads, then the gradients are combined). 1 leaves the batch whole, as given to
    /// the network: the compiled path then still splits a large enough batch across <see cref="WorkerPool.Threads"/>
    /// on its own. What this option adds is a split of the interpreted path, or a fixed chunk count (whose results do
    /// not depend on the machine's cores). A network whose training couples the batch
    /// (<see cref="INetwork.CouplesBatch"/>, batch normalization) is never split.</summary>
    public int Threads
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "Use at least one thread.");
    } = 1;

    /// <summary>Batch size for evaluation (0 = <see cref="BatchSize"/>); limited like <see cref="BatchSize"/>.</summary>
    public int EvaluationBatchSize
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), value, "The evaluation batch size cannot be negative.");
    }
}
