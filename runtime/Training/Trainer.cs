using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Threading;

namespace NetCompiler;

/// <summary>Trains a network on a <see cref="Dataset"/>: epochs of seeded-shuffled mini-batches (the last one
/// partial), one optimizer update per batch with gradients averaged over it, a held-out evaluation after every
/// epoch, per-parameter gradient norms, and a stop with a clear message when the loss or a gradient stops being
/// finite or the loss grows by orders of magnitude. Cancellation is honoured between steps; <see cref="State"/> then
/// says where to resume, and a checkpoint of it continues bit-identically (see <see cref="Checkpoint"/>).</summary>
/// <example><code>
/// var net = new WideMlpNet(seed: 1);
/// var trainer = new Trainer(net, new Adam(1e-3f), new TrainerOptions { Epochs = 10, BatchSize = 128 });
/// trainer.EpochCompleted += r => Console.WriteLine($"epoch {r.Epoch}: test accuracy {r.Test?.Accuracy:P2}");
/// trainer.Fit(train, test);
/// </code></example>
public sealed class Trainer
{
    private readonly float[] _stepNorms;
    private readonly double[] _normSums;
    private readonly float[] _normMax;
    private LossGrowthCheck _lossGrowth;
    private int _zeroGradientSteps;
    // Made on the first Fit that splits batches and kept: its replicas (pinned, aligned workspaces) would otherwise be
    // made again by every Fit, and their garbage leaves gaps in the pinned heap that later aligned arrays fall into.
    private DataParallelGradients? _parallel;

    /// <summary>Consecutive updates whose every trainable gradient is exactly zero at a positive loss after which the
    /// run is stopped as saturated (see <see cref="CheckSaturation"/>).</summary>
    internal const int SaturatedSteps = 10;

