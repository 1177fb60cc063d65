using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The zoo's Transformer block: its attention is causal (a position's output does not depend on later tokens),
/// and it learns a next-token task.</summary>
public class TinyTransformerTests
{
    /// <summary>Ids then positions 0..7 for each sample.</summary>
    private static float[] Sequence(params int[][] samples) =>
        samples.SelectMany(ids => ids.Select(i => (float)i).Concat(Enumerable.Range(0, 8).Select(p => (float)p))).ToArray();

    [Fact]
    public void Outputs_at_a_position_ignore_later_tokens()
    {
        var net = new TinyTransformerNet(seed: 4);
        int[] a = [3, 1, 4, 1, 5, 9, 2, 6], b = [3, 1, 4, 1, 7, 0, 31, 8];   // the same first four tokens
        var y = new float[2 * 8 * 32];
        net.Infer(Sequence(a, b), y, 2);
        Assert.Equal(y.AsSpan(0, 4 * 32).ToArray(), y.AsSpan(8 * 32, 4 * 32).ToArray());           // positions 0-3: identical bits
        Assert.NotEqual(y.AsSpan(4 * 32, 32).ToArray(), y.AsSpan(12 * 32, 32).ToArray());          // position 4 saw a different token
    }

    [Fact]
    public void Learns_to_predict_the_next_token()
    {
        var net = new TinyTransformerNet(seed: 5);
        var rng = new Rng(3);
        var sequences = Enumerable.Range(0, 16).Select(_ => { int start = rng.NextInt(24); return Enumerable.Range(start, 8).ToArray(); }).ToArray();
        var x = Sequence(sequences);
        var next = sequences.SelectMany(s => s.Select(t => (float)(t + 1))).ToArray();   // counting: the next token is one more
        var adam = new Adam(1e-2f);
        float first = net.TrainStep(x, next, 16, adam), last = first;
        for (int step = 0; step < 150; step++) last = net.TrainStep(x, next, 16, adam);
        Assert.True(last < first * 0.1f, $"loss {first} -> {last}");
    }
}
