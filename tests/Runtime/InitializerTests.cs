using System;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>Each random initializer draws from the distribution its documentation states (moments checked on
/// 40,000 draws), deterministically per (seed, parameter index).</summary>
public class InitializerTests
{
    private static float[] Draw(Init kind, int fanIn, int fanOut, float std = 0.01f, int seed = 7, int index = 3)
    {
        var v = new float[40_000];
        Initializers.Fill(v, kind, fanIn, fanOut, std, seed, index);
        return v;
    }

    private static (double Mean, double Variance) Moments(float[] v)
    {
        double mean = v.Average(x => (double)x);
        return (mean, v.Average(x => (x - mean) * (x - mean)));
    }

    [Theory]
    [InlineData(Init.FanInUniform, 784, 30)]
    [InlineData(Init.FanInUniform, 30, 10)]
    [InlineData(Init.Xavier, 784, 512)]
    public void Uniform_initializers_stay_in_their_bounds_with_the_uniform_variance(Init kind, int fanIn, int fanOut)
    {
        double bound = kind == Init.FanInUniform ? 1 / Math.Sqrt(fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
        var v = Draw(kind, fanIn, fanOut);
        Assert.All(v, x => Assert.InRange(x, -bound, bound));
        var (mean, variance) = Moments(v);
        Assert.InRange(mean, -0.02 * bound, 0.02 * bound);
        Assert.InRange(variance / (bound * bound / 3), 0.97, 1.03);
        Assert.True(v.Max() > 0.99 * bound && v.Min() < -0.99 * bound, "the draws cover the whole interval");
    }

    [Theory]
    [InlineData(Init.He, 512, 0.0625)]          // sqrt(2 / 512)
    [InlineData(Init.Normal, 784, 1.0)]         // Std = 1, as seed 001's np.random.randn
    public void Normal_initializers_have_the_stated_deviation(Init kind, int fanIn, double std)
    {
        var v = Draw(kind, fanIn, 10, std: (float)std);
        var (mean, variance) = Moments(v);
        Assert.InRange(mean, -0.02 * std, 0.02 * std);
        Assert.InRange(Math.Sqrt(variance) / std, 0.98, 1.02);
    }

    [Fact]
    public void Draws_depend_on_seed_and_parameter_index_only()
    {
        Assert.Equal(Draw(Init.FanInUniform, 10, 10), Draw(Init.FanInUniform, 10, 10));
        Assert.NotEqual(Draw(Init.FanInUniform, 10, 10), Draw(Init.FanInUniform, 10, 10, seed: 8));
        Assert.NotEqual(Draw(Init.FanInUniform, 10, 10), Draw(Init.FanInUniform, 10, 10, index: 4));
    }
}
