using System;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Training;

/// <summary>One input, 65,536 outputs, one-hot targets: 32,768 samples of it are more target values than one array
/// holds, while the dataset itself (one feature and one label per sample) is small.</summary>
[Network]
public partial class WideOutputNet
{
    [Dense(1, 65536)] Dense wide;

    [Forward] Tensor Forward([Shape(1)] Tensor x) => wide.Forward(x);
    [Loss] static Tensor Loss(Tensor y, Tensor target) => MeanSquaredError(y, target);
}

/// <summary>Softmax regression, 4 features to 3 classes: its logits are linear in the parameters, so even a runaway
/// learning rate leaves them finite for a long time.</summary>
[Network]
public partial class LinearSoftmaxNet
{
    [Dense(4, 3)] Dense linear;

    [Forward] Tensor Forward([Shape(4)] Tensor x) => linear.Forward(x);
    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>What the trainer does at the edges: batch sizes up to int.MaxValue, and a loss that runs away while
/// staying finite.</summary>
public class TrainerLimitsTests
{
    private static readonly Dataset Train = TrainingFixtures.Blobs("blobs train", 301, seed: 21);

    [Fact]
    public void ABatchSizeAboveTheTrainingSetIsOneBatchOfTheWholeSet()
    {
        Dataset test = TrainingFixtures.Blobs("blobs test", 50, seed: 22);
        (int[] Values, long Steps, double Accuracy) Run(int batchSize)
        {
            var net = new ResidualMlpNet(seed: 3);
            var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 2, BatchSize = batchSize, EvaluationBatchSize = batchSize, Seed = 5 });
            var result = trainer.Fit(Train, test);
            return (FloatBits.Of(net.Parameters.Values), trainer.Optimizer.StepCount, result.Epochs[^1].Test!.Value.Accuracy);
        }

        var whole = Run(Train.Count);
        var huge = Run(int.MaxValue);   // batchSize * features overflowed int before