    /// <summary>Creates a trainer for <paramref name="network"/> updated by <paramref name="optimizer"/>.</summary>
    public Trainer(INetwork network, Optimizer optimizer, TrainerOptions? options = null)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Options = options ?? new TrainerOptions();
        int count = network.Parameters.Layout.Count;
        _stepNorms = new float[count];
        _normSums = new double[count];
        _normMax = new float[count];
    }

    /// <summary>The network being trained.</summary>
    public INetwork Network { get; }

    /// <summary>The optimizer applying the updates.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Epochs, batch size, seed and execution path.</summary>
    public TrainerOptions Options { get; }

    // Where training stands, kept in fields so a step does not allocate a new TrainingState.
    private int _epoch, _batch;
    private double _epochLossSum;
    private long _epochSamples;

    /// <summary>Where the next <see cref="Fit"/> starts.</summary>
    public TrainingState State => new(_epoch, _batch, _epochLossSum, _epochSamples);

    /// <summary>Raised after every batch.</summary>
    public event Action<BatchProgress>? BatchCompleted;

    /// <summary>Raised after every epoch, once the held-out set is evaluated.</summary>
    public event Action<EpochReport>? EpochCompleted;

    /// <summary>Continues from a saved state (after loading the parameters and optimizer from a checkpoint).</summary>
    public void Restore(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (_epoch, _batch, _epochLossSum, _epochSamples) = (state.Epoch, state.Batch, state.EpochLossSum, state.EpochSamples);
    }

    /// <summary>Trains from <see cref="State"/> until <see cref="TrainerOptions.Epochs"/> epochs are done or
    /// <paramref name="cancellation"/> is signalled (the step in progress finishes first).</summary>
    /// <exception cref="ArgumentException">The datasets do not fit the network (feature count, labels vs targets), a
    /// batch would hold more values than one array can (the message gives the largest batch size that fits), or a
    /// restored <see cref="State"/> lies past the end of an epoch of <paramref name="train"/>.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient became NaN or infinite (the message names the
    /// parameter; the step was not applied), the running loss grew more than 10,000 times above the first batch's
    /// (the step was not applied), every gradient was exactly zero at a positive loss for
    /// <see cref="SaturatedSteps"/> updates in a row (a saturated network, which no update can change), or an update
    /// overflowed a parameter (named; the values are then not finite and the last checkpoint is the way back). <see cref="State"/> points at the failing batch.</exception>
    public TrainingResult Fit(Dataset train, Dataset? test = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException($"Dataset '{train.Name}' is empty.", nameof(train));
        var encoder = new BatchEncoder(Network, train);
        int batchSize = encoder.BatchRows(Options.BatchSize, nameof(TrainerOptions.BatchSize));
        if (test is not null) EvaluationRows(new BatchEncoder(Network, test));   // refuse before training, not after an epoch
        int batches = (train.Count + batchSize - 1) / batchSize;
        CheckStateFits(train, batchSize, batches);
        var inputs = new float[batchSize * encoder.InputSize];
        var targets = new float[batchSize * encoder.TargetSize];
        var order = new int[train.Count];
        var store = Network.Parameters;
        var reports = new List<EpochReport>();
        var parallel = Options.Threads > 1 && !Network.CouplesBatch ? _parallel ??= new DataParallelGradients(Network, Options.Path) : null;
        _lossGrowth.Restart();
        _zeroGradientSteps = 0;

        while (_epoch < Options.Epochs)
        {
            int epoch = _epoch;
            Shuffle(order, Options.Shuffle ? Options.Seed : (int?)null, epoch);
            Array.Clear(_normSums);
            Array.Clear(_normMax);
            int normSteps = 0;   // steps of this epoch run in this call (fewer than the epoch's after a resume)
            var clock = Stopwatch.StartNew();
            long samplesThisSession = 0;
            for (int b = _batch; b < batches; b++)
            {
                if (cancellation.IsCancellationRequested) return new TrainingResult(reports, Cancelled: true);
                int start = b * batchSize, count = Math.Min(batchSize, train.Count - start);
                encoder.Fill(order, start, count, inputs, targets);
                float loss = parallel is null
                    ? Network.ComputeGradients(Options.Path, inputs, targets, count)
                    : parallel.ComputeGradients(inputs, targets, count, Options.Threads);
                GradientNorms.PerParameter(store, _stepNorms);
                CheckFinite(loss, epoch, b);
                CheckLossGrowth(loss, epoch, b);
                CheckSaturation(loss, epoch, b);
                Optimizer.Step(store, _stepNorms);
                CheckUpdatedValues(epoch, b);
                for (int i = 0; i < _stepNorms.Length; i++)
                {
                    _normSums[i] += _stepNorms[i];
                    _normMax[i] = Math.Max(_normMax[i], _stepNorms[i]);
                }
                normSteps++;
                samplesThisSession += count;
                _batch = b + 1;
                _epochLossSum += (double)loss * count;
                _epochSamples += count;
                var elapsed = clock.Elapsed;
                BatchCompleted?.Invoke(new BatchProgress(epoch + 1, Options.Epochs, b + 1, batches, _epochSamples, train.Count,
                    _epochLossSum / _epochSamples, elapsed, samplesThisSession / Math.Max(elapsed.TotalSeconds, 1e-9)));
            }
            var duration = clock.Elapsed;
            var norms = new GradientNormReport[_stepNorms.Length];
            for (int i = 0; i < norms.Length; i++)
                norms[i] = new GradientNormReport(store.Layout[i].Name, normSteps == 0 ? 0 : _normSums[i] / normSteps, _normMax[i]);
            var report = new EpochReport(epoch + 1, _epochLossSum / _epochSamples, test is null ? null : Evaluate(test),
                duration, samplesThisSession / Math.Max(duration.TotalSeconds, 1e-9), norms);
            (_epoch, _batch, _epochLossSum, _epochSamples) = (epoch + 1, 0, 0, 0);
            reports.Add(report);
            EpochCompleted?.Invoke(report);
        }
        return new TrainingResult(reports, Cancelled: false);
    }

    /// <summary>A restored <see cref="State"/> must lie inside an epoch of <paramref name="train"/>: a checkpoint's state
    /// is checked on its own when it is loaded, but only here is the data known. Past the end, the epoch would be
    /// reported with the state's loss and counts (a progress fraction of millions of percent).</summary>
    private void CheckStateFits(Dataset train, int batchSize, int batches)
    {
        string? problem = _batch > batches
            ? $"is at batch {_batch} of epoch {_epoch + 1}, but an epoch of dataset '{train.Name}' ({train.Count} samples in batches of {batchSize}) has {batches}"
            : _epochSamples > train.Count
            ? $"has {_epochSamples} samples done in epoch {_epoch + 1}, but dataset '{train.Name}' has {train.Count}"
            : null;
        if (problem is not null)
            throw new ArgumentException(
                $"The trainer's state (see Restore) {problem}: was it saved while training on other data, or with another batch size? Nothing was trained.");
    }

    /// <summary>Mean loss and accuracy of the network over <paramref name="data"/> on the trainer's execution path
    /// (inference, then the definition's loss; no gradients are touched).</summary>
    public Evaluation Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var encoder = new BatchEncoder(Network, data);
        int batchSize = EvaluationRows(encoder);
        var inputs = new float[batchSize * encoder.InputSize];
        var targets = new float[batchSize * encoder.TargetSize];
        var outputs = new float[batchSize * encoder.OutputSize];
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            encoder.Fill(default, start, count, inputs, targets);
            Network.Infer(Options.Path, inputs, outputs, count);
            lossSum += BatchLoss(outputs, targets, count);
            correct += encoder.CountCorrect(outputs, start, count);
        }
        return new Evaluation(lossSum / data.Count, data.Labels is null ? double.NaN : (double)correct / data.Count, data.Count);
    }

    private int EvaluationRows(BatchEncoder encoder) => Options.EvaluationBatchSize > 0
        ? encoder.BatchRows(Options.EvaluationBatchSize, nameof(TrainerOptions.EvaluationBatchSize))
        : encoder.BatchRows(Options.BatchSize, nameof(TrainerOptions.BatchSize));

    /// <summary>Sum of per-sample losses from the definition's own loss method, evaluated eagerly on the outputs.</summary>
    private double BatchLoss(float[] outputs, float[] targets, int count)
    {
        using var _ = Tensor.NoGrad();
        var y = Tensor.FromBatch(outputs.AsSpan(0, count * Shapes.Size(Network.OutputShape)), count, Network.OutputShape);
        var t = Tensor.FromBatch(targets.AsSpan(0, count * Shapes.Size(Network.TargetShape)), count, Network.TargetShape);
        var loss = Network.InterpretLoss(y, t);
        double sum = 0;
        foreach (float v in loss.Values) sum += v;
        return loss.Batch == 0 ? sum * count : sum;
    }

    /// <summary>Epoch <paramref name="epoch"/>'s sample order: a Fisher-Yates shuffle seeded by (seed, epoch), or
    /// dataset order when <paramref name="seed"/> is null.</summary>
    internal static void Shuffle(int[] order, int? seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (seed is null) return;
        var rng = new Rng(((ulong)(uint)seed.Value << 32) ^ (uint)epoch ^ 0x5_4FF1_E5UL);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    private void CheckFinite(float loss, int epoch, int batch)
    {
        var layout = Network.Parameters.Layout;
        for (int i = 0; i < _stepNorms.Length; i++)
        {
            if (float.IsFinite(_stepNorms[i])) continue;
            string what = ContainsNaN(Network.Parameters.Gradients.AsSpan(layout[i].Offset, layout[i].Length)) ? "NaN" : "an infinite value";
            throw new TrainingDivergedException(
                $"Training diverged in epoch {epoch + 1}, batch {batch + 1} (update {Optimizer.StepCount + 1}): the gradient of '{layout[i].Name}' contains {what} " +
                $"(batch loss {loss}). The update was not applied. Lower the learning rate, or clip gradients with MaxGradientNorm.");
        }
        if (!float.IsFinite(loss))
            throw new TrainingDivergedException(
                $"Training diverged in epoch {epoch + 1}, batch {batch + 1} (update {Optimizer.StepCount + 1}): the batch loss is {loss}. " +
                "The update was not applied. Check the inputs and targets for NaN, or lower the learning rate.");
    }

    private void CheckLossGrowth(float loss, int epoch, int batch)
    {
        if (_lossGrowth.Observe(loss) is not { } growth) return;
        throw new TrainingDivergedException(
            $"Training diverged in epoch {epoch + 1}, batch {batch + 1} (update {Optimizer.StepCount + 1}): {growth}. The update was not applied. " +
            $"Lower the learning rate (now {Optimizer.LearningRate.At(Optimizer.StepCount):G3}), or clip gradients with MaxGradientNorm.");
    }

    /// <summary>A learning rate far too high can also end in silence rather than overflow: with sigmoid or tanh units
    /// (the seed-001 network under Adam at 1e6) the parameters reach millions, every activation is pinned at 0 or 1
    /// where its slope is exactly zero in float, and the loss stays at its chance value with every gradient exactly
    /// 0, so no later update can change anything and the run would "finish" at chance accuracy. A healthy run does
    /// not produce an exactly zero gradient for every parameter while its loss is above zero (a perfect fit has loss
    /// 0), let alone <see cref="SaturatedSteps"/> times in a row.</summary>
    private void CheckSaturation(float loss, int epoch, int batch)
    {
        var store = Network.Parameters;
        bool anyTrainable = false;
        for (int i = 0; i < _stepNorms.Length; i++)
        {
            if (store.IsFrozen(i)) continue;
            anyTrainable = true;
            if (_stepNorms[i] != 0f) { _zeroGradientSteps = 0; return; }
        }
        if (!anyTrainable || !(loss > 0f)) { _zeroGradientSteps = 0; return; }
        if (++_zeroGradientSteps < SaturatedSteps) return;
        throw new TrainingDivergedException(
            $"Training stalled in epoch {epoch + 1}, batch {batch + 1} (update {Optimizer.StepCount + 1}): every gradient has been exactly zero for " +
            $"{SaturatedSteps} updates in a row while the loss stayed at {loss:G3}. The network is saturated (its activations sit where their slope " +
            $"is zero), so no update can change it any more. Lower the learning rate (now {Optimizer.LearningRate.At(Optimizer.StepCount):G3}).");
    }

    /// <summary>Finite gradients can still overflow the parameters (a huge learning rate); stop at that update.</summary>
    private void CheckUpdatedValues(int epoch, int batch)
    {
        var store = Network.Parameters;
        for (int i = 0; i < store.Layout.Count; i++)   // not foreach: an interface enumerator would allocate every step
        {
            var p = store.Layout[i];
            if (float.IsFinite(TensorPrimitives.MaxMagnitude(store.Values.AsSpan(p.Offset, p.Length)))) continue;
            throw new TrainingDivergedException(
                $"Training diverged in epoch {epoch + 1}, batch {batch + 1} (update {Optimizer.StepCount}): the update made '{p.Name}' overflow to " +
                $"{(ContainsNaN(store.Values.AsSpan(p.Offset, p.Length)) ? "NaN" : "infinity")} although its gradient was finite. The parameters now hold " +
                "non-finite values: reload the last checkpoint, and lower the learning rate or clip gradients with MaxGradientNorm.");
        }
    }

    private static bool ContainsNaN(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (float.IsNaN(v)) return true;
        return false;
    }
}
