using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>Networks with the Attention op, compiled in-test, train exactly as the interpreter runs their definitions
/// (the eager op is composed from Reshape, Permute, MatMul, Where and Softmax; the compiled one is the fused kernel):
/// outputs, loss and every gradient over three SGD steps, for a batch of one, a partial tile and more than a tile.</summary>
public class AttentionCompiledVsInterpretedTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace AttentionTrainingCases;

        /// <summary>Causal self-attention with two heads behind separate projections.</summary>
        [Network]
        public partial class CausalSelfAttentionNet
        {
            [Dense(3, 8)] Dense q;
            [Dense(3, 8, Bias = false)] Dense k;   // a key bias adds a constant to a row of scores: its gradient is 0 up to rounding
            [Dense(3, 6)] Dense v;
            [Dense(42, 3)] Dense head;
            [Forward] Tensor Forward([Shape(7, 3)] Tensor x) =>
                head.Forward(Reshape(Attention(q.Forward(x), k.Forward(x), v.Forward(x), 2, causal: true), -1));
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>Cross-attention: 3 queries over 20 keys (more than a register of keys, fewer than two), 4 heads of width 1.</summary>
        [Network]
        public partial class CrossAttentionNet
        {
            [Dense(2, 4)] Dense q;
            [Dense(5, 4, Bias = false)] Dense k;
            [Dense(5, 8)] Dense v;
            [Dense(24, 3)] Dense head;
            [Forward] Tensor Forward([Shape(3, 2)] Tensor x, [Shape(20, 5)] Tensor memory) =>
                head.Forward(Reshape(Attention(q.Forward(x), k.Forward(memory), v.Forward(memory), 4), -1));
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>One tensor as query, key and value (all three gradients add into one), one head, 37 causal steps.</summary>
        [Network]
        public partial class SharedOperandNet
        {
            [Dense(4, 5)] Dense embed;
            [Dense(5, 3)] Dense head;
            [Forward] Tensor Forward([Shape(37, 4)] Tensor x) => head.Forward(Sum(Attention(embed.Forward(x), embed.Forward(x), Tanh(embed.Forward(x)), 1, causal: true), 0));
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    private static readonly System.Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    [Theory]
    [InlineData("CausalSelfAttentionNet")]
    [InlineData("CrossAttentionNet")]
    [InlineData("SharedOperandNet")]
    public void Compiled_network_trains_as_the_interpreter(string network)
        => CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => Networks.Value.Create("AttentionTrainingCases." + network, seed: 5), network);
}
