using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>Networks whose attention masks padding keys by token id, compiled in-test, train exactly as the interpreter
/// runs their definitions (eager: a Where on the scores and the probabilities; compiled: the kernel reading the ids):
/// outputs, loss and every gradient over three SGD steps, for a batch of one, a partial tile and more than a tile. The
/// ids also feed an embedding of a small vocabulary, so the pad id is drawn often: over 35 samples some sequences begin
/// with padding (a causal first query sees no key) and some short memories are all padding (every query sees none).</summary>
public class AttentionPaddingCompiledTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace AttentionPaddingCases;

        /// <summary>The op: causal self-attention over embedded ids, two heads, padding id 0.</summary>
        [Network]
        public partial class PaddedOpNet
        {
            [Embedding(3, 8)] Embedding embed;
            [Dense(8, 8)] Dense q;
            [Dense(8, 8, Bias = false)] Dense k;
            [Dense(8, 6)] Dense v;
            [Dense(6, 3)] Dense head;
            [Forward] Tensor Forward([Shape(7)] Tokens ids)
            {
                var x = embed.Forward(ids);
                return head.Forward(Mean(Attention(q.Forward(x), k.Forward(x), v.Forward(x), 2, causal: true, keyIds: ids, padId: 0), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>PaddedOpNet without the key ids (the same parameters).</summary>
        [Network]
        public partial class PlainOpNet
        {
            [Embedding(3, 8)] Embedding embed;
            [Dense(8, 8)] Dense q;
            [Dense(8, 8, Bias = false)] Dense k;
            [Dense(8, 6)] Dense v;
            [Dense(6, 3)] Dense head;
            [Forward] Tensor Forward([Shape(7)] Tokens ids)
            {
                var x = embed.Forward(ids);
                return head.Forward(Mean(Attention(q.Forward(x), k.Forward(x), v.Forward(x), 2, causal: true), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>The layer: an encoder's self-attention over the source (4 heads) and a decoder's cross-attention from
        /// a target of another length over it (1 head), both masking the source's padding (id 2). Learned positions keep
        /// equal source tokens apart (equal memory rows would make the softmax's gradient to the queries vanish).</summary>
        [Network]
        public partial class PaddedLayerNet
        {
            [Embedding(4, 8)] Embedding source, target;
            [Embedding(5, 8)] Embedding positions;
            [MultiHeadAttention(8, 4, PadId = 2)] MultiHeadAttention encoder;
            [MultiHeadAttention(8, 1, PadId = 2)] MultiHeadAttention cross;
            [Dense(8, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5)] Tokens src, [Shape(3)] Tokens tgt)
            {
                var memory = encoder.Forward(source.Forward(src) + positions.Weight, padding: src);
                return head.Forward(Mean(cross.Forward(target.Forward(tgt), memory, padding: src), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    private static readonly System.Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    /// <remarks>PaddedLayerNet is compared within 1e-4 (the design's bound for differential tests) rather than 1e-5: a
    /// cross-attention query with a single kept key has a constant softmax, so its exact gradient to that key is 0 and
    /// each path computes rounding noise instead (dS = 1 (dO.v - dO.o), the two dot products summed in different
    /// orders); the encoder's out_proj.bias, whose gradient sums the memory's key gradients, collects that noise (measured
    /// 5.6e-5 of its largest element; the same network without padding agrees within 1e-5).</remarks>
    [Theory]
    [InlineData("PaddedOpNet", 1e-5)]
    [InlineData("PaddedLayerNet", 1e-4)]
    public void Compiled_network_trains_as_the_interpreter(string network, double relative)
    {
        foreach (int batch in new[] { 1, 3, 35 })
        {
            var compiled = Networks.Value.Create("AttentionPaddingCases." + network, seed: 5);
            var interpreted = Networks.Value.Create("AttentionPaddingCases." + network, seed: 5);
            var rng = new Rng((ulong)(11 + batch));
            var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
            var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
            for (int step = 0; step < 3; step++)
            {
                CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch, relative);
                compiled.TrainStep(x, t, batch, 0.1f);
                Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
            }
            CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Values, compiled.Parameters.Values, $"{network} parameters after training, batch {batch}", relative);
        }
    }

    /// <summary>The mask is in effect in both paths (agreeing paths could both ignore it): with the same parameters, the
    /// padded network and one without key ids give the same output for ids without the pad id and different outputs for
    /// ids with it.</summary>
    [Fact]
    public void Padding_changes_the_output_only_when_a_key_is_padding()
    {
        float[] none = [1, 1, 2, 1, 2, 2, 1], some = [1, 1, 0, 1, 2, 0, 1];
        foreach (bool interpret in new[] { false, true })
        {
            var padded = Networks.Value.Create("AttentionPaddingCases.PaddedOpNet", seed: 3);
            var plain = Networks.Value.Create("AttentionPaddingCases.PlainOpNet", seed: 3);
            Assert.Equal(plain.Parameters.Values.ToArray(), padded.Parameters.Values.ToArray());
            float[] Output(INetwork net, float[] ids)
            {
                var y = new float[3];
                if (interpret) Interpreter.Infer(net, ids, y, 1); else net.Infer(ids, y, 1);
                return y;
            }
            string path = interpret ? "interpreted" : "compiled";
            Assert.True(Output(plain, none).SequenceEqual(Output(padded, none)), $"{path}: ids without padding");
            Assert.False(Output(plain, some).SequenceEqual(Output(padded, some)), $"{path}: ids with padding gave the unmasked output");
        }
    }
}

