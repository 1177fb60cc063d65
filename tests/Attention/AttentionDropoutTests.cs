using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>Dropout on the attention weights (<c>Attention(..., dropout: p)</c>, <c>[MultiHeadAttention(..., Dropout = p)]</c>,
/// PyTorch's <c>dropout_p</c>): in training the compiled kernel drops the weights the eager op's <c>Dropout</c> of its
/// probabilities drops (the same <c>DropoutMasks</c> key, numbered among the definition's dropout ops, and counters), so
/// the two paths train alike over three SGD steps; in inference nothing is dropped.</summary>
public class AttentionDropoutTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace AttentionDropoutCases;

        /// <summary>The op, causal, between two Dropout ops (the three keys numbered in definition order).</summary>
        [Network]
        public partial class DropoutOpNet
        {
            [Dense(3, 8)] Dense q;
            [Dense(3, 8, Bias = false)] Dense k;
            [Dense(3, 6)] Dense v;
            [Dense(6, 3)] Dense head;
            [Forward] Tensor Forward([Shape(7, 3)] Tensor x)
            {
                var h = Dropout(x, 0.2f);
                var a = Attention(q.Forward(h), k.Forward(h), v.Forward(h), 2, causal: true, dropout: 0.3f);
                return head.Forward(Mean(Dropout(a, 0.1f), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>The layer with padding, self-attention over a source and cross-attention from a target of another
        /// length over it, both dropping weights.</summary>
        [Network]
        public partial class DropoutLayerNet
        {
            [Embedding(4, 8)] Embedding source, target;
            [Embedding(5, 8)] Embedding positions;
            [MultiHeadAttention(8, 4, PadId = 2, Dropout = 0.25f)] MultiHeadAttention encoder;
            [MultiHeadAttention(8, 2, PadId = 2, Dropout = 0.5f)] MultiHeadAttention cross;
            [Dense(8, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5)] Tokens src, [Shape(3)] Tokens tgt)
            {
                var memory = encoder.Forward(source.Forward(src) + positions.Weight, padding: src);
                return head.Forward(Mean(cross.Forward(target.Forward(tgt), memory, padding: src), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>DropoutLayerNet without dropout (the same parameters).</summary>
        [Network]
        public partial class PlainLayerNet
        {
            [Embedding(4, 8)] Embedding source, target;
            [Embedding(5, 8)] Embedding positions;
            [MultiHeadAttention(8, 4, PadId = 2)] MultiHeadAttention encoder;
            [MultiHeadAttention(8, 2, PadId = 2)] MultiHeadAttention cross;
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

    /// <remarks>DropoutLayerNet within 1e-4, as AttentionPaddingCompiledTests' PaddedLayerNet and for the same reason
    /// (single kept keys make gradients of rounding noise).</remarks>
    [Theory]
    [InlineData("DropoutOpNet", 1e-5)]
    [InlineData("DropoutLayerNet", 1e-4)]
    public void Compiled_network_trains_as_the_interpreter(string network, double relative)
    {
        foreach (int batch in new[] { 1, 3, 35 })
        {
            var compiled = Networks.Value.Create("AttentionDropoutCases." + network, seed: 5);
            var interpreted = Networks.Value.Create("AttentionDropoutCases." + network, seed: 5);
            var rng = new Rng((ulong)(13 + batch));
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

    /// <summary>Inference drops nothing: the network with dropout infers what the one without does (same parameters);
    /// training does drop: their losses differ.</summary>
    [Fact]
    public void Inference_passes_through_and_training_drops()
    {
        float[] ids = [0, 1, 3, 2, 1, 1, 0, 3, 0, 1, 2, 2, 3, 1, 0, 0];   // two samples of src [5] and tgt [3]
        float[] targets = [1, 2];
        foreach (bool interpret in new[] { false, true })
        {
            var dropping = Networks.Value.Create("AttentionDropoutCases.DropoutLayerNet", seed: 3);
            var plain = Networks.Value.Create("AttentionDropoutCases.PlainLayerNet", seed: 3);
            Assert.Equal(plain.Parameters.Values, dropping.Parameters.Values);
            float[] Output(INetwork net)
            {
                var y = new float[6];
                if (interpret) Interpreter.Infer(net, ids, y, 2); else net.Infer(ids, y, 2);
                return y;
            }
            float Loss(INetwork net) => interpret ? Interpreter.ComputeGradients(net, ids, targets, 2) : net.ComputeGradients(ids, targets, 2);
            string path = interpret ? "interpreted" : "compiled";
            Assert.True(Output(plain).SequenceEqual(Output(dropping)), $"{path}: inference dropped weights");
            Assert.NotEqual(Loss(plain), Loss(dropping));
        }
    }
}
