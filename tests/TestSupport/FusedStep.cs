using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.TestSupport;

/// <summary>The fused optimizer step (<c>TrainStep(..., optimizer)</c>: each parameter updated inside backward) against
/// the separate one (<c>ComputeGradients</c> then <c>Step</c>) on two networks that start equal.</summary>
internal static class FusedStep
{
    /// <summary>Runs one step of each and asserts the same loss, gradients, values and optimizer state, bit for bit.</summary>
    public static void AssertSameAsSeparate(INetwork fused, Optimizer fusedOptimizer, INetwork separate, Optimizer separateOptimizer,
        float[] inputs, float[] targets, int batch)
    {
        float fusedLoss = fused.TrainStep(inputs, targets, batch, fusedOptimizer);
        float separateLoss = separate.ComputeGradients(inputs, targets, batch);
        separateOptimizer.Step(separate.Parameters);
        Assert.Equal(separateLoss, fusedLoss);
        Assert.Equal(FloatBits.Of(separate.Parameters.Gradients), FloatBits.Of(fused.Parameters.Gradients));
        Assert.Equal(FloatBits.Of(separate.Parameters.Values), FloatBits.Of(fused.Parameters.Values));
        for (int slot = 0; slot < separateOptimizer.StateSlots.Count; slot++)
            Assert.Equal(FloatBits.Of(separateOptimizer.GetState(slot)), FloatBits.Of(fusedOptimizer.GetState(slot)));
    }
}
