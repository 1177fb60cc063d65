using System;
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
