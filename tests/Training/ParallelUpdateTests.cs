using System;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>A parameter of 2^16 elements or more is updated on both cores (the worker pool). Elements are
/// independent, so every rule must give the same bits on two threads as on one, in Step and in a fused step, and in
/// a fused step held to one part (as generated code holds a weight whose dW product ran on one core).</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class ParallelUpdateTests
{
    public static TheoryData<string> Kinds() => new() { "sgd", "momentum", "adam", "adamw", "adam-bfloat16" };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f) { WeightDecay = 0.01f },
        "momentum" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(0.01f),
        "adamw" => new AdamW(0.01f) { WeightDecay = 0.1f },
        "adam-bfloat16" => new Adam(0.01f) { Moments = StatePrecision.BFloat16 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory, MemberData(nameof(Kinds))]
    public void Two_threads_give_the_bits_of_one(string kind)
    {
        Assert.True(200_003 >= Optimizer.ParallelUpdateMinimum);
        int saved = WorkerPool.Threads;
        try
        {
            var results = new int[3][];
            for (int run = 0; run < 3; run++)
            {
                WorkerPool.Threads = run == 0 ? 1 : 2;
                var store = TrainingFixtures.Store(("big", [200_003]), ("small", [7]));
                TrainingFixtures.Pattern(store.Count, 3).CopyTo(store.Values, 0);
                var optimizer = Make(kind);
                for (int step = 0; step < 3; step++)
                {
                    TrainingFixtures.Pattern(store.Count, 10 + step).CopyTo(store.Gradients, 0);
                    if (step == 1)
                    {
                        Assert.True(optimizer.BeginFusedStep(store));
                        optimizer.UpdateFused(store, 1);
                        if (run == 2) optimizer.UpdateFused(store, 0, parts: 1);
                        else optimizer.UpdateFused(store, 0);
                        optimizer.EndFusedStep();
                    }
                    else optimizer.Step(store);
                }
                results[run] = FloatBits.Of(store.Values);
            }
            Assert.Equal(results[0], results[1]);
            Assert.Equal(results[0], results[2]);
        }
        finally { WorkerPool.Threads = saved; }
    }
}
