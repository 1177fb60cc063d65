using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Two-head causal self-attention masked with <c>Where(Triangle(3, 3), ...)</c>: a constant tensor broadcast over
/// the heads, with -inf as the fill, and with a learned fill broadcast over rows (the gradient of a broadcast branch).</summary>
[Network]
public partial class CausalMaskNet
{
    [Dense(4, 12)] Dense qkv;
    [Param(3, Init = Init.Normal, Std = 0.5f)] Tensor fill;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)                                      // [T, D]
    {
        var h = qkv.Forward(x);                                                 // [3, 12]
        var q = Permute(Reshape(Slice(h, 1, 0, 4), 3, 2, 2), 1, 0, 2);           // [heads, T, d] = [2, 3, 2]
        var k = Permute(Reshape(Slice(h, 1, 4, 4), 3, 2, 2), 1, 2, 0);           // [2, 2, 3]
        var v = Permute(Reshape(Slice(h, 1, 8, 4), 3, 2, 2), 1, 0, 2);           // [2, 3, 2]
        var scores = MatMul(q, k) * 0.7f;                                       // [2, 3, 3]
        var causal = Softmax(Where(Triangle(3, 3), scores, float.NegativeInfinity));
        var soft = Softmax(Where(Triangle(3, 3), scores, fill - 2f));           // a learned fill, broadcast over rows
        return Reshape(Permute(MatMul(causal + soft, v), 1, 0, 2), 3, 4);       // [3, 4]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>The element-wise math ops: Exp fused into a dense layer's epilogue, Log, Sqrt, Abs, an RMS norm through Rsqrt,
/// tensor division (by a broadcast row, of a number), Maximum with a broadcast row and with a per-sample scalar, Minimum,
/// and Where with a mask computed from the input through Step.</summary>
[Network]
public partial class ElementWiseNet
{
    [Dense(4, 4)] Dense gate;
    [Param(4, Init = Init.Normal, Std = 0.5f)] Tensor scale;
    [Param(3, 4, Init = Init.Normal, Std = 0.5f)] Tensor floor;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)
    {
        var e = Exp(gate.Forward(x));                                           // Exp in the dense layer's epilogue
        var positive = e / (Abs(scale) + 1f) + Sqrt(Abs(x) + 0.25f) + Log(Abs(x) + 0.5f) + 1f / (e + 2f);
        var normed = positive * Rsqrt(Mean(positive * positive) + 1e-5f);       // RMS norm
        var high = Maximum(normed, floor + 1f) + Maximum(normed, Mean(floor) + 1f) - Minimum(normed, scale);
        return Where(Step(x), high, e);
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class ElementWiseOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_causal_mask_matches_the_interpreter(int batch) => MatchesTheInterpreter(new CausalMaskNet(seed: 3), new CausalMaskNet(seed: 3), batch);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Math_ops_match_the_interpreter(int batch) => MatchesTheInterpreter(new ElementWiseNet(seed: 3), new ElementWiseNet(seed: 3), batch);

    /// <summary>Outputs, loss and every parameter's gradient (each nonzero) of the compiled network and the interpreter,
    /// for a [3, 4] input and output.</summary>
    private static void MatchesTheInterpreter<TNet>(TNet compiled, TNet interpreted, int batch) where TNet : INetwork
    {
        var rng = new Rng(21);
        var x = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat()).ToArray();
        var yc = new float[batch * 12];
        var yi = new float[batch * 12];
        compiled.Infer(x, yc, batch);
        Interpreter.Infer(interpreted, x, yi, batch);
        Assert.All(yc, v => Assert.True(float.IsFinite(v)));
        CompiledVsInterpretedTests.AssertClose(yi, yc, "outputs");
        float lc = compiled.ComputeGradients(x, t, batch), li = Interpreter.ComputeGradients(interpreted, x, t, batch);
        CompiledVsInterpretedTests.AssertClose([li], [lc], "loss");
        foreach (var p in compiled.Parameters.Layout)
        {
            var g = compiled.Parameters.GetGradients(p.Name).ToArray();
            Assert.True(g.Any(v => v != 0f), $"d loss / d {p.Name} is zero");
            CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(), g, "d loss / d " + p.Name);
        }
    }

    [Fact]
    public void Triangle_is_a_constant_filled_by_the_constructor()
    {
        var run = Generator.GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace MaskCases;
            [Network]
            public partial class Causal
            {
                [Dense(4, 4)] Dense scores;
                [Forward] Tensor Forward([Shape(4)] Tensor x) => Softmax(Where(Triangle(4, 4), scores.Forward(x), float.NegativeInfinity));
            }
            """);
        run.AssertNoErrors();
        string generated = run.Source("Causal");
        Assert.Contains("global::NetCompiler.ConstantTensors.Triangle(values.AsSpan(", generated);
        Assert.Contains("SimdMath.Select(", generated);
        run.Unload();
    }
}
