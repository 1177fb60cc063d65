using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Self-attention whose one projection is cut by Split into query, key and value, named by deconstruction.</summary>
[Network]
public partial class SplitAttentionNet
{
    [Dense(4, 12)] Dense qkv;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)                         // [T, D]
    {
        var (q, k, v) = Split(qkv.Forward(x), -1, 4, 4, 4);        // [3, 4] each
        var attention = Softmax(MatMul(q, Transpose(k)) * 0.5f);   // [3, 3]
        return MatMul(attention, v);                               // [3, 4]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>Pieces of unequal sizes along axis 0, read by index (with <c>Length</c>), by <c>foreach</c>, by a
/// deconstruction with discards and by one into locals declared before.</summary>
[Network]
public partial class SplitRowsNet
{
    [Param(5, 3, Init = Init.Normal, Std = 1f)] Tensor w;

    [Forward]
    Tensor Forward([Shape(5, 3)] Tensor x)
    {
        var parts = Split(Tanh(x * w), 0, 2, 1, 2);               // [2, 3], [1, 3], [2, 3]
        var y = parts[0] * parts[parts.Length - 1];               // [2, 3]
        foreach (var part in parts) y = y + Sum(part);
        var (_, middle, _) = parts;
        Tensor top, bottom;
        (top, bottom) = Split(y, 0, 1, 1);                        // [1, 3] each
        return Concat(Concat(bottom * 2f, top, 0), middle, 0);   // [3, 3]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class SplitTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Split_networks_match_the_interpreter(int batch)
    {
        var rng = new Rng(21);
        foreach (var (compiled, interpreted) in new (INetwork, INetwork)[]
                 { (new SplitAttentionNet(seed: 2), new SplitAttentionNet(seed: 2)), (new SplitRowsNet(seed: 2), new SplitRowsNet(seed: 2)) })
        {
            int inputSize = compiled.InputShape.Aggregate(1, (a, b) => a * b), targetSize = compiled.TargetShape.Aggregate(1, (a, b) => a * b);
            var x = Enumerable.Range(0, batch * inputSize).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
            var t = Enumerable.Range(0, batch * targetSize).Select(_ => rng.NextFloat()).ToArray();
            CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
        }
    }

    [Fact]
    public void Pieces_have_their_sizes_and_their_values_are_the_input_ranges()
    {
        Assert.Equal([3, 4], ((INetwork)new SplitAttentionNet()).OutputShape);
        Assert.Equal([3, 3], ((INetwork)new SplitRowsNet()).OutputShape);
        var x = Tensor.FromBatch(Enumerable.Range(0, 2 * 12).Select(i => (float)i).ToArray(), 2, 3, 4);
        var pieces = Split(x, 1, 1, 3);
        Assert.Equal([[3, 1], [3, 3]], pieces.Select(p => p.Shape));
        Assert.Equal([0f, 4, 8, 12, 16, 20], pieces[0].ToArray());
        Assert.Equal([1f, 2, 3, 5, 6, 7, 9, 10, 11], pieces[1].ToArray().Take(9));
        var (first, second) = pieces;
        Assert.Same(pieces[1], second);
        Assert.Same(pieces[0], first);
    }

    [Fact]
    public void Eager_split_refuses_what_the_generator_refuses()
    {
        var x = Tensor.FromBatch(new float[12], 1, 3, 4);
        Assert.Contains("must add up to 4", Assert.Throws<ArgumentException>(() => Split(x, -1, 2, 1)).Message);
        Assert.Contains("at least 1", Assert.Throws<ArgumentException>(() => Split(x, 0, 3, 0)).Message);
        Assert.Contains("not an axis", Assert.Throws<ArgumentException>(() => Split(x, 2, 3)).Message);
        Assert.Throws<ArgumentException>(() => Split(x, 0));
        Assert.Contains("into 3 locals", Assert.Throws<ArgumentException>(() => { var (a, b, c) = Split(x, 0, 1, 2); }).Message);
    }

    [Fact]
    public void Generated_code_names_the_split_line()
    {
        var run = GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace SplitCases;
            [Network]
            public partial class Halves
            {
                [Dense(2, 4)] Dense up;
                [Forward]
                Tensor Forward([Shape(2)] Tensor x)
                {
                    var (a, b) = Split(up.Forward(x), 0, 2, 2);
                    return Sigmoid(a) * b;
                }
            }
            """);
        run.AssertNoErrors();
        string generated = run.Source("Halves");
        var comment = "// forward Slice -> [2], line 11: Split(up.Forward(x), 0, 2, 2)";
        Assert.Equal(4, generated.Split('\n').Count(l => l.Trim() == comment));   // one block per piece, in the training and the inference kernel
        Assert.Empty(run.DiagnosticsInGeneratedCode);
    }

    // ---- diagnostics: at the Split call (shapes), at the index or the deconstruction (the number of pieces) -----------

    private const string Network = """
        [Network]
        public partial class Cut
        {
            [Dense(4, 12)] Dense qkv;
            [Forward]
            Tensor Forward([Shape(3, 4)] Tensor x)
            {
                var h = qkv.Forward(x);
                BODY
            }
        }
        """;

    private static Microsoft.CodeAnalysis.Diagnostic Expect(string body, string id) => DiagnosticTests.Expect(Network.Replace("BODY", body), id);

    [Theory]
    [InlineData("return /*<*/Split(h, -1, 4, 4)/*>*/[0];", "Split of [3, 12] along axis -1 into 4 + 4 = 8: the sizes must add up to 12")]
    [InlineData("return /*<*/Split(h, 1, 4)/*>*/[0];", "not a chunk size as in torch.split")]
    [InlineData("return /*<*/Split(h, 0, 3, 0)/*>*/[0];", "into 3 + 0: every size must be at least 1")]
    [InlineData("return /*<*/Split(h, 2, 6, 6)/*>*/[1];", "Split's axis 2 is not an axis of a rank-2 shape")]
    public void Sizes_and_axis_are_checked_at_the_call(string body, string fact) =>
        DiagnosticTests.Contains(Expect(body, "NC0101"), fact);

    [Theory]
    [InlineData("var parts = Split(h, -1, 4, 4, 4); return /*<*/parts[3]/*>*/;", "The index 3", "'parts' has 3 tensors")]
    [InlineData("/*<*/var (q, k)/*>*/ = Split(h, -1, 4, 4, 4); return q + k;", "it names 2 locals", "gives 3 tensors")]
    [InlineData("return /*<*/Split(h, 0)/*>*/[0];", "Split without sizes", "give the size of each piece")]
    [InlineData("return Split(h, 0, /*<*/new[] { 1, 2 }/*>*/)[0];", "The array 'new[] { 1, 2 }'", "an argument of its own")]
    public void The_number_of_pieces_is_checked_where_they_are_read(string body, string fact1, string fact2) =>
        DiagnosticTests.Contains(Expect(body, "NC0003"), fact1, fact2);
}
