using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>The [MultiHeadAttention] layer is what a user writes from primitives (one projection to q, k and v, the heads
/// split with Reshape and Permute, a batched MatMul, a causal Where, Softmax, the heads merged and projected): with the
/// same weights the two networks give the same outputs, loss and gradients, compiled and interpreted.</summary>
public class MultiHeadAttentionFromPrimitivesTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace AttentionFromPrimitives;

        [Network]
        public partial class Primitives
        {
            const int T = 6, D = 12, Heads = 3, HeadDim = D / Heads;
            [Dense(D, 3 * D)] Dense qkv;
            [Dense(D, D)] Dense proj;
            [Dense(D, 2)] Dense head;

            [Forward] Tensor Forward([Shape(T, D)] Tensor x)
            {
                var h = qkv.Forward(x);
                var q = Split_(Slice(h, -1, 0, D));
                var k = Split_(Slice(h, -1, D, D));
                var v = Split_(Slice(h, -1, 2 * D, D));
                var scores = MatMul(q, Permute(k, 0, 2, 1)) * 0.5f;                 // 1 / sqrt(HeadDim)
                var weights = Softmax(Where(Triangle(T, T), scores, float.NegativeInfinity), -1);
                var merged = Reshape(Permute(MatMul(weights, v), 1, 0, 2), T, D);
                return head.Forward(Sum(proj.Forward(merged), 0));
            }

            static Tensor Split_(Tensor x) => Permute(Reshape(x, T, Heads, HeadDim), 1, 0, 2);

            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class Layer
        {
            [MultiHeadAttention(12, 3, Causal = true)] MultiHeadAttention attention;
            [Dense(12, 2)] Dense head;
            [Forward] Tensor Forward([Shape(6, 12)] Tensor x) => head.Forward(Sum(attention.Forward(x), 0));
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    private static readonly System.Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    /// <summary>The layer's parameter and the primitives network's that holds the same numbers.</summary>
    private static readonly (string Layer, string Primitives)[] Same =
    [
        ("attention.in_proj_weight", "qkv.weight"), ("attention.in_proj_bias", "qkv.bias"),
        ("attention.out_proj.weight", "proj.weight"), ("attention.out_proj.bias", "proj.bias"), ("head.weight", "head.weight"), ("head.bias", "head.bias"),
    ];

    private static (INetwork Primitives, INetwork Layer) Pair()
    {
        var primitives = Networks.Value.Create("AttentionFromPrimitives.Primitives", seed: 3);
        var layer = Networks.Value.Create("AttentionFromPrimitives.Layer", seed: 4);
        var rng = new Rng(9);
        foreach (var (name, _) in Same)
            foreach (ref float v in layer.Parameters.GetValues(name)) v = rng.NextFloat() - 0.5f;   // nonzero biases too
        foreach (var (l, p) in Same) layer.Parameters.GetValues(l).CopyTo(primitives.Parameters.GetValues(p));
        return (primitives, layer);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Layer_equals_attention_from_primitives(bool compiled)
    {
        var (primitives, layer) = Pair();
        const int batch = 5;
        var rng = new Rng(2);
        var x = CompiledVsInterpretedTests.Inputs(layer, batch, rng);
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(2)).ToArray();
        var yp = new float[batch * 2];
        var yl = new float[batch * 2];
        float lp, ll;
        if (compiled)
        {
            primitives.Infer(x, yp, batch); layer.Infer(x, yl, batch);
            lp = primitives.ComputeGradients(x, t, batch); ll = layer.ComputeGradients(x, t, batch);
        }
        else
        {
            Interpreter.Infer(primitives, x, yp, batch); Interpreter.Infer(layer, x, yl, batch);
            lp = Interpreter.ComputeGradients(primitives, x, t, batch); ll = Interpreter.ComputeGradients(layer, x, t, batch);
        }
        CompiledVsInterpretedTests.AssertClose(yp, yl, "outputs");
        CompiledVsInterpretedTests.AssertClose([lp], [ll], "loss");
        foreach (var (l, p) in Same)
            CompiledVsInterpretedTests.AssertClose(primitives.Parameters.GetGradients(p).ToArray(), layer.Parameters.GetGradients(l).ToArray(), "d loss / d " + l);
    }
}
