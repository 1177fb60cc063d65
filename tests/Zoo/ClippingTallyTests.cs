using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The main job's clipping line counts the updates whose global gradient norm exceeded the threshold.</summary>
public class ClippingTallyTests
{
    private static void StepWithNorm(Seed000Net net, Optimizer optimizer, float norm)
    {
        System.Array.Clear(net.Parameters.Gradients);
        net.Parameters.Gradients[0] = norm;   // one non-zero gradient: the global norm is its size
        optimizer.Step(net.Parameters);
    }

    [Fact]
    public void Counts_the_updates_above_the_threshold_and_starts_over_each_epoch()
    {
        var net = new Seed000Net();
        var optimizer = new Sgd(0.1f) { MaxGradientNorm = 1f };
        var tally = new ClippingTally(optimizer);
        foreach (float norm in new[] { 2f, 0.5f, 1f, 3f })
        {
            StepWithNorm(net, optimizer, norm);
            tally.Observe();
        }
        Assert.Equal("  global gradient norm (mean / max): 1.62 / 3; clipped to 1 in 2 of 4 updates (50.0%)", tally.TakeEpochLine());
        Assert.Null(tally.TakeEpochLine());   // nothing observed since
    }

    [Fact]
    public void Says_nothing_when_clipping_is_off()
    {
        var net = new Seed000Net();
        var optimizer = new Sgd(0.1f);
        var tally = new ClippingTally(optimizer);
        StepWithNorm(net, optimizer, 5f);
        tally.Observe();
        Assert.Null(tally.TakeEpochLine());
    }
}
