using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetCompiler.Definitions.Zoo;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Training;

/// <summary>The trainer on a small synthetic task (three Gaussian blobs in 4-D, <see cref="ResidualMlpNet"/>): it
/// learns on both execution paths, does exactly one update per (possibly partial) batch, shuffles by seed, evaluates
/// consistently, reports gradient norms, rejects mismatched data, stops cleanly on divergence and on cancellation.</summary>
public class TrainerTests
{
    private static readonly Dataset Train = TrainingFixtures.Blobs("blobs train", 301, seed: 21);
    private static readonly Dataset Test = TrainingFixtures.Blobs("blobs test", 150, seed: 22);

    public static TheoryData<ExecutionPath> Paths() => new() { ExecutionPath.Compiled, ExecutionPath.Interpreted };

    [Theory, MemberData(nameof(Paths))]
    public void LearnsTheBlobsOnBothPaths(ExecutionPath path)
    {
        var net = new ResidualMlpNet(seed: 1);
        var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 6, BatchSize = 16, Seed = 4, Path = path });
        double before = trainer.Evaluate(Test).Accuracy;
        var epochs = new List<EpochReport>();
        trainer.EpochCompleted += epochs.Add;

        var result = trainer.Fit(Train, Test);

        Assert.False(result.Cancelled);
        Assert.Equal(6, result.Epochs.Count);
        Assert.Equal(result.Epochs, epochs);
        Assert.Equal([1, 2, 3, 4, 5, 6], result.Epochs.Select(e => e.Epoch));
        var last = result.Epochs[^1];
        Assert.NotNull(last.Test);
        Assert.True(last.Test!.Value.Accuracy >= 0.95, $"{path}: test accuracy {last.Test.Value.Accuracy:P1} (before training {before:P1})");
        Assert.True(last.TrainLoss < result.Epochs[0].TrainLoss, $"{path}: train loss {result.Epochs[0].TrainLoss} -> {last.TrainLoss}");
        Assert.True(before < 0.9, $"the task must not be solved before training (accuracy {before:P1})");
        Assert.Equal(6 * 19, trainer.Optimizer.StepCount);
        Assert.Equal(new TrainingState(6, 0, 0, 0), trainer.State);
        Assert.Empty(trainer.Fit(Train).Epochs);   // nothing left to do
    }

    [Fact]
    public void ThePartialLastBatchIsTrainedOnceAndCounted()
    {
        var net = new ResidualMlpNet(seed: 2);
        var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 9 });
        var progress = new List<BatchProgress>();
        trainer.BatchCompleted += progress.Add;

        trainer.Fit(Train);

        int batches = (Train.Count + 31) / 32;
        Assert.Equal(10, batches);
        Assert.Equal(2 * batches, progress.Count);
        Assert.Equal(2 * batches, trainer.Optimizer.StepCount);
        for (int e = 0; e < 2; e++)
        {
            var epoch = progress.Skip(e * batches).Take(batches).ToList();
            Assert.All(epoch, p => Assert.Equal(e + 1, p.Epoch));
            Assert.Equal(Enumerable.Range(1, batches), epoch.Select(p => p.Batch));
            Assert.All(epoch, p => Assert.Equal(batches, p.BatchesPerEpoch));
            Assert.All(epoch, p => Assert.Equal(Train.Count, p.EpochSamples));
            Assert.Equal(Enumerable.Range(1, batches).Select(b => (long)Math.Min(b * 32, Train.Count)), epoch.Select(p => p.EpochSamplesDone));
            Assert.All(epoch, p => Assert.True(double.IsFinite(p.Loss) && p.Loss > 0));
            Assert.All(epoch, p => Assert.Equal(2, p.Epochs));
        }
    }

    [Fact]
    public void WithoutShufflingTheTrainerIsOneOptimizerStepPerBatchInOrder()
    {
        // The same updates done by hand: batches of 32 in dataset order, the last one holding the 13 left over.
        var trained = new ResidualMlpNet(seed: 5);
        var trainer = new Trainer(trained, new AdamW(0.01f) { WeightDecay = 0.05f }, new TrainerOptions { Epochs = 2, BatchSize = 32, Shuffle = false });
        var reports = trainer.Fit(Train).Epochs;

        var byHand = new ResidualMlpNet(seed: 5);
        var optimizer = new AdamW(0.01f) { WeightDecay = 0.05f };
        for (int epoch = 0; epoch < 2; epoch++)
        {
            double lossSum = 0;
            for (int start = 0; start < Train.Count; start += 32)
            {
                int count = Math.Min(32, Train.Count - start);
                var x = Train.Features.AsSpan(start * 4, count * 4).ToArray();
                var t = Train.Labels!.AsSpan(start, count).ToArray().Select(l => (float)l).ToArray();
                lossSum += (double)byHand.ComputeGradients(x, t, count) * count;
                optimizer.Step(byHand.Parameters);
            }
            Assert.Equal(lossSum / Train.Count, reports[epoch].TrainLoss, 12);
        }
        Assert.Equal(FloatBits.Of(byHand.Parameters.Values), FloatBits.Of(trained.Parameters.Values));
    }

    [Fact]
    public void ShufflingIsSeeded()
    {
        float[] Run(int seed, bool shuffle = true)
        {
            var net = new ResidualMlpNet(seed: 3);
            new Trainer(net, new Sgd(0.05f, momentum: 0.9f), new TrainerOptions { Epochs = 2, BatchSize = 20, Seed = seed, Shuffle = shuffle }).Fit(Train);
            return net.Parameters.Values.ToArray();
        }

        Assert.Equal(FloatBits.Of(Run(7)), FloatBits.Of(Run(7)));
        Assert.NotEqual(FloatBits.Of(Run(7)), FloatBits.Of(Run(8)));
        Assert.Equal(FloatBits.Of(Run(7, shuffle: false)), FloatBits.Of(Run(8, shuffle: false)));
        Assert.NotEqual(FloatBits.Of(Run(7)), FloatBits.Of(Run(7, shuffle: false)));
    }

    [Fact]
    public void EachEpochHasItsOwnSeededPermutation()
    {
        int[] Order(int? seed, int epoch)
        {
            var order = new int[101];
            Trainer.Shuffle(order, seed, epoch);
            return order;
        }

        Assert.Equal(Enumerable.Range(0, 101), Order(null, 3));
        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(Enumerable.Range(0, 101), Order(7, epoch).OrderBy(i => i));
            Assert.Equal(Order(7, epoch), Order(7, epoch));
            Assert.NotEqual(Enumerable.Range(0, 101), Order(7, epoch));
        }
        Assert.NotEqual(Order(7, 0), Order(7, 1));
        Assert.NotEqual(Order(7, 1), Order(7, 2));
        Assert.NotEqual(Order(7, 0), Order(8, 0));
    }

    [Theory, MemberData(nameof(Paths))]
    public void EvaluateMatchesAManualComputation(ExecutionPath path)
    {
        var net = new ResidualMlpNet(seed: 6);
        var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 1, BatchSize = 16, Seed = 1, Path = path, EvaluationBatchSize = 7 });
        trainer.Fit(Train);

        var evaluation = trainer.Evaluate(Test);

        var logits = new float[Test.Count * 3];
        net.Infer(Test.Features, logits, Test.Count);
        var (loss, accuracy) = TrainingFixtures.CrossEntropyAndAccuracy(logits, Test.Labels!, 3);
        Assert.Equal(Test.Count, evaluation.Samples);
        Assert.True(Math.Abs(evaluation.Loss - loss) <= 1e-5 * loss, $"{path}: loss {evaluation.Loss}, by hand {loss}");
        Assert.Equal(accuracy, evaluation.Accuracy, 12);
        Assert.InRange(evaluation.Accuracy, 0.5, 1.0);   // a trained network; a wrong label order would be near chance

        // The evaluation batch size only groups the work.
        var whole = new Trainer(net, new Adam(0.01f), new TrainerOptions { Path = path, BatchSize = 1000 }).Evaluate(Test);
        Assert.Equal(evaluation.Accuracy, whole.Accuracy);
        Assert.Equal(evaluation.Loss, whole.Loss, 9);
    }

    [Fact]
    public void EvaluateTouchesNeitherParametersNorGradients()
    {
        var net = new ResidualMlpNet(seed: 6);
        TrainingFixtures.Pattern(net.Parameters.Count, 4).CopyTo(net.Parameters.Gradients, 0);
        var values = FloatBits.Of(net.Parameters.Values);
        var gradients = FloatBits.Of(net.Parameters.Gradients);
        var optimizer = new Adam(0.01f);
        new Trainer(net, optimizer).Evaluate(Test);
        Assert.Equal(values, FloatBits.Of(net.Parameters.Values));
        Assert.Equal(gradients, FloatBits.Of(net.Parameters.Gradients));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void EpochReportsListTheGradientNormOfEveryParameter()
    {
        var net = new ResidualMlpNet(seed: 8);
        var trainer = new Trainer(net, new Sgd(0.05f), new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 2 });
        var reports = trainer.Fit(Train).Epochs;
        foreach (var report in reports)
        {
            Assert.Equal(net.Parameters.Layout.Select(p => p.Name), report.GradientNorms.Select(g => g.Name));
            foreach (var g in report.GradientNorms)
            {
                Assert.True(double.IsFinite(g.Mean) && g.Mean > 0, $"epoch {report.Epoch} {g.Name}: mean {g.Mean}");
                Assert.True(double.IsFinite(g.Max) && g.Max >= g.Mean, $"epoch {report.Epoch} {g.Name}: max {g.Max} < mean {g.Mean}");
            }
        }
    }

    [Fact]
    public void WithOneBatchPerEpochTheReportedNormIsThatOfTheFullBatchGradient()
    {
        var data = TrainingFixtures.Blobs("one batch", 40, seed: 31);
        var net = new ResidualMlpNet(seed: 9);
        var reference = new ResidualMlpNet(seed: 9);
        var trainer = new Trainer(net, new Sgd(0.05f), new TrainerOptions { Epochs = 1, BatchSize = 64, Shuffle = false });
        var report = trainer.Fit(data).Epochs.Single();

        reference.ComputeGradients(data.Features, data.Labels!.Select(l => (float)l).ToArray(), data.Count);
        foreach (var (p, g) in reference.Parameters.Layout.Zip(report.GradientNorms))
        {
            double sum = 0;
            foreach (float v in reference.Parameters.GetGradients(p.Name)) sum += (double)v * v;
            double expected = Math.Sqrt(sum);
            Assert.Equal(p.Name, g.Name);
            Assert.True(Math.Abs(g.Mean - expected) <= 1e-5 * expected, $"{p.Name}: reported mean {g.Mean}, expected {expected}");
            Assert.True(Math.Abs(g.Max - expected) <= 1e-5 * expected, $"{p.Name}: reported max {g.Max}, expected {expected}");
        }
    }

    [Fact]
    public void ADatasetWithTheWrongFeatureCountIsRejectedByName()
    {
        var net = new ResidualMlpNet(seed: 1);
        var optimizer = new Adam(0.01f);
        var trainer = new Trainer(net, optimizer);
        var values = FloatBits.Of(net.Parameters.Values);
        var narrow = new Dataset("three-feature set", new float[30], 3, new int[10], 3);

        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(narrow));
        Assert.Contains("ResidualMlpNet", e.Message, StringComparison.Ordinal);
        Assert.Contains("three-feature set", e.Message, StringComparison.Ordinal);
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);

        // A bad held-out set is caught before any training.
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(Train, narrow));
        Assert.Contains("three-feature set", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(values, FloatBits.Of(net.Parameters.Values));

        Assert.Throws<ArgumentException>(() => trainer.Evaluate(narrow));
        var tooManyClasses = new Dataset("five classes", new float[20], 4, [0, 1, 2, 3, 4], 5);
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(tooManyClasses));
        Assert.Contains("five classes", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => trainer.Fit(new Dataset("empty", Array.Empty<float>(), 4, Array.Empty<int>(), 3)));
    }

    [Theory, MemberData(nameof(Paths))]
    public void NaNInputsStopTrainingBeforeTheFailingUpdate(ExecutionPath path)
    {
        var features = (float[])Train.Features.Clone();
        features[40 * 4 + 2] = float.NaN;   // sample 40: the third batch of 16 when not shuffled
        var data = new Dataset("poisoned", features, 4, Train.Labels!, 3);
        var net = new ResidualMlpNet(seed: 4);
        var optimizer = new Adam(0.01f);
        var trainer = new Trainer(net, optimizer, new TrainerOptions { Epochs = 1, BatchSize = 16, Shuffle = false, Path = path });
        var snapshots = new List<int[]> { FloatBits.Of(net.Parameters.Values) };
        trainer.BatchCompleted += _ => snapshots.Add(FloatBits.Of(net.Parameters.Values));

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));

        Assert.True(net.Parameters.Layout.Any(p => e.Message.Contains($"'{p.Name}'", StringComparison.Ordinal)) || e.Message.Contains("loss", StringComparison.Ordinal),
            e.Message);
        Assert.Contains("batch 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(2, optimizer.StepCount);
        Assert.Equal(snapshots[^1], FloatBits.Of(net.Parameters.Values));
        Assert.All(net.Parameters.Values, v => Assert.True(float.IsFinite(v)));
        Assert.All(optimizer.GetState(0), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(2, trainer.State.Batch);
    }

    [Fact]
    public void AHugeLearningRateStopsTrainingWithFiniteParameters()
    {
        var net = new ResidualMlpNet(seed: 4);
        var optimizer = new Sgd(1e9f);
        var trainer = new Trainer(net, optimizer, new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 1 });
        int[] lastGood = FloatBits.Of(net.Parameters.Values);
        trainer.BatchCompleted += _ => lastGood = FloatBits.Of(net.Parameters.Values);

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Train));

        Assert.True(net.Parameters.Layout.Any(p => e.Message.Contains($"'{p.Name}'", StringComparison.Ordinal)) || e.Message.Contains("loss", StringComparison.Ordinal),
            e.Message);
        Assert.InRange(optimizer.StepCount, 1, 10);
        Assert.Equal(lastGood, FloatBits.Of(net.Parameters.Values));
        Assert.All(net.Parameters.Values, v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void AnUpdateThatOverflowsTheParametersStopsAtThatUpdateNamingTheParameter()
    {
        // Inputs of magnitude ~100 give gradients above 1, so lr = float.MaxValue overflows the first update while the
        // loss and gradients of that batch are finite: the trainer must stop right there, not one step later.
        var features = Train.Features.Select(v => v * 100f).ToArray();
        var data = new Dataset("scaled", features, 4, Train.Labels!, 3);
        var net = new ResidualMlpNet(seed: 4);
        var trainer = new Trainer(net, new Sgd(float.MaxValue), new TrainerOptions { Epochs = 1, BatchSize = 16, Shuffle = false });

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));

        Assert.Equal(1, trainer.Optimizer.StepCount);
        Assert.Contains("batch 1 (update 1)", e.Message);
        Assert.Contains("overflow", e.Message);
        string named = net.Parameters.Layout.Select(p => p.Name).First(n => e.Message.Contains($"'{n}'"));
        Assert.Contains(net.Parameters.GetValues(named).ToArray(), v => !float.IsFinite(v));
        Assert.Equal(new TrainingState(0, 0, 0, 0), trainer.State);
    }

    [Fact]
    public void CancellingFromTheBatchHandlerStopsAfterThatStep()
    {
        var net = new ResidualMlpNet(seed: 4);
        var optimizer = new Adam(0.01f);
        var trainer = new Trainer(net, optimizer, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 1 });
        using var cts = new CancellationTokenSource();
        var progress = new List<BatchProgress>();
        int[]? atCancel = null;
        trainer.BatchCompleted += p =>
        {
            progress.Add(p);
            if (p.Epoch == 2 && p.Batch == 4) { cts.Cancel(); atCancel = FloatBits.Of(net.Parameters.Values); }
        };
        var epochs = new List<EpochReport>();
        trainer.EpochCompleted += epochs.Add;

        var result = trainer.Fit(Train, Test, cts.Token);

        Assert.True(result.Cancelled);
        Assert.Single(result.Epochs);
        Assert.Single(epochs);
        Assert.Equal(10 + 4, progress.Count);
        Assert.Equal(14, optimizer.StepCount);
        Assert.Equal(atCancel, FloatBits.Of(net.Parameters.Values));
        Assert.Equal(1, trainer.State.Epoch);
        Assert.Equal(4, trainer.State.Batch);
        Assert.Equal(128, trainer.State.EpochSamples);
        Assert.Equal(progress[^1].Loss * 128, trainer.State.EpochLossSum, 9);

        // Fitting again continues with batch 5 of epoch 2 and finishes the run.
        progress.Clear();
        var rest = trainer.Fit(Train, Test);
        Assert.False(rest.Cancelled);
        Assert.Equal([2, 3], rest.Epochs.Select(r => r.Epoch));
        Assert.Equal(5, progress[0].Batch);
        Assert.Equal(2, progress[0].Epoch);
        Assert.Equal(6 + 10, progress.Count);
        Assert.Equal(30, optimizer.StepCount);
    }

    [Fact]
    public void CancellingOnTheLastBatchOfAnEpochCompletesThatEpoch()
    {
        var net = new ResidualMlpNet(seed: 4);
        var trainer = new Trainer(net, new Sgd(0.05f), new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 1 });
        using var cts = new CancellationTokenSource();
        trainer.BatchCompleted += p => { if (p.Epoch == 1 && p.Batch == p.BatchesPerEpoch) cts.Cancel(); };

        var result = trainer.Fit(Train, null, cts.Token);

        Assert.True(result.Cancelled);
        Assert.Single(result.Epochs);
        Assert.Equal(new TrainingState(1, 0, 0, 0), trainer.State);
        Assert.Equal(10, trainer.Optimizer.StepCount);
    }

    [Fact]
    public void AnAlreadyCancelledTokenTrainsNothing()
    {
        var net = new ResidualMlpNet(seed: 4);
        var values = FloatBits.Of(net.Parameters.Values);
        var trainer = new Trainer(net, new Sgd(0.05f));
        var result = trainer.Fit(Train, null, new CancellationToken(canceled: true));
        Assert.True(result.Cancelled);
        Assert.Empty(result.Epochs);
        Assert.Equal(TrainingState.Start, trainer.State);
        Assert.Equal(values, FloatBits.Of(net.Parameters.Values));
    }

    [Fact]
    public void OptionsRejectInvalidValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { Epochs = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { BatchSize = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { EvaluationBatchSize = -1 });
        Assert.Throws<ArgumentNullException>(() => new Trainer(null!, new Sgd(0.1f)));
        Assert.Throws<ArgumentNullException>(() => new Trainer(new ResidualMlpNet(), null!));
        Assert.Throws<ArgumentNullException>(() => new Trainer(new ResidualMlpNet(), new Sgd(0.1f)).Restore(null!));
    }
}
