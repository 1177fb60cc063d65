using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.Generation;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The zoo's <see cref="T5Translator"/>: its parameters (T5's, no biases, the two relative position tables), its
/// training against the interpreter (dropout masks, relative biases, padding in both the attention and the loss), and
/// its decoder: Encode, then Decode position by position, gives the full forward's rows.</summary>
public class T5TranslatorTests
{
    private const int S = T5Translator.SourceLength, T = T5Translator.TargetLength, V = T5Translator.Vocabulary, W = T5Translator.Width;

    [Fact]
    public void Parameters_follow_T5()
    {
        var layout = new T5Translator(seed: 1).Parameters.Layout.ToDictionary(p => p.Name, p => string.Join(", ", p.Shape));
        string[] attention = ["q.weight", "k.weight", "v.weight", "o.weight"];
        var expected = new[] { ("shared.weight", $"{V}, {W}"), ("lm_head.weight", $"{V}, {W}"),
            ("encoder_relative_attention_bias.weight", "32, 4"), ("decoder_relative_attention_bias.weight", "32, 4"),
            ("encoder_final_layer_norm.weight", $"{W}"), ("decoder_final_layer_norm.weight", $"{W}"),
            ("encoder.2.SelfAttention.q.weight", $"{W}, {W}"), ("encoder.2.DenseReluDense.wi.weight", $"512, {W}"),
            ("encoder.2.DenseReluDense.wo.weight", $"{W}, 512"), ("encoder.0.self_attention_norm.weight", $"{W}"),
            ("decoder.1.EncDecAttention.v.weight", $"{W}, {W}"), ("decoder.1.cross_attention_norm.weight", $"{W}") };
        foreach (var (name, shape) in expected) Assert.Equal(shape, layout[name]);
        Assert.DoesNotContain(layout.Keys, n => n.EndsWith(".bias", StringComparison.Ordinal));   // T5 has no biases
        // Per layer: encoder 4 attention + 2 feed-forward + 2 norms; decoder 8 + 2 + 3.
        Assert.Equal(8, layout.Keys.Count(n => n.StartsWith("encoder.0.", StringComparison.Ordinal)));
        Assert.Equal(13, layout.Keys.Count(n => n.StartsWith("decoder.0.", StringComparison.Ordinal)));
        Assert.Equal(6 + 3 * 8 + 3 * 13, layout.Count);
        Assert.All(attention, a => Assert.True(layout.ContainsKey("decoder.2.SelfAttention." + a)));
    }

    /// <summary>A batch of 2 (split across the cores, a sample per chunk): outputs, loss and every gradient (dropout masks,
    /// padding in the sources and ignored targets included), then the parameters after one SGD step. (Not three steps as
    /// CompiledVsInterpretedTests does: at its learning rate of 0.1 this six-layer network's updates amplify the paths'
    /// rounding differences to 1e-4 of the largest gradient by the third step.)</summary>
    [Fact]
    public void Compiled_network_trains_as_the_interpreter()
    {
        const int batch = 2;
        var (compiled, interpreted) = (new T5Translator(seed: 5), new T5Translator(seed: 5));
        var rng = new Rng((ulong)(40 + batch));
        var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
        var t = CompiledVsInterpretedTests.Targets(compiled, batch, rng);
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
        compiled.TrainStep(x, t, batch, 0.1f);
        Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
        CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Values, compiled.Parameters.Values, "parameters after a step");
    }

    [Fact]
    public void Every_decoded_row_is_the_full_forward_row()
    {
        var net = new T5Translator(seed: 3);
        var rng = new Rng(8);
        var source = Enumerable.Range(0, S).Select(i => i < 15 ? 1 + rng.NextInt(V - 1) : T5Translator.PadId).ToArray();
        var target = Enumerable.Range(0, T).Select(_ => rng.NextInt(V)).ToArray();
        var full = EncoderDecoderTests.FullRows(net, source, target);
        net.Encode([0], source);
        var row = new float[V];
        for (int t = 0; t < T; t++)
        {
            net.Decode([0], [target[t]], [t], row);
            var expected = full.AsSpan(t * V, V);
            float scale = 0;
            foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
            for (int j = 0; j < V; j++)
                Assert.True(Math.Abs(expected[j] - row[j]) <= 2e-5f * (1 + scale), $"position {t}, logit {j}: full forward {expected[j]}, decoder {row[j]}");
        }
    }
}
