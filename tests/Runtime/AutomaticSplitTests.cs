using System;
using System.Linq;
using System.Reflection;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Training;
using NetCompiler.Tests.Zoo;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Runtime;

/// <summary>Dropout between two products wide enough to run in tiles: a network the compiled pass splits.</summary>
[Network]
public partial class WideDropoutNet
{
    [Dense(48, 96)] Dense wide;
    [Dense(96, 3)] Dense head;

    [Forward] Tensor Forward([Shape(48)] Tensor x) => head.Forward(Dropout(Gelu(wide.Forward(x)), 0.25f));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>A compiled training pass over a batch of at least a tile per core cuts it into one chunk per
/// <see cref="WorkerPool.Threads"/> on its own (<see cref="DataParallelGradients.AutomaticChunks"/>): the gradient, the
/// loss, the fused update and dropout's masks must be those of the whole batch on one thread, up to the order of the
/// chunk sums, and identical from run to run.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class AutomaticSplitTests
{
    private const int Rows = 70;   // three tiles of 32, cut into two chunks of 35 on two threads

    private static (float[] X, float[] T) Batch(INetwork net, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = CompiledVsInterpretedTests.Inputs(net, Rows, rng);
        return (x, Enumerable.Range(0, Rows).Select(_ => (float)rng.NextInt(3)).ToArray());
    }

    /// <summary>Whether <paramref name="net"/>'s compiled pass has split a batch (it made its chunk runner).</summary>
    private static bool HasSplit(INetwork net) =>
        net.GetType().GetField("_chunks", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(net) is not null;

    private static T OnThreads<T>(int threads, Func<T> run)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads;
            return run();
        }
        finally { WorkerPool.Threads = saved; }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 2e-5f * Math.Abs(expected[i]), $"{what} {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Chunks_follow_the_threads_and_never_nest()
    {
        OnThreads(2, () =>
        {
            Assert.Equal(2, DataParallelGradients.AutomaticChunks(64, 16));
            Assert.Equal(1, DataParallelGradients.AutomaticChunks(31, 16));   // not two half tiles: stays whole
            return 0;
        });
        Assert.Equal(1, OnThreads(1, () => DataParallelGradients.AutomaticChunks(1000, 16)));
    }

    [Fact]
    public void A_split_pass_gives_the_whole_batch_gradient_and_repeats_exactly()
    {
        (float Loss, float[] Gradients) Pass(int threads, WideDropoutNet net, float[] x, float[] t) =>
            OnThreads(threads, () => (net.ComputeGradients(x, t, Rows), net.Parameters.Gradients.ToArray()));

        var single = new WideDropoutNet(seed: 4);
        var split = new WideDropoutNet(seed: 4);
        var again = new WideDropoutNet(seed: 4);
        var (x, t) = Batch(single, 6);
        for (int step = 0; step < 2; step++)   // the second step draws new masks: the split must advance the step once
        {
            var expected = Pass(1, single, x, t);
            var actual = Pass(2, split, x, t);
            var repeated = Pass(2, again, x, t);
            Assert.Equal(expected.Loss, actual.Loss, 1e-5f);
            AssertClose(expected.Gradients, actual.Gradients, $"step {step}, gradient");
            Assert.Equal(FloatBits.Of(actual.Gradients), FloatBits.Of(repeated.Gradients));
            Assert.Equal(single.Parameters.RandomStep, split.Parameters.RandomStep);
        }
        Assert.True(HasSplit(split) && !HasSplit(single));
        Assert.Contains(split.Parameters.Gradients, g => g != 0f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_split_step_updates_as_the_whole_batch_does_and_leaves_frozen_parameters(bool withOptimizer)
    {
        float[] Step(int threads)
        {
            var net = new LeNet5(seed: 7);
            net.Parameters.Freeze("conv1");
            var (x, t) = Batch(net, 2);
            var momentum = new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 0.01f };
            OnThreads(threads, () =>
            {
                for (int s = 0; s < 3; s++)
                    _ = withOptimizer ? net.TrainStep(x, t, Rows, momentum) : net.TrainStep(x, t, Rows, 0.05f);
                return 0;
            });
            Assert.Equal(threads > 1, HasSplit(net));
            return net.Parameters.Values.ToArray();
        }
        var initial = new LeNet5(seed: 7).Parameters;
        var frozen = initial.Find("conv1.weight");
        var one = Step(1);
        var two = Step(2);
        AssertClose(one, two, "value");
        Assert.Equal(FloatBits.Of(initial.Values.AsSpan(frozen.Offset, frozen.Length).ToArray()),
            FloatBits.Of(two.AsSpan(frozen.Offset, frozen.Length).ToArray()));
        Assert.NotEqual(FloatBits.Of(initial.Values), FloatBits.Of(two));
    }

    [Fact]
    public void A_network_with_batch_normalization_is_never_split()
    {
        // Its batch statistics couple the samples: a split would change the result, so the bits must match one thread.
        float[] Gradients(int threads)
        {
            var net = new RegularizedMlpNet(3);
            var (x, t) = Batch(net, 9);
            OnThreads(threads, () => net.ComputeGradients(x, t, Rows));
            Assert.False(HasSplit(net));
            return net.Parameters.Gradients.ToArray();
        }
        Assert.Equal(FloatBits.Of(Gradients(1)), FloatBits.Of(Gradients(2)));
    }
}
