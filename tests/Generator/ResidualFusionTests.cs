using System.Linq;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>Residual sums fused into the epilogues of convolutions and batch normalization (<c>act(z + r)</c>): every
/// form the fusion takes is fused where it may be and not where it may not, and the compiled network trains exactly as
/// the interpreter, which runs every op on its own.</summary>
public class ResidualFusionTests
{
    private const string Convolutions = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace FusionCases;
        [Network]
        public partial class ConvResiduals
        {
            [Conv2D(4, 4, 3, Padding = 1)] Conv2D a;
            [Conv2D(4, 4, 3, Padding = 1)] Conv2D b;
            [Conv2D(4, 4, 1)] Conv2D c;
            [Conv2D(4, 4, 3, Padding = 1)] Conv2D d;
            [Conv2D(4, 4, 3, Padding = 1, Bias = false)] Conv2D e;
            [Dense(100, 3)] Dense head;
            [Forward]
            Tensor Forward([Shape(4, 5, 5)] Tensor x)
            {
                var h = Relu(a.Forward(x) + x);          // r is an input; ReLU's derivative reads y
                var g = Gelu(h + b.Forward(h));          // r on the left; GELU's derivative reads s, which is kept
                var k = c.Forward(g) + h;                // no activation: the sum is the result
                var u = d.Forward(k) + Tanh(k);          // r computed after the host: not fused
                var v = e.Forward(u);
                var w = Relu(v + v);                     // the same operand twice: not fused
                return head.Forward(Flatten(w + k));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    private const string Normalized = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace FusionCases;
        [Network]
        public partial class NormResiduals
        {
            [Conv2D(3, 4, 3, Padding = 1)] Conv2D stem;
            [Conv2D(4, 4, 3, Padding = 1, Bias = false)] Conv2D c1;
            [BatchNorm2D(4)] BatchNorm2D n1;
            [Conv2D(4, 4, 3, Padding = 1, Bias = false)] Conv2D c2;
            [BatchNorm2D(4)] BatchNorm2D n2;
            [Conv2D(4, 4, 1, Bias = false)] Conv2D c3;
            [BatchNorm2D(4)] BatchNorm2D n3;
            [Dense(4, 3)] Dense head;
            [Forward]
            Tensor Forward([Shape(3, 6, 6)] Tensor x)
            {
                var z = Relu(stem.Forward(x));
                var s = Gelu(z + n1.Forward(c1.Forward(z)));   // derivative reads s: kept
                var t = n2.Forward(c2.Forward(s)) + z;          // no activation
                var v = Sigmoid(n3.Forward(c3.Forward(t)));      // activation alone
                return head.Forward(GlobalAvgPool(v) + GlobalAvgPool(t));   // t also outside n3, which cancels n2's bias
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    [Fact]
    public void Convolution_epilogues_take_residual_sums_and_train_as_the_interpreter()
    {
        var run = GeneratorHarness.Run(Convolutions);
        run.AssertNoErrors();
        string source = run.Source("ConvResiduals");
        foreach (string fused in new[] { "Conv2D 'a' + Add + Relu ->", "Conv2D 'b' + Add + Gelu ->", "Conv2D 'c' + Add ->" })
            Assert.Contains("// forward " + fused, source);
        foreach (string alone in new[] { "Conv2D 'd' ->", "Conv2D 'e' ->" })
            Assert.Contains("// forward " + alone, source);
        AssertTrainsAsInterpreter(run, "FusionCases.ConvResiduals", new[] { 1, 35 });
        run.Unload();
    }

    [Fact]
    public void Batch_norm_epilogues_take_residual_sums_and_activations_and_train_as_the_interpreter()
    {
        var run = GeneratorHarness.Run(Normalized);
        run.AssertNoErrors();
        string source = run.Source("NormResiduals");
        foreach (string fused in new[] { "BatchNorm + Add + Gelu ->", "BatchNorm + Add ->", "BatchNorm + Sigmoid ->" })
            Assert.Contains("// forward " + fused, source);
        AssertTrainsAsInterpreter(run, "FusionCases.NormResiduals", new[] { 3, 34 });
        run.Unload();
    }

    /// <summary>Two training steps' outputs, losses and gradients (and the running statistics) against the interpreter, for
    /// each batch size; the network takes class labels 0-2 as targets.</summary>
    internal static void AssertTrainsAsInterpreter(GeneratorRun run, string type, int[] batches)
    {
        foreach (int batch in batches)
        {
            var compiled = run.Create(type, seed: 5);
            var interpreted = run.Create(type, seed: 5);
            var rng = new Rng((ulong)(3 + batch));
            var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
            var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
            for (int step = 0; step < 2; step++)
            {
                CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
                CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Buffers, compiled.Parameters.Buffers, "running statistics");
                compiled.TrainStep(x, t, batch, 0.1f);
                Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
            }
        }
    }
}
