using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Token and position embeddings, then a pre-norm residual block with LayerNorm and RmsNorm layers: the layers
/// of a Transformer's input and block, written as a user would.</summary>
[Network]
public partial class NormalizedTokenNet
{
    [Embedding(11, 8)] Embedding tokens;
    [Embedding(4, 8)] Embedding positions;
    [LayerNorm(8)] LayerNorm norm;
    [LayerNorm(8, Bias = false, Epsilon = 1e-3f)] LayerNorm plain;
    [RmsNorm(8)] RmsNorm rms;
    [Dense(8, 8)] Dense up;
    [Dense(8, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(4)] Tokens ids, [Shape(4)] Tokens place)
    {
        var x = tokens.Forward(ids) + positions.Forward(place);       // [4, 8]
        x = x + up.Forward(Gelu(norm.Forward(x)));
        return head.Forward(rms.Forward(plain.Forward(x)));            // [4, 3]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(4, 1)] Tensor label) => CrossEntropy(logits, label);
}

public class NormalizationTests
{
    [Fact]
    public void Layers_follow_PyTorch_names_shapes_and_initial_values()
    {
        var net = new NormalizedTokenNet(seed: 1);
        var layout = net.Parameters.Layout.Select(p => $"{p.Name} {string.Join("x", p.Shape)}").ToArray();
        Assert.Equal(["tokens.weight 11x8", "positions.weight 4x8", "norm.weight 8", "norm.bias 8", "plain.weight 8", "rms.weight 8",
            "up.weight 8x8", "up.bias 8", "head.weight 3x8", "head.bias 3"], layout);
        Assert.All(net.Parameters.GetValues("norm.weight").ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameters.GetValues("norm.bias").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Parameters.GetValues("rms.weight").ToArray(), v => Assert.Equal(1f, v));
        var table = net.Parameters.GetValues("tokens.weight").ToArray();
        double mean = table.Average(), std = System.Math.Sqrt(table.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(std, 0.6, 1.4);   // N(0, 1), as nn.Embedding
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Normalized_token_network_matches_the_interpreter(int batch)
    {
        var compiled = new NormalizedTokenNet(seed: 2);
        var interpreted = new NormalizedTokenNet(seed: 2);
        var rng = new Rng(31);
        var x = new float[batch * 8];
        for (int s = 0; s < batch; s++)
            for (int i = 0; i < 4; i++) { x[s * 8 + i] = rng.NextInt(11); x[s * 8 + 4 + i] = i; }
        var t = Enumerable.Range(0, batch * 4).Select(_ => (float)rng.NextInt(3)).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
        // Training moves the loss down on a fixed batch.
        var adam = new Adam(0.05f);
        float first = compiled.TrainStep(x, t, batch, adam), last = first;
        for (int step = 0; step < 30; step++) last = compiled.TrainStep(x, t, batch, adam);
        Assert.True(last < first * 0.5f, $"loss {first} -> {last}");
    }
}
