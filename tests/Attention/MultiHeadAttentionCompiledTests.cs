using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>[MultiHeadAttention] layers compiled in-test train exactly as the interpreter runs their definitions: self-
/// attention (one product for Q, K and V), cross-attention over a memory of another length (one product for K and V),
/// the general form with separate key and value tensors, a key/value width other than the dimension (separate
/// projection weights) and no biases, inside a pre-norm Transformer block with a GELU feed-forward network.</summary>
public class MultiHeadAttentionCompiledTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace MultiHeadAttentionCases;

        [Module]
        public partial class Block
        {
            [LayerNorm(8)] LayerNorm norm1, norm2;
            [MultiHeadAttention(8, 2, Causal = true)] MultiHeadAttention attention;
            [Dense(8, 16)] Dense up;
            [Dense(16, 8)] Dense down;

            public Tensor Forward(Tensor x)
            {
                x = x + attention.Forward(norm1.Forward(x));
                return x + down.Forward(Gelu(up.Forward(norm2.Forward(x))));
            }
        }

        [Network]
        public partial class PreNormBlockNet
        {
            [Dense(3, 8)] Dense embed;
            Block block;
            [Dense(8, 3)] Dense head;
            [Forward] Tensor Forward([Shape(6, 3)] Tensor x) => head.Forward(Mean(block.Forward(embed.Forward(x)), 0));
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class CrossAttentionNet
        {
            [Dense(3, 8)] Dense embed;
            [MultiHeadAttention(8, 4)] MultiHeadAttention cross;
            [MultiHeadAttention(8, 2)] MultiHeadAttention general;
            [Dense(8, 3)] Dense head;
            [Forward] Tensor Forward([Shape(4, 3)] Tensor x, [Shape(9, 8)] Tensor memory)
            {
                var q = embed.Forward(x);
                var y = cross.Forward(q, memory);                       // keys and values from the memory
                var z = general.Forward(y, memory, Tanh(memory));      // separate key and value tensors
                return head.Forward(Sum(z, 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class KeyValueWidthNet
        {
            [MultiHeadAttention(6, 3, KeyValueDim = 5, Bias = false)] MultiHeadAttention attention;
            [Dense(6, 3)] Dense head;
            [Forward] Tensor Forward([Shape(2, 6)] Tensor x, [Shape(7, 5)] Tensor memory) => head.Forward(Sum(attention.Forward(x, memory), 0));
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
    [InlineData("PreNormBlockNet")]
    [InlineData("CrossAttentionNet")]
    [InlineData("KeyValueWidthNet")]
    public void Compiled_network_trains_as_the_interpreter(string network)
        => CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => Networks.Value.Create("MultiHeadAttentionCases." + network, seed: 5), network);

    /// <summary>The parameters are PyTorch's <c>state_dict</c> names and shapes, in its order.</summary>
    [Fact]
    public void Parameters_follow_PyTorch()
    {
        var packed = Networks.Value.Create("MultiHeadAttentionCases.CrossAttentionNet", seed: 1).Parameters.Layout
            .Where(p => p.Name.StartsWith("cross.")).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]");
        Assert.Equal(["cross.in_proj_weight [24, 8]", "cross.in_proj_bias [24]", "cross.out_proj.weight [8, 8]", "cross.out_proj.bias [8]"], packed);
        var separate = Networks.Value.Create("MultiHeadAttentionCases.KeyValueWidthNet", seed: 1).Parameters.Layout
            .Where(p => p.Name.StartsWith("attention.")).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]");
        Assert.Equal(["attention.q_proj_weight [6, 6]", "attention.k_proj_weight [6, 5]", "attention.v_proj_weight [6, 5]", "attention.out_proj.weight [6, 6]"], separate);
    }
}
