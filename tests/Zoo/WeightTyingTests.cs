using System.Linq;
using NetCompiler.Tests.Attention;
using NetCompiler.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>A head tied to the token embedding (nanoGPT's <c>lm_head.weight = wte.weight</c>): logits = h wte^T with
/// Linear over the embedding's weight (no bias).</summary>
[Network]
public partial class TiedLinearHeadNet
{
    public const int T = 5, Vocabulary = 11, Width = 6;

    [Embedding(Vocabulary, Width)] Embedding wte;
    [LayerNorm(Width)] LayerNorm ln_f;

    [Forward] Tensor Forward([Shape(T)] Tokens idx) => Linear(ln_f.Forward(Tanh(wte.Forward(idx))), wte.Weight, null);

    [Loss] static Tensor Loss(Tensor logits, [Shape(T, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>The same head written as a product with the transposed embedding.</summary>
[Network]
public partial class TiedMatMulHeadNet
{
    const int T = TiedLinearHeadNet.T, Vocabulary = TiedLinearHeadNet.Vocabulary, Width = TiedLinearHeadNet.Width;

    [Embedding(Vocabulary, Width)] Embedding wte;
    [LayerNorm(Width)] LayerNorm ln_f;

    [Forward] Tensor Forward([Shape(T)] Tokens idx) => MatMul(ln_f.Forward(Tanh(wte.Forward(idx))), Transpose(wte.Weight));

    [Loss] static Tensor Loss(Tensor logits, [Shape(T, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>A parameter read twice, by the embedding lookup and by the head, gets the sum of both gradients: compiled and
/// interpreted against a float64 reference (every row of the table gets a gradient from the head, the rows of the
/// tokens read also one from the lookup; a missing term moves whole rows), and compiled against interpreted over
/// three SGD steps.</summary>
public class WeightTyingTests(ITestOutputHelper output)
{
    private const int T = TiedLinearHeadNet.T, Vocabulary = TiedLinearHeadNet.Vocabulary, Width = TiedLinearHeadNet.Width;

    /// <summary>As <see cref="UserTransformerReferenceTests"/>: errors against each value's scale, a few float32 eps.</summary>
    private const double Tolerance = 5e-6;

    [Theory]
    [InlineData(typeof(TiedLinearHeadNet))]
    [InlineData(typeof(TiedMatMulHeadNet))]
    public void Tied_head_matches_the_float64_reference(System.Type type)
    {
        var net = (INetwork)System.Activator.CreateInstance(type, 3)!;
        Float64NetworkCheck.PerturbParameters(net, seed: 4);
        const int batch = 4;
        var rng = new Rng(6);
        var x = CompiledVsInterpretedTests.Inputs(net, batch, rng);
        var t = CompiledVsInterpretedTests.Targets(net, batch, rng);
        double worst = Float64NetworkCheck.AssertMatchesReference(net, (p, ids, next) =>
        {
            var reference = new TransformerReference(p);
            var wte = p["wte.weight"];
            var h = new Scalar[T * Width];
            for (int i = 0; i < T; i++)
                for (int c = 0; c < Width; c++) h[i * Width + c] = Scalar.Tanh(wte[(int)ids[i] * Width + c]);
            h = reference.LayerNorm("ln_f", h, T, Width);
            var logits = new Scalar[T * Vocabulary];
            for (int i = 0; i < T; i++)
                for (int v = 0; v < Vocabulary; v++)
                    logits[i * Vocabulary + v] = Scalar.Dot(TransformerReference.Row(h, i, Width, 0, Width), TransformerReference.Row(wte, v, Width, 0, Width));
            var rows = Enumerable.Range(0, T).Select(i => TransformerReference.CrossEntropy(TransformerReference.Row(logits, i, Vocabulary, 0, Vocabulary), (int)next[i])).ToArray();
            return (logits, Scalar.Sum(rows) / T);
        }, x, t, batch, Tolerance);
        output.WriteLine($"{type.Name}: worst error / scale {worst:G3}");
    }

    [Theory]
    [InlineData(typeof(TiedLinearHeadNet))]
    [InlineData(typeof(TiedMatMulHeadNet))]
    public void Tied_head_trains_as_the_interpreter(System.Type type) =>
        CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => (INetwork)System.Activator.CreateInstance(type, 5)!, type.Name);
}