        Assert.Equal(2, huge.Steps);
        Assert.Equal(whole.Values, huge.Values);
        Assert.Equal(whole.Accuracy, huge.Accuracy);
    }

    [Fact]
    public void ABatchTooLargeForOneArrayIsRefusedWithTheLimitBeforeAnyStep()
    {
        const int samples = 32_768;   // 32,768 x 65,536 = 2^31 target values
        var labels = new int[samples];
        for (int i = 0; i < samples; i++) labels[i] = i * 7 % 65536;
        var data = new Dataset("many classes", new float[samples], 1, labels, 65536);
        var net = new WideOutputNet(seed: 1);
        int[] before = FloatBits.Of(net.Parameters.Values);
        var trainer = new Trainer(net, new Sgd(0.1f), new TrainerOptions { BatchSize = samples });

        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(data));

        Assert.Contains("BatchSize 32768 is too large for WideOutputNet", e.Message);
        Assert.Contains("65,536 target values", e.Message);
        Assert.Contains("at most 32,767", e.Message);
        Assert.Equal(0, trainer.Optimizer.StepCount);
        Assert.Equal(before, FloatBits.Of(net.Parameters.Values));
        Assert.Contains("EvaluationBatchSize 40000", Assert.Throws<ArgumentException>(() =>
            new Trainer(net, new Sgd(0.1f), new TrainerOptions { BatchSize = 1, EvaluationBatchSize = 40_000 }).Evaluate(data)).Message);
        // A training batch that fits is still refused up front when the evaluation batch does not.
        var small = new Dataset("few", new float[4], 1, [1, 2, 3, 4], 65536);
        Assert.Throws<ArgumentException>(() =>
            new Trainer(net, new Sgd(0.1f), new TrainerOptions { BatchSize = 1, EvaluationBatchSize = samples }).Fit(small, data));
        Assert.Equal(before, FloatBits.Of(net.Parameters.Values));
    }

    [Theory]
    [InlineData(ExecutionPath.Compiled)]
    [InlineData(ExecutionPath.Interpreted)]
    public void ALossThatGrowsByOrdersOfMagnitudeStopsTrainingBeforeThatUpdate(ExecutionPath path)
    {
        // Adam's steps are bounded by the learning rate, so 1e6 moves the logits by about 1e6 per update without
        // overflowing anything: the loss runs away while every value stays finite.
        var net = new LinearSoftmaxNet(seed: 4);
        var trainer = new Trainer(net, new Adam(1e6f), new TrainerOptions { Epochs = 5, BatchSize = 16, Seed = 1, Path = path });
        int[] lastApplied = FloatBits.Of(net.Parameters.Values);
        trainer.BatchCompleted += _ => lastApplied = FloatBits.Of(net.Parameters.Values);

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Train));

        Assert.Contains("the loss grew from", e.Message);
        Assert.Contains("more than 10,000 times", e.Message);
        Assert.Contains("Lower the learning rate (now 1E+06)", e.Message);
        Assert.InRange(trainer.Optimizer.StepCount, 1, 10);
        Assert.Equal(lastApplied, FloatBits.Of(net.Parameters.Values));
        Assert.All(net.Parameters.Values, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>784 random pixels and a label per sample, for the seed-001 network.</summary>
    private static Dataset Pixels(int count)
    {
        var rng = new Rng(9);
        var features = new float[count * 784];
        for (int i = 0; i < features.Length; i++) features[i] = rng.NextFloat();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = rng.NextInt(10);
        return new Dataset("pixels", features, 784, labels, 10);
    }

    [Theory]
    [InlineData("adam", 1e6f)]
    [InlineData("sgd", 1e6f)]
    public void ASaturatedNetworkWhoseGradientsAreAllZeroIsStoppedNotReportedAsTrained(string optimizer, float rate)
    {
        // Sigmoid units and a quadratic cost: at 1e6 the parameters reach millions within a few updates, every
        // activation is exactly 0 or 1, every gradient exactly 0 and the loss stays at its chance value. Training
        // used to "finish" like that, at chance accuracy, and the main job saved it as a success.
        var net = new Seed001MnistNet(seed: 1);
        Optimizer o = optimizer == "adam" ? new Adam(rate) : new Sgd(rate);
        var trainer = new Trainer(net, o, new TrainerOptions { Epochs = 3, BatchSize = 10, Seed = 1 });

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Pixels(400)));

        Assert.Contains("Training stalled", e.Message);
        Assert.Contains("every gradient has been exactly zero for 10 updates in a row", e.Message);
        Assert.Contains("Lower the learning rate (now 1E+06)", e.Message);
        Assert.InRange(trainer.Optimizer.StepCount, 10, 40);
    }

    [Fact]
    public void AHealthyRunOfTheSameNetworkIsNotStopped()
    {
        var net = new Seed001MnistNet(seed: 1);
        var trainer = new Trainer(net, new Sgd(3f), new TrainerOptions { Epochs = 3, BatchSize = 10, Seed = 1 });
        Assert.Equal(3, trainer.Fit(Pixels(400)).Epochs.Count);
    }

    [Theory]
    [InlineData(100, 1000)]   // batch 100 of an epoch of 31 batches of 10
    [InlineData(1, 2_147_483_647)]   // more samples done than the dataset holds
    public void ARestoredStatePastTheEndOfAnEpochIsRefusedBeforeAnyStep(int batch, long samples)
    {
        // A checkpoint's state is checked on its own when loaded; only Fit knows the data. Past the end the epoch was
        // reported with the state's counts (samples 2^31 - 1: a progress bar of millions of percent, then an
        // ArgumentOutOfRangeException from string padding), or silently skipped.
        var net = new ResidualMlpNet(seed: 3);
        var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions { Epochs = 2, BatchSize = 10, Seed = 5 });
        trainer.Restore(new TrainingState(0, batch, 1.0, samples));
        int[] before = FloatBits.Of(net.Parameters.Values);
        int reports = 0;
        trainer.BatchCompleted += _ => reports++;
        trainer.EpochCompleted += _ => reports++;

        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(Train));

        Assert.Contains("The trainer's state", e.Message);
        Assert.Contains(batch == 100 ? "is at batch 100 of epoch 1, but an epoch of dataset 'blobs train' (301 samples in batches of 10) has 31"
            : "has 2147483647 samples done in epoch 1, but dataset 'blobs train' has 301", e.Message);
        Assert.Equal(0, reports);
        Assert.Equal(0, trainer.Optimizer.StepCount);
        Assert.Equal(before, FloatBits.Of(net.Parameters.Values));

        trainer.Restore(new TrainingState(0, 31, 1.0, 301));   // the end of the epoch is where it may stand
        trainer.Fit(Train);
        Assert.Equal(2, trainer.State.Epoch);
    }

    [Fact]
    public void NoiseOnANearZeroLossIsNotDivergence()
    {
        var check = new LossGrowthCheck();
        Assert.Null(check.Observe(1e-7f));   // a converged model, resumed
        for (int i = 0; i < 100; i++) Assert.Null(check.Observe(i % 10 == 0 ? 50f : 1e-3f));   // 5e8 times the first loss, but small
        Assert.NotNull(check.Observe(1e6f));   // the running mean passes 10,000 (the reference is at least 1)
        check.Restart();
        Assert.Null(check.Observe(1e6f));      // a new run starts from its own first loss
        Assert.Null(check.Observe(1e7f));
    }
}
