using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Attention.TransformerReference;

namespace NetCompiler.Tests.Attention;

/// <summary>The user-written Transformer of <see cref="UserEncoderLayerNet"/>, <see cref="UserEncoderDecoderNet"/> and
/// <see cref="UserCrossAttentionNet"/> (width 48, 3 heads, lengths 7 and 5), compiled and interpreted, against the
/// float64 <see cref="TransformerReference"/> on perturbed parameters loaded into it: outputs, loss and every
/// parameter's gradient, over a batch of three.</summary>
public class UserTransformerReferenceTests(ITestOutputHelper output)
{
    private const int Width = UserEncoderLayer.Width, Heads = UserEncoderLayer.Heads, Hidden = UserEncoderLayer.Hidden;
    private const int Batch = 3;

    /// <summary>Float32 against float64, each error measured against its scale (<see cref="Float64NetworkCheck"/>); a
    /// result is known to a few float32 eps (6e-8) of that scale: the worst measured is 6e-7 (10 eps). The bound, 5e-6
    /// (about 80 eps), still rejects a wrong mask, scale, normalization or a missing gradient term, which move results by
    /// percents.</summary>
    private const double Tolerance = 5e-6;

    [Fact]
    public void Cross_attention_matches_the_float64_reference() =>
        Check(new UserCrossAttentionNet(seed: 1), (p, x, t) =>
        {
            var y = new TransformerReference(p).MultiHeadAttention("attn", Constants(x.AsSpan(0, 5 * Width)), 5,
                Constants(x.AsSpan(5 * Width)), 7, Width, Heads, causal: false);
            return (y, MeanSquaredError(y, t));
        });

    [Fact]
    public void Pre_norm_encoder_layer_matches_the_float64_reference() =>
        Check(new UserEncoderLayerNet(seed: 2), (p, x, t) =>
        {
            var y = new TransformerReference(p).EncoderLayer("layer.", Constants(x), 7, Width, Heads, Hidden, causal: false);
            return (y, MeanSquaredError(y, t));
        });

    [Fact]
    public void Encoder_decoder_with_cross_attention_matches_the_float64_reference() =>
        Check(new UserEncoderDecoderNet(seed: 3), (p, x, t) =>
        {
            var reference = new TransformerReference(p);
            var memory = reference.EncoderLayer("encoder.", Constants(x.AsSpan(5 * Width)), 7, Width, Heads, Hidden, causal: false);
            var y = reference.DecoderLayer("decoder.", Constants(x.AsSpan(0, 5 * Width)), 5, memory, 7, Width, Heads, Hidden);
            return (y, MeanSquaredError(y, t));
        });

    private void Check(INetwork net, Float64NetworkCheck.SampleReference reference)
    {
        Float64NetworkCheck.PerturbParameters(net, seed: 4);
        var rng = new Rng(5);
        var x = CompiledVsInterpretedTests.Inputs(net, Batch, rng);
        var t = Enumerable.Range(0, Batch * net.TargetShape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        double worst = Float64NetworkCheck.AssertMatchesReference(net, reference, x, t, Batch, Tolerance);
        output.WriteLine($"{net.GetType().Name}: worst error / scale {worst:G3}");
    }
}
