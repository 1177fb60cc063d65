using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Attention.TransformerReference;

namespace NetCompiler.Tests.Attention;

/// <summary>The zoo's score-function modules, <see cref="LuongAttention"/> (general, q W_a k^T) and
/// <see cref="BahdanauAttention"/> (additive, v_a^T tanh(W_a q + U_a k)), inside <see cref="LuongAttentionNet"/> and
/// <see cref="BahdanauAttentionNet"/>: outputs, loss and every gradient against a float64 reference written from the
/// papers' formulas, and compiled against interpreted over three SGD steps.</summary>
public class ScoreFunctionTests(ITestOutputHelper output)
{
    private const int Queries = 3, Memory = 7, Features = 4, Width = 16, ValueWidth = 5, Classes = 3;

    /// <summary>As <see cref="UserTransformerReferenceTests"/>: errors against each value's scale, a few float32 eps.</summary>
    private const double Tolerance = 5e-6;

    [Fact]
    public void Luong_general_attention_matches_the_float64_reference() =>
        Check(new LuongAttentionNet(seed: 1), (p, x, t) =>
        {
            var r = new TransformerReference(p);
            var q = r.Linear("embed", Constants(x.AsSpan(0, Queries * Features)), Queries, Features, Width).Select(Scalar.Tanh).ToArray();
            var memory = Constants(x.AsSpan(Queries * Features));
            var keys = r.Linear("attention.Wa", memory, Memory, Width, Width);            // k W_a^T: score q W_a k^T
            var scores = Enumerable.Range(0, Queries * Memory)
                .Select(e => Scalar.Dot(Row(q, e / Memory, Width, 0, Width), Row(keys, e % Memory, Width, 0, Width))).ToArray();
            var logits = r.Linear("head", WeightedSum(scores, memory, Width), 1, Queries * Width, Classes);
            return (logits, CrossEntropy(logits, (int)t[0]));
        });

    [Fact]
    public void Bahdanau_additive_attention_matches_the_float64_reference() =>
        Check(new BahdanauAttentionNet(seed: 2), (p, x, t) =>
        {
            var r = new TransformerReference(p);
            var q = r.Linear("embed", Constants(x.AsSpan(0, Queries * Features)), Queries, Features, Width).Select(Scalar.Tanh).ToArray();
            var memory = Constants(x.AsSpan(Queries * Features));
            var wq = r.Linear("attention.Wa", q, Queries, Width, Width);
            var uk = r.Linear("attention.Ua", memory, Memory, Width, Width);
            var va = p["attention.va"];
            var scores = Enumerable.Range(0, Queries * Memory).Select(e => Scalar.Dot(va,
                Enumerable.Range(0, Width).Select(h => Scalar.Tanh(wq[e / Memory * Width + h] + uk[e % Memory * Width + h])).ToArray())).ToArray();
            var values = r.Linear("value", memory, Memory, Width, ValueWidth);
            var logits = r.Linear("head", WeightedSum(scores, values, ValueWidth), 1, Queries * ValueWidth, Classes);
            return (logits, CrossEntropy(logits, (int)t[0]));
        });

    [Theory]
    [InlineData(typeof(LuongAttentionNet))]
    [InlineData(typeof(BahdanauAttentionNet))]
    public void Compiled_network_trains_as_the_interpreter(Type type) =>
        CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => (INetwork)Activator.CreateInstance(type, 5)!, type.Name);

    /// <summary>softmax over each query's row of <paramref name="scores"/> [Queries, Memory], times values [Memory, width]:
    /// [Queries, width].</summary>
    private static Scalar[] WeightedSum(Scalar[] scores, Scalar[] values, int width)
    {
        var y = new Scalar[Queries * width];
        for (int i = 0; i < Queries; i++)
        {
            var weights = Softmax(Row(scores, i, Memory, 0, Memory));
            for (int c = 0; c < width; c++)
                y[i * width + c] = Scalar.Dot(weights, Enumerable.Range(0, Memory).Select(j => values[j * width + c]).ToArray());
        }
        return y;
    }

    private void Check(INetwork net, Float64NetworkCheck.SampleReference reference)
    {
        Float64NetworkCheck.PerturbParameters(net, seed: 3);
        const int batch = 4;
        var rng = new Rng(4);
        var x = CompiledVsInterpretedTests.Inputs(net, batch, rng);
        var t = CompiledVsInterpretedTests.Targets(net, batch, rng);
        double worst = Float64NetworkCheck.AssertMatchesReference(net, reference, x, t, batch, Tolerance);
        output.WriteLine($"{net.GetType().Name}: worst error / scale {worst:G3}");
    }
}
