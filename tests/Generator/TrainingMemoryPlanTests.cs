using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>The training memory plan keeps a value to the backward pass only when some backward reads it (a layer's
/// input, an activation whose derivative is written with its output); a value only forward reads (what a sum, a max pool
/// or batch normalization's output feeds) gives its slot back once its last forward reader has run. Gradients stay those
/// of the interpreter, whose values never share storage.</summary>
public class TrainingMemoryPlanTests
{
    [Fact]
    public void Values_no_backward_reads_share_slots_and_gradients_match()
    {
        // Each block: the layer's output feeds only a sum (which reads neither operand back), the sum feeds only Tanh
        // (whose derivative reads its output): of a block's three 64-float values only Tanh's is kept.
        var run = GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace PlanCases;
            [Network]
            public partial class DeepSums
            {
                [Dense(64, 64), Repeat(8)] Dense[] blocks;
                [Dense(64, 4)] Dense head;
                [Forward]
                Tensor Forward([Shape(64)] Tensor x)
                {
                    var h = x;
                    foreach (var block in blocks) h = Tanh(block.Forward(h) + h);
                    return head.Forward(h);
                }
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """);
        run.AssertNoErrors();
        int training = InferenceMemoryPlanTests.Constant(run.Source("DeepSums"), "ValueWorkspaceSize");
        Assert.True(training >= 8 * 64, $"the eight Tanh outputs are kept: {training}");
        Assert.True(training <= 11 * 64, $"sums and layer outputs reuse a few slots (a slot per value would be {24 * 64 + 16}): {training}");

        var compiled = run.Create("PlanCases.DeepSums", seed: 3);
        var interpreted = run.Create("PlanCases.DeepSums", seed: 3);
        var rng = new Rng(4);
        foreach (int batch in new[] { 1, 35 })
        {
            var x = Enumerable.Range(0, batch * 64).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
            var t = Enumerable.Range(0, batch * 4).Select(_ => rng.NextFloat()).ToArray();
            float lc = compiled.ComputeGradients(x, t, batch), li = Interpreter.ComputeGradients(interpreted, x, t, batch);
            Zoo.CompiledVsInterpretedTests.AssertClose(new[] { li }, new[] { lc }, $"loss, batch {batch}");
            foreach (var p in compiled.Parameters.Layout)
                Zoo.CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(),
                    compiled.Parameters.GetGradients(p.Name).ToArray(), $"d loss / d {p.Name}, batch {batch}");
        }
        run.Unload();
    }
}
