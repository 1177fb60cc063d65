using System;
using Xunit;

namespace NetCompiler.Tests.Generation;

/// <summary><see cref="TokenSampler"/>: greedy picks, the top-k cut with ties, the softmax proportions at a temperature,
/// reproducibility, and refusals. (<c>CharLstmTests</c> checks the same draws through <c>CharSampler</c>.)</summary>
public class TokenSamplerTests
{
    [Fact]
    public void Greedy_picks_the_largest_logit_and_the_lowest_id_on_ties()
    {
        var greedy = new TokenSampler(5);
        Assert.Equal(3, greedy.Pick([0f, 1f, -2f, 4f, 3.9f]));
        Assert.Equal(1, greedy.Pick([0f, 4f, -2f, 4f, 4f]));
        Assert.Equal(2, greedy.Pick([float.NegativeInfinity, float.NegativeInfinity, 0f, float.NegativeInfinity, -1f]));
    }

    [Fact]
    public void Top_k_draws_among_the_k_largest_with_ties_at_the_cut_broken_towards_lower_ids()
    {
        var sampler = new TokenSampler(6, temperature: 1f, topK: 3, seed: 1);
        var counts = new int[6];
        for (int i = 0; i < 3000; i++) counts[sampler.Pick([2f, 1f, 1f, 1f, 0f, 5f])]++;   // 5 and 2 above the cut, 1 at it three times
        Assert.Equal(0, counts[3] + counts[2] + counts[4]);
        Assert.True(counts[1] > 0 && counts[0] > 0 && counts[5] > 0, string.Join(", ", counts));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.5f)]
    [InlineData(2f)]
    public void Draws_follow_the_softmax_at_the_temperature(float temperature)
    {
        float[] logits = [1f, 0f, 2f, -1f];
        var sampler = new TokenSampler(4, temperature, seed: 7);
        var counts = new int[4];
        const int draws = 40_000;
        for (int i = 0; i < draws; i++) counts[sampler.Pick(logits)]++;
        double total = 0;
        foreach (float l in logits) total += Math.Exp(l / temperature);
        for (int id = 0; id < 4; id++)
        {
            double p = Math.Exp(logits[id] / temperature) / total, sd = Math.Sqrt(p * (1 - p) / draws);
            Assert.InRange(counts[id] / (double)draws, p - 5 * sd, p + 5 * sd);
        }
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens()
    {
        float[] logits = [0.1f, 0.3f, 0.2f, 0f, 0.25f];
        var (a, b, c) = (new TokenSampler(5, 1f, 0, 42), new TokenSampler(5, 1f, 0, 42), new TokenSampler(5, 1f, 0, 43));
        var (x, y, z) = (new int[50], new int[50], new int[50]);
        for (int i = 0; i < 50; i++) (x[i], y[i], z[i]) = (a.Pick(logits), b.Pick(logits), c.Pick(logits));
        Assert.Equal(x, y);
        Assert.NotEqual(x, z);
    }

    [Fact]
    public void Bad_settings_and_logits_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(4, temperature: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(4, temperature: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(4, temperature: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(4, topK: -1));
        var sampler = new TokenSampler(4, 1f);
        Assert.Throws<ArgumentException>(() => sampler.Pick([1f, 2f, 3f]));
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => sampler.Pick([1f, float.NaN, 3f, 0f])).Message);
        Assert.Equal(4, new TokenSampler(4, 1f, topK: 10).TopK);
    }
}
