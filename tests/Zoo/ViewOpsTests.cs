using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Two-head self-attention over 3 positions written from primitives: one projection sliced into q, k, v;
/// heads split with Reshape and Permute; batched MatMul and Softmax per head; heads merged back; a parameter seen
/// through Reshape (a view of a parameter), a view of a view of the input, and Concat.</summary>
[Network]
public partial class ViewsNet
{
    [Dense(4, 12)] Dense qkv;
    [Param(12, Init = Init.Normal, Std = 0.5f)] Tensor bias;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)                        // [T, D]
    {
        var h = qkv.Forward(x);                                   // [3, 12]
        var q = Slice(h, -1, 0, 4);                               // [3, 4]
        var k = Slice(h, 1, 4, 4);
        var v = Slice(h, 1, 8, 4);
        var qh = Permute(Reshape(q, 3, 2, 2), 1, 0, 2);           // [heads, T, d] = [2, 3, 2]
        var kt = Permute(Reshape(k, 3, 2, 2), 1, 2, 0);           // [2, 2, 3]: k transposed per head
        var vh = Permute(Reshape(v, 3, 2, 2), 1, 0, 2);           // [2, 3, 2]
        var attention = Softmax(MatMul(qh, kt) * 0.7f);           // [2, 3, 3]
        var o = Reshape(Permute(MatMul(attention, vh), 1, 0, 2), 3, 4) + Reshape(bias, 3, 4);   // [3, 4]
        return Concat(o, Reshape(Reshape(x, 12), -1, 4) * 0.5f, -1);                              // [3, 8]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class ViewOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Attention_from_views_matches_the_interpreter(int batch)
    {
        var compiled = new ViewsNet(seed: 6);
        var interpreted = new ViewsNet(seed: 6);
        Assert.Equal(new[] { 3, 8 }, ((INetwork)compiled).OutputShape);
        var rng = new Rng(13);
        var x = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch * 24).Select(_ => rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
        var yc = new float[batch * 24];
        compiled.Infer(x, yc, batch);
        Assert.Equal(x.Take(4).Select(v => v * 0.5f), yc.Skip(4).Take(4));   // the concatenated half is the input, scaled
    }

    [Fact]
    public void Reshape_is_a_view_and_costs_no_code()
    {
        var run = Generator.GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace ViewCases;
            [Network]
            public partial class Flatten
            {
                [Dense(6, 2)] Dense head;
                [Forward] Tensor Forward([Shape(2, 3)] Tensor x) => head.Forward(Reshape(x, 6));
            }
            """);
        run.AssertNoErrors();
        string generated = run.Source("Flatten");
        Assert.DoesNotContain("Reshape", generated.Split('\n').Where(l => !l.TrimStart().StartsWith("//", System.StringComparison.Ordinal)));
        Assert.Contains("ref float v0 = ref x;", generated);   // the layer reads the input in place
    }
}
