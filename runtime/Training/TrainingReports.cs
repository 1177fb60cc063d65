using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>Reported after every training batch.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Batch">Batches done in this epoch, 1-based.</param>
/// <param name="BatchesPerEpoch">Batches in an epoch.</param>
/// <param name="EpochSamplesDone">Samples of this epoch done.</param>
/// <param name="EpochSamples">Samples in an epoch.</param>
/// <param name="Loss">Mean loss of the epoch so far.</param>
/// <param name="Elapsed">Time spent in this epoch so far (this session's part of it after a resume).</param>
/// <param name="SamplesPerSecond">Throughput of this epoch so far.</param>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int BatchesPerEpoch, long EpochSamplesDone,
    long EpochSamples, double Loss, TimeSpan Elapsed, double SamplesPerSecond);

/// <summary>Loss and accuracy of a network over a dataset.</summary>
/// <param name="Loss">Mean per-sample loss.</param>
/// <param name="Accuracy">Fraction classified correctly (NaN when the dataset has no labels).</param>
/// <param name="Samples">Samples evaluated.</param>
public readonly record struct Evaluation(double Loss, double Accuracy, int Samples);

/// <summary>The gradient norm of one parameter over an epoch: a vanishing gradient shows as a mean near zero in
/// the early layers, an exploding one as a large maximum (seed 002, 3.5).</summary>
/// <param name="Name">The parameter's definition name.</param>
/// <param name="Mean">Mean L2 norm of its gradient over the epoch's steps.</param>
/// <param name="Max">Largest L2 norm of its gradient in the epoch.</param>
public readonly record struct GradientNormReport(string Name, double Mean, double Max);

/// <summary>Reported at the end of every epoch.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (measured during the updates).</param>
/// <param name="Test">Evaluation on the held-out set, if one was given.</param>
/// <param name="Duration">Training time of the epoch (without evaluation; this session's part after a resume).</param>
/// <param name="SamplesPerSecond">Training throughput.</param>
/// <param name="GradientNorms">Per-parameter gradient norms over the epoch (this session's steps of it after a resume), in layout order.</param>
public sealed record EpochReport(int Epoch, double TrainLoss, Evaluation? Test, TimeSpan Duration, double SamplesPerSecond,
    IReadOnlyList<GradientNormReport> GradientNorms);

/// <summary>What <see cref="Trainer.Fit"/> did.</summary>
/// <param name="Epochs">Reports of the epochs completed in this call.</param>
/// <param name="Cancelled">True when cancellation stopped training before the last epoch ended; <see cref="Trainer.State"/>
/// then says where to resume.</param>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, bool Cancelled);

/// <summary>Thrown when the loss or a gradient becomes NaN or infinite (that step is not applied, so the parameters
/// are still the finite ones from before it), or when an update with finite gradients overflows a parameter (the
/// message says so; the parameters are then not finite and should be reloaded from the last checkpoint).</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
