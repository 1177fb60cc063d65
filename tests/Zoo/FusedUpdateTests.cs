using System;
using System.Linq;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Zoo;

/// <summary>A tiled network's <c>TrainStep(..., optimizer)</c> updates each parameter inside backward, as soon as
/// its gradient is final. That must change nothing but the timing: the same bits as ComputeGradients followed by
/// <see cref="Optimizer.Step(ParameterStore)"/>, for every rule, with weight decay, frozen parameters, several
/// tiles and a partial last tile, and with clipping (which cannot be fused and falls back to the separate step).</summary>
public class FusedUpdateTests
{
    public static TheoryData<string, int> Cases() => new()
    {
        { "sgd", 35 }, { "momentum", 70 }, { "nesterov", 1 }, { "adam", 35 }, { "adam", 64 }, { "adamw", 33 }, { "adam-clipped", 35 },
    };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f) { WeightDecay = 0.01f },
        "momentum" => new Sgd(0.05f, momentum: 0.9f),
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true) { WeightDecay = 0.01f },
        "adam" => new Adam(new CosineSchedule(0.01f, 10)),
        "adamw" => new AdamW(0.01f) { WeightDecay = 0.1f },
        "adam-clipped" => new Adam(0.01f) { MaxGradientNorm = 0.5f },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Fused_step_gives_the_same_bits_as_gradients_then_step(string kind, int batch)
    {
        var fused = new TiledOddNet(seed: 8);
        var separate = new TiledOddNet(seed: 8);
        fused.Parameters.Freeze("b");
        separate.Parameters.Freeze("b");
        Optimizer fusedOptimizer = Make(kind), separateOptimizer = Make(kind);
        var rng = new Rng((ulong)batch);
        var frozenBefore = fused.Parameters.GetValues("b.weight").ToArray();

        for (int step = 0; step < 4; step++)
        {
            var x = Enumerable.Range(0, batch * 37).Select(_ => rng.NextFloat() * 4 - 2).ToArray();
            var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
            FusedStep.AssertSameAsSeparate(fused, fusedOptimizer, separate, separateOptimizer, x, t, batch);
            Assert.Equal(step + 1, fusedOptimizer.StepCount);
        }
        Assert.Equal(frozenBefore, fused.Parameters.GetValues("b.weight").ToArray());
        Assert.NotEqual(FloatBits.Of(new TiledOddNet(seed: 8).Parameters.GetValues("a.weight").ToArray()), FloatBits.Of(fused.Parameters.GetValues("a.weight").ToArray()));
    }

    [Fact]
    public void Fused_updates_outside_a_fused_step_are_refused()
    {
        var net = new TiledOddNet(seed: 1);
        var adam = new Adam(0.01f);
        Assert.Throws<InvalidOperationException>(() => adam.UpdateFused(net.Parameters, 0));
        Assert.Throws<InvalidOperationException>(() => adam.EndFusedStep());
        Assert.True(adam.BeginFusedStep(net.Parameters));
        adam.UpdateFused(net.Parameters, 0);
        adam.EndFusedStep();
        Assert.Equal(1, adam.StepCount);
        Assert.Throws<InvalidOperationException>(() => adam.UpdateFused(net.Parameters, 0));
        Assert.False(new Adam(0.01f) { MaxGradientNorm = 1f }.BeginFusedStep(net.Parameters));
    }
}
