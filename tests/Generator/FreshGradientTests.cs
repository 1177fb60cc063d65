using System.Text.RegularExpressions;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>Gradient slots written whole by their first writer instead of zeroed and added to (a dense layer's dX, a
/// sum's or difference's gradients, a fused residual's): the stores appear where the slot comes alive, the zeroing
/// stays where the first writer adds (the same operand on both sides, a residual that is also the layer's input, a
/// slot shared with a later writer), and the compiled step trains exactly as the interpreter in every lowering of a
/// dense layer (a tile of vectors, a tile of short sequences, one long sequence per sample).</summary>
public class FreshGradientTests
{
    private const string Definitions = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace FreshCases;
        [Network]
        public partial class VectorCases
        {
            [Dense(40, 40)] Dense first;
            [Dense(40, 40)] Dense a;
            [Dense(40, 40)] Dense b;
            [Dense(40, 40)] Dense c;
            [Dense(40, 3)] Dense head;
            [Forward]
            Tensor Forward([Shape(40)] Tensor x)
            {
                var h = Tanh(first.Forward(x));
                var g = Tanh(a.Forward(h));          // h feeds a alone: a's dX stores
                var r = g + b.Forward(g);            // the residual is also b's input: the sum stores, b's dX adds
                var d = c.Forward(r) - r;            // the difference stores -dy, c's dX adds
                var s = d * d;                       // the same operand twice: the first side stores, the second adds
                return head.Forward(s);
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class ShortSequences
        {
            [Dense(32, 32)] Dense a;
            [Dense(32, 32)] Dense b;
            [Dense(32, 32)] Dense c;
            [Dense(192, 3)] Dense head;
            [Forward]
            Tensor Forward([Shape(6, 32)] Tensor x)
            {
                var h = Gelu(a.Forward(x));
                var g = Tanh(b.Forward(h));
                var r = g + c.Forward(g);
                return head.Forward(Flatten(r - Tanh(r)));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class LongSequence
        {
            [Dense(32, 32)] Dense a;
            [Dense(32, 32)] Dense b;
            [Dense(32, 32)] Dense c;
            [Dense(32, 3)] Dense head;
            [Forward]
            Tensor Forward([Shape(50, 32)] Tensor x)
            {
                var h = Relu(a.Forward(x));
                var g = Tanh(b.Forward(h));
                var r = c.Forward(g) + g;
                return head.Forward(Mean(r * Tanh(r), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    [Theory]
    [InlineData("VectorCases", "TileGemm.BackwardInput")]
    [InlineData("ShortSequences", "SequenceGemm.BackwardInput")]
    [InlineData("LongSequence", "TileGemm.BackwardInput")]
    public void First_writers_store_into_fresh_gradient_slots_and_the_step_trains_as_the_interpreter(string type, string product)
    {
        var run = GeneratorHarness.Run(Definitions);
        run.AssertNoErrors();
        string source = run.Source(type);
        Assert.Matches(new Regex(Regex.Escape(product) + @"\([^;]*overwrite: true\);"), source);
        ResidualFusionTests.AssertTrainsAsInterpreter(run, "FreshCases." + type, new[] { 1, 35 });
        run.Unload();
    }

    [Fact]
    public void A_first_writer_that_adds_keeps_the_zeroing()
    {
        var run = GeneratorHarness.Run(Definitions);
        run.AssertNoErrors();
        string source = run.Source("VectorCases");
        // a's dX is the first write of d h: it stores. b's and c's come after the sum's and the difference's stores: they add.
        Assert.Contains("TileGemm.BackwardInput(ref d", Block(source, "Linear 'a'"));
        Assert.Contains("overwrite: true", Block(source, "Linear 'a'"));
        foreach (string layer in new[] { "Linear 'b'", "Linear 'c'" })
        {
            Assert.Contains("TileGemm.BackwardInput(ref d", Block(source, layer));
            Assert.DoesNotContain("overwrite: true", Block(source, layer));
        }
        run.Unload();
    }

    /// <summary>The backward block of <paramref name="op"/>: from its header to the next.</summary>
    private static string Block(string source, string op)
    {
        int start = source.IndexOf("// backward " + op, System.StringComparison.Ordinal);
        Assert.True(start >= 0, op);
        int end = source.IndexOf("// backward ", start + 12, System.StringComparison.Ordinal);
        return source.Substring(start, (end < 0 ? source.Length : end) - start);
    }
}
