using System;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>Data-parallel gradients: replicas share values, and the combined gradient of a batch split across
/// threads is the single-thread batch-mean gradient (up to summation order).</summary>
public class DataParallelTests
{
    private static (float[] Inputs, float[] Targets) Batch(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count * 4];
        var t = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < count; i++) t[i] = rng.Next(3);
        return (x, t);
    }

    [Fact]
    public void A_replica_shares_values_but_not_gradients()
    {
        var net = new ResidualMlpNet(seed: 2);
        var replica = net.CreateReplica();
        Assert.Same(net.Parameters.Values, replica.Parameters.Values);
        Assert.NotSame(net.Parameters.Gradients, replica.Parameters.Gradients);
        var (x, t) = Batch(3, 1);
        replica.ComputeGradients(x, t, 3);
        Assert.All(net.Parameters.Gradients, g => Assert.Equal(0f, g));
        Assert.Contains(replica.Parameters.Gradients, g => g != 0f);
    }

    [Theory]
    [InlineData(ExecutionPath.Compiled, 2, 7)]
    [InlineData(ExecutionPath.Compiled, 3, 16)]
    [InlineData(ExecutionPath.Compiled, 4, 2)]     // fewer samples than threads
    [InlineData(ExecutionPath.Interpreted, 2, 9)]
    public void Split_batches_give_the_batch_mean_gradient(ExecutionPath path, int threads, int count)
    {
        var single = new ResidualMlpNet(seed: 5);
        var split = new ResidualMlpNet(seed: 5);
        var (x, t) = Batch(count, 3);
        float expectedLoss = single.ComputeGradients(path, x, t, count);
        var parallel = new DataParallelGradients(split, path);
        for (int repeat = 0; repeat < 3; repeat++)
        {
            float loss = parallel.ComputeGradients(x, t, count, threads);
            Assert.Equal(expectedLoss, loss, 1e-5f);
            for (int i = 0; i < single.Parameters.Count; i++)
                Assert.True(Math.Abs(single.Parameters.Gradients[i] - split.Parameters.Gradients[i]) <= 1e-6f + 1e-5f * Math.Abs(single.Parameters.Gradients[i]),
                    $"gradient {i}: {single.Parameters.Gradients[i]} vs {split.Parameters.Gradients[i]}");
        }
    }

    [Fact]
    public void A_worker_failure_reaches_the_caller_and_the_pool_keeps_working()
    {
        var net = new ResidualMlpNet(seed: 1);
        var parallel = new DataParallelGradients(net, ExecutionPath.Compiled);
        var (x, t) = Batch(4, 4);
        var bad = (float[])t.Clone();
        bad[3] = 7;   // a class index out of range, in the second thread's chunk
        Assert.Throws<ArgumentOutOfRangeException>(() => parallel.ComputeGradients(x, bad, 4, 2));
        float loss = parallel.ComputeGradients(x, t, 4, 2);
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void Training_on_two_threads_is_deterministic()
    {
        float[] Train()
        {
            var net = new ResidualMlpNet(seed: 9);
            var (x, t) = Batch(64, 8);
            var data = new Dataset("blobs", x, 4, Array.ConvertAll(t, v => (int)v), 3);
            new Trainer(net, new Adam(1e-2f), new TrainerOptions { Epochs = 2, BatchSize = 10, Threads = 2, Seed = 3 }).Fit(data);
            return net.Parameters.Values;
        }
        Assert.Equal(Train(), Train());
    }
}
