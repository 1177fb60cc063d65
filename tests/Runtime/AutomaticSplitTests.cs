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

/// <summary>A network trained a sample at a time (attention over 128 positions), with dropout on the attention weights:
/// each sample carries enough work for its batch to be split across the cores as a tiled network's is.</summary>
[Network]
public partial class PerSampleDropoutNet
{
    [Embedding(10, 64)] Embedding embed;
    [MultiHeadAttention(64, 4, Causal = true, Dropout = 0.2f)] MultiHeadAttention attn;
    [Dense(64, 3)] Dense head;

    [Forward] Tensor Forward([Shape(128)] Tokens ids) => head.Forward(Mean(attn.Forward(embed.Forward(ids)), 0));

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
        // Relative to the element, or to the largest one: a sum that cancels down to a small value (a bias gradient
        // over 70 x 128 positions) keeps the rounding of its large terms, whichever order adds them.
        Assert.Equal(expected.Length, actual.Length);
        float floor = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 2e-5f * Math.Max(Math.Abs(expected[i]), floor), $"{what} {i}: {expected[i]} vs {actual[i]}");
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

    [Theory]
    [InlineData("tiled")]
    [InlineData("per sample")]
    public void A_split_pass_gives_the_whole_batch_gradient_and_repeats_exactly(string kind)
    {
        (float Loss, float[] Gradients) Pass(int threads, INetwork net, float[] x, float[] t) =>
            OnThreads(threads, () => (net.ComputeGradients(x, t, Rows), net.Parameters.Gradients.ToArray()));
        INetwork Create() => kind == "tiled" ? new WideDropoutNet(seed: 4) : new PerSampleDropoutNet(seed: 4);

        var single = Create();
        var split = Create();
        var again = Create();
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
    public void A_split_per_sample_step_fuses_the_optimizer_into_the_combination_and_updates_as_the_whole_batch_does()
    {
        // The split step updates each slice of the combined gradients as it is summed (no Optimizer.Step afterwards):
        // values after two steps must be those of the unsplit step, the frozen layer untouched, and the optimizer's step
        // counted once per step. SGD with momentum, not Adam: the attention's key bias has a gradient of 0 in exact
        // arithmetic, so its computed gradient is rounding noise that Adam would scale up to a full step either way.
        (float[] Values, long Steps) Train(int threads)
        {
            var net = new PerSampleDropoutNet(seed: 3);
            net.Parameters.Freeze("embed");
            var (x, t) = Batch(net, 9);
            var optimizer = new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 0.01f };
            OnThreads(threads, () =>
            {
                for (int s = 0; s < 2; s++) _ = net.TrainStep(x, t, Rows, optimizer);
                return 0;
            });
            Assert.Equal(threads > 1, HasSplit(net));
            return (net.Parameters.Values.ToArray(), optimizer.StepCount);
        }
        var initial = new PerSampleDropoutNet(seed: 3).Parameters;
        var frozen = initial.Find("embed.weight");
        var one = Train(1);
        var two = Train(2);
        Assert.Equal(2, two.Steps);
        AssertClose(one.Values, two.Values, "value");
        Assert.Equal(FloatBits.Of(initial.Values.AsSpan(frozen.Offset, frozen.Length).ToArray()),
            FloatBits.Of(two.Values.AsSpan(frozen.Offset, frozen.Length).ToArray()));
        Assert.NotEqual(FloatBits.Of(initial.Values), FloatBits.Of(two.Values));
    }

    [Fact]
    public void Inference_a_sample_at_a_time_splits_the_batch_and_gives_the_same_bits()
    {
        float[] Outputs(int threads, INetwork net, float[] x)
        {
            var y = new float[Rows * 3];
            OnThreads(threads, () => { net.Infer(x, y, Rows); return 0; });
            return y;
        }
        var single = new PerSampleDropoutNet(seed: 8);
        var split = new PerSampleDropoutNet(seed: 8);
        var (x, _) = Batch(single, 5);
        var expected = Outputs(1, single, x);
        Assert.Equal(FloatBits.Of(expected), FloatBits.Of(Outputs(2, split, x)));
        Assert.True(HasSplit(split) && !HasSplit(single));
        Assert.Equal(FloatBits.Of(expected), FloatBits.Of(Outputs(2, split, x)));   // the replicas again
        Assert.Contains(expected, v => v != 0f);
    }

    [Fact]
    public void Inference_of_a_tiled_network_splits_a_batch_of_32_samples_per_core_and_agrees_to_rounding()
    {
        // The LSTM runs tiles of 32 samples; inference chunks need 16 (training's half tile), the wide MLP 32 (its
        // full tile of 128 capped at 32). 70 rows: two chunks of 35 on two threads.
        foreach (var (single, split) in new (INetwork, INetwork)[] { (new LstmSequenceNet(seed: 3), new LstmSequenceNet(seed: 3)), (new WideMlpNet(seed: 3), new WideMlpNet(seed: 3)) })
        {
            var (x, _) = Batch(single, 6);
            int outputs = Shapes.Size(single.OutputShape);
            float[] Outputs(int threads, INetwork net, int rows)
            {
                var y = new float[rows * outputs];
                OnThreads(threads, () => { net.Infer(x.AsSpan(0, rows * Shapes.Size(net.InputShape)), y, rows); return 0; });
                return y;
            }
            var expected = Outputs(1, single, Rows);
            var actual = Outputs(2, split, Rows);
            Assert.True(HasSplit(split) && !HasSplit(single), single.GetType().Name);
            AssertClose(expected, actual, $"{single.GetType().Name} output");
            Assert.Equal(FloatBits.Of(actual), FloatBits.Of(Outputs(2, split, Rows)));   // the replicas again: the same bits
            Assert.Contains(expected, v => v != 0f);
        }
        // A batch of fewer than two chunks' samples is not split: the products split over their columns instead.
        var small = new WideMlpNet(seed: 3);
        var (xs, _) = Batch(small, 7);
        OnThreads(2, () => { small.Infer(xs.AsSpan(0, 40 * 784), new float[40 * 10], 40); return 0; });
        Assert.False(HasSplit(small));
    }

    [Fact]
    public void A_small_network_trained_a_sample_at_a_time_is_never_split()
    {
        // Seed 000's whole batch costs less than a hand-off to another core.
        var net = new NetCompiler.Definitions.Seeds.XorNet(seed: 1);
        var (x, _) = Batch(net, 3);
        var t = x.Select((_, i) => (float)(i % 2)).Take(Rows).ToArray();
        OnThreads(2, () => net.ComputeGradients(x, t, Rows));
        OnThreads(2, () => { net.Infer(x, new float[Rows], Rows); return 0; });
        Assert.False(HasSplit(net));
    }

    [Fact]
    public void A_batch_of_one_tile_splits_where_the_work_per_parameter_repays_the_combination()
    {
        // 32 samples on two threads: the LSTM over 32 steps (one tile; a half tile's values are 10x its parameters)
        // splits into two chunks of 16; the wide MLP (0.025x, and a quarter of its 128-sample tile) stays whole, its
        // combination and update over 670K parameters costing more than the second core saves.
        bool Splits(INetwork net)
        {
            var rng = new Rng(4);
            var x = CompiledVsInterpretedTests.Inputs(net, 32, rng);
            var t = Enumerable.Range(0, 32).Select(_ => (float)rng.NextInt(3)).ToArray();
            OnThreads(2, () => net.ComputeGradients(x, t, 32));
            return HasSplit(net);
        }
        Assert.True(Splits(new LstmSequenceNet(seed: 1)));
        Assert.False(Splits(new WideMlpNet(seed: 1)));
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
