using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Attention.UserT5Net;

namespace NetCompiler.Tests.Attention;

/// <summary>The user-written T5 of <see cref="UserT5Net"/>, compiled and interpreted, against the float64
/// <see cref="T5Reference"/> on perturbed parameters: outputs, loss and every parameter's gradient over a batch of three,
/// with pad ids (0) among the sources and the targets.</summary>
public class UserT5ReferenceTests(ITestOutputHelper output)
{
    /// <summary>As UserTransformerReferenceTests' bound (about 80 float32 eps of each scale).</summary>
    private const double Tolerance = 5e-6;

    private const double Epsilon = 1.1920929e-07;   // RmsNorm's default eps, torch.finfo(float32).eps

    [Fact]
    public void Encoder_decoder_matches_the_float64_reference()
    {
        var net = new UserT5Net(seed: 6);
        Float64NetworkCheck.PerturbParameters(net, seed: 7);
        const int Batch = 3;
        var rng = new Rng(8);
        var x = CompiledVsInterpretedTests.Inputs(net, Batch, rng);
        for (int s = 0; s < Batch; s++) x[s * (Source + Target) + Source - 1 - s] = 0;   // padding in every source
        var t = Enumerable.Range(0, Batch * Target).Select(_ => (float)rng.NextInt(Vocabulary)).ToArray();
        t[Target - 1] = 0;   // an ignored target
        Assert.Contains(0f, x);
        double worst = Float64NetworkCheck.AssertMatchesReference(net, (p, input, target) =>
        {
            var r = new T5Reference(p);
            int[] source = input[..Source].Select(v => (int)v).ToArray(), decoderInput = input[Source..].Select(v => (int)v).ToArray();
            var e = r.Embed("shared", source, Width);
            var h = r.RmsNorm("encoder_norm", e, Source, Width, Epsilon);
            var encoderBias = r.RelativeBias("encoder_bias", Source, Source, Heads, Buckets, bidirectional: true, MaxDistance);
            e = TransformerReference.Add(e, r.Attention("eq", "ek", "ev", "eo", h, Source, h, Source, Width, Heads, encoderBias, source, 0, causal: false));
            e = TransformerReference.Add(e, r.FeedForward("ewi", "ewo", r.RmsNorm("encoder_ff_norm", e, Source, Width, Epsilon), Source, Width, Hidden));
            var memory = r.RmsNorm("encoder_final_norm", e, Source, Width, Epsilon);

            var y = r.Embed("shared", decoderInput, Width);
            var decoderBias = r.RelativeBias("decoder_bias", Target, Target, Heads, Buckets, bidirectional: false, MaxDistance);
            h = r.RmsNorm("self_norm", y, Target, Width, Epsilon);
            y = TransformerReference.Add(y, r.Attention("sq", "sk", "sv", "so", h, Target, h, Target, Width, Heads, decoderBias, null, 0, causal: true));
            y = TransformerReference.Add(y, r.Attention("cq", "ck", "cv", "co", r.RmsNorm("cross_norm", y, Target, Width, Epsilon), Target, memory, Source,
                Width, Heads, null, source, 0, causal: false));
            y = TransformerReference.Add(y, r.FeedForward("wi", "wo", r.RmsNorm("ff_norm", y, Target, Width, Epsilon), Target, Width, Hidden));
            var logits = r.Linear("lm_head", r.RmsNorm("final_norm", y, Target, Width, Epsilon), Target, Width, Vocabulary);
            return (logits, T5Reference.CrossEntropy(logits, target.Select(v => (int)v).ToArray(), Vocabulary, ignore: 0));
        }, x, t, Batch, Tolerance);
        output.WriteLine($"UserT5Net: worst error / scale {worst:G3}");
    }
}
