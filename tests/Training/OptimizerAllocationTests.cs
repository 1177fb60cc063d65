using System;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>After the first step (which allocates the state), an optimizer step allocates nothing.</summary>
public class OptimizerAllocationTests
{
    public static TheoryData<string> Kinds() => new() { "adam", "adamw", "momentum", "nesterov", "sgd", "adam-clipped-frozen", "adam-bfloat16" };

    private static Optimizer Make(string kind) => kind switch
    {
        "adam" => new Adam(new CosineSchedule(0.001f, 1000)) { WeightDecay = 0.01f },
        "adamw" => new AdamW(new WarmupSchedule(10, 0.001f)) { WeightDecay = 0.01f },
        "momentum" => new Sgd(new StepSchedule(0.01f, 10, 0.5f), momentum: 0.9f),
        "nesterov" => new Sgd(0.01f, momentum: 0.9f, nesterov: true) { WeightDecay = 1e-4f },
        "sgd" => new Sgd(0.01f),
        "adam-clipped-frozen" => new Adam(0.001f) { MaxGradientNorm = 0.5f },
        "adam-bfloat16" => new AdamW(0.001f) { WeightDecay = 0.01f, Moments = StatePrecision.BFloat16 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory, MemberData(nameof(Kinds))]
    public void StepsAllocateNothingAfterTheFirst(string kind)
    {
        // About 10k floats, in parameters whose lengths leave scalar tails.
        var store = TrainingFixtures.Store(("embed.weight", [97, 64]), ("embed.bias", [97]), ("head.weight", [61, 59]), ("head.bias", [61]));
        Assert.InRange(store.Count, 9_000, 11_000);
        TrainingFixtures.Pattern(store.Count, 1).CopyTo(store.Values, 0);
        TrainingFixtures.Pattern(store.Count, 2).CopyTo(store.Gradients, 0);
        if (kind == "adam-clipped-frozen") store.Freeze("embed");
        var optimizer = Make(kind);
        for (int i = 0; i < 40; i++) optimizer.Step(store);   // allocates the state; JIT warm-up

        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < 100; i++) optimizer.Step(store); }));
        Assert.Equal(340, optimizer.StepCount);
        Assert.All(store.Values, v => Assert.True(float.IsFinite(v)));
    }
}
