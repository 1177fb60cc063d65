using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Every element-wise math op in one network: two-head causal self-attention masked with
/// <c>Where(Triangle(3, 3), ...)</c> (a constant tensor, broadcast over the heads, with a learned fill broadcast over rows),
/// Exp fused into a dense layer's epilogue, Log, Sqrt, Abs, an RMS norm through Rsqrt, tensor division (by a tensor, of a
/// number), Maximum with a broadcast row and with a per-sample scalar, Minimum, and Where with a mask from the input through
/// Step.</summary>
[Network]
public partial class ElementWiseNet
{
    [Dense(4, 12)] Dense qkv;
    [Dense(4, 4)] Dense gate;
    [Param(3, Init = Init.Normal, Std = 0.5f)] Tensor fill;
    [Param(4, Init = Init.Normal, Std = 0.5f)] Tensor scale;
    [Param(3, 4, Init = Init.Normal, Std = 0.5f)] Tensor floor;

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
        var o = Reshape(Permute(MatMul(causal + soft, v), 1, 0, 2), 3, 4);      // [3, 4]
        var e = Exp(gate.Forward(x));                                           // Exp in the dense layer's epilogue
        var positive = e / (Abs(scale) + 1f) + Sqrt(Abs(o) + 0.25f) + Log(Abs(x) + 0.5f) + 1f / (e + 2f);
        var normed = positive * Rsqrt(Mean(positive * positive) + 1e-5f);       // RMS norm
        var high = Maximum(normed, floor + 1f) + Maximum(normed, Mean(floor) + 1f) - Minimum(normed, scale);
        return Where(Step(x), high, o);
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class ElementWiseOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Math_ops_and_a_causal_mask_match_the_interpreter(int batch)
    {
        var compiled = new ElementWiseNet(seed: 3);
        var interpreted = new ElementWiseNet(seed: 3);
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
        Assert.Contains("global::NetCompiler.ConstantTensors.Triangle(_values.AsSpan(", generated);
        Assert.Contains("SimdMath.Select(", generated);
        run.Unload();
    }
}
