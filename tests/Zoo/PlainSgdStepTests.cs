using System;
using System.Linq;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The plain-SGD <c>TrainStep(..., learningRate)</c>: the generated one updates parameters inline (one
/// constant-length loop per parameter) and must do what the interpreted one does, p -= lr * grad, skipping
/// frozen parameters, for a per-sample network and a tiled one.</summary>
public class PlainSgdStepTests
{
    [Fact]
    public void Per_sample_network_matches_the_interpreter_and_leaves_frozen_parameters_alone()
    {
        var compiled = new Seed000Net();
        var interpreted = new Seed000Net();
        compiled.Parameters.Freeze("hidden.bias");
        interpreted.Parameters.Freeze("hidden.bias");
        float[] x = [0.7f, 0.8f, -0.3f, 0.1f], t = [1f, 0f];
        AssertSameSteps(compiled, interpreted, x, t, batch: 2, "hidden.bias");
    }

    [Fact]
    public void Tiled_network_matches_the_interpreter_and_leaves_frozen_parameters_alone()
    {
        var compiled = new TiledOddNet(seed: 5);
        var interpreted = new TiledOddNet(seed: 5);
        compiled.Parameters.Freeze("a");
        interpreted.Parameters.Freeze("a");
        var rng = new Rng(11);
        var x = Enumerable.Range(0, 35 * 37).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, 35).Select(_ => (float)rng.NextInt(3)).ToArray();
        AssertSameSteps(compiled, interpreted, x, t, batch: 35, "a.weight");
    }

    private static void AssertSameSteps(INetwork compiled, INetwork interpreted, float[] x, float[] t, int batch, string frozen)
    {
        var frozenBefore = compiled.Parameters.GetValues(frozen).ToArray();
        var store = compiled.Parameters;
        for (int step = 0; step < 3; step++)
        {
            var before = store.Values.ToArray();
            float lc = compiled.TrainStep(x, t, batch, 0.5f);
            float li = Interpreter.TrainStep(interpreted, x, t, batch, 0.5f);
            CompiledVsInterpretedTests.AssertClose([li], [lc], $"loss at step {step}");
            CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Values, store.Values, $"parameters after step {step}");
            // The update is exactly p - lr * g on the gradients ComputeGradients left behind.
            foreach (var p in store.Layout.Where(p => !store.IsFrozen(p.Name)))
                for (int i = p.Offset; i < p.Offset + p.Length; i++)
                    Assert.Equal(before[i] + -0.5f * store.Gradients[i], store.Values[i]);
        }
        Assert.Equal(frozenBefore, compiled.Parameters.GetValues(frozen).ToArray());
        Assert.Equal(frozenBefore, interpreted.Parameters.GetValues(frozen).ToArray());
    }
}
