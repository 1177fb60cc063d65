using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>Infer's own memory plan: a value's slot is reused once its last reader has run, so a deep network's inference
/// workspace holds a few layers, not all of them, while the training workspace keeps every value backward reads; and
/// the outputs stay those of the interpreter (whose values never share storage).</summary>
public class InferenceMemoryPlanTests
{
    /// <summary>The value of the generated constant <paramref name="name"/> (a workspace size).</summary>
    internal static int Constant(string source, string name) =>
        int.Parse(Regex.Match(source, $@"private const int {name} = (\d+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_deep_network_reuses_dead_slots_in_inference_only()
    {
        // Eight 64-wide layers with residual additions: a value dies when the next block has read it.
        var run = GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace PlanCases;
            [Network]
            public partial class Deep
            {
                [Dense(64, 64), Repeat(8)] Dense[] blocks;
                [Dense(64, 4)] Dense head;
                [Forward]
                Tensor Forward([Shape(64)] Tensor x)
                {
                    var h = x;
                    foreach (var block in blocks) h = h + Tanh(block.Forward(h));
                    return head.Forward(h);
                }
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """);
        run.AssertNoErrors();
        string source = run.Source("Deep");
        int training = Constant(source, "ValueWorkspaceSize"), inference = Constant(source, "InferenceWorkspaceSize");
        Assert.True(training >= 16 * 64, $"training keeps every block's two values: {training}");
        Assert.True(inference <= 4 * 64, $"inference holds a few live values at a time: {inference}");

        var compiled = run.Create("PlanCases.Deep", seed: 3);
        var rng = new Rng(2);
        var x = Enumerable.Range(0, 5 * 64).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        float[] yc = new float[20], yi = new float[20];
        compiled.Infer(x, yc, 5);
        Interpreter.Infer(compiled, x, yi, 5);
        Zoo.CompiledVsInterpretedTests.AssertClose(yi, yc, "outputs");
        run.Unload();
    }
}
