using System;
using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Two inputs, ids first: an embedding looked up by token ids, added to per-position features, then a
/// per-position classifier. Per-sample code (small layers).</summary>
[Network]
public partial class TokenMixNet
{
    [Param(10, 4, Init = Init.Normal, Std = 1f)] Tensor table;   // [vocab, dim]
    [Dense(4, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(3)] Tokens ids, [Shape(3, 4)] Tensor features) => head.Forward(Tanh(Gather(table, ids) + features));

    [Loss] static Tensor Loss(Tensor logits, [Shape(3, 1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>Two inputs, values first, through a layer large enough for TileGemm: its input starts 2 floats into each
/// sample (after the ids) with a stride of the whole sample.</summary>
[Network]
public partial class TiledTokenNet
{
    [Dense(64, 32)] Dense big;                                   // 2,048 multiply-adds: tiled
    [Param(7, 32, Init = Init.Normal, Std = 1f)] Tensor table;

    [Forward]
    Tensor Forward([Shape(2)] Tokens ids, [Shape(64)] Tensor x) => Relu(big.Forward(x)) + Gather(table, ids);   // [2, 32]

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class TokenInputTests
{
    [Fact]
    public void Inputs_are_laid_out_in_declaration_order()
    {
        INetwork mix = new TokenMixNet(), tiled = new TiledTokenNet();
        Assert.Equal([15], mix.InputShape);
        Assert.Equal(["ids 3 Tokens 0", "features 3,4 Values 3"], mix.Inputs.Select(i => $"{i.Name} {string.Join(",", i.Shape)} {i.Kind} {i.Offset}"));
        Assert.Equal(["ids 2 Tokens 0", "x 64 Values 2"], tiled.Inputs.Select(i => $"{i.Name} {string.Join(",", i.Shape)} {i.Kind} {i.Offset}"));
        Assert.Equal([10, 0], mix.Inputs.Select(i => i.IdCount));   // the table's rows; values have none
        Assert.Equal([7, 0], tiled.Inputs.Select(i => i.IdCount));
        Assert.Equal(15, TokenMixNet.InputSize);
        Assert.Equal(66, TiledTokenNet.InputSize);
    }

    [Theory]
    [InlineData(nameof(TokenMixNet), 1)]
    [InlineData(nameof(TokenMixNet), 5)]
    [InlineData(nameof(TiledTokenNet), 1)]
    [InlineData(nameof(TiledTokenNet), 35)]   // a full tile and a partial one
    public void Compiled_matches_interpreted_with_token_and_value_inputs(string network, int batch)
    {
        INetwork Create() => network == nameof(TokenMixNet) ? new TokenMixNet(seed: 3) : new TiledTokenNet(seed: 3);
        INetwork compiled = Create(), interpreted = Create();
        var rng = new Rng((ulong)batch);
        var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);   // ids below each input's IdCount
        int targetSize = compiled.TargetShape.Aggregate(1, (a, b) => a * b);
        bool indices = compiled.TargetShape[^1] == 1;
        var t = Enumerable.Range(0, batch * targetSize).Select(_ => indices ? rng.NextInt(compiled.OutputShape[^1]) : rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }

    [Fact]
    public void The_table_gradient_is_the_sum_of_the_rows_read_from_it()
    {
        // Independent reference: d sum(Gather(table, ids) * w) / d table[r, :] = sum of w[i, :] over the i with ids[i] = r.
        var table = Tensor.FromBatch(Enumerable.Range(0, 12).Select(i => i * 0.1f).ToArray(), 1, 4, 3);
        var store = new ParameterStore([new ParameterInfo("table", 0, [4, 3])]);
        table.Values.CopyTo(store.Values);
        var ids = Tokens.FromBatch([2, 0, 2, 3, 2], 1, 5);
        var w = Tensor.Constant(Enumerable.Range(0, 15).Select(i => 1f + i).ToArray(), 5, 3);
        var y = Gather(store["table"], ids);
        Assert.Equal([5, 3], y.Shape);
        for (int i = 0; i < 5; i++)
            Assert.Equal(store.Values.AsSpan(ids.Values[i] * 3, 3).ToArray(), y.Values.Slice(i * 3, 3).ToArray());
        Sum(y * w).Backward();
        var expected = new float[12];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++) expected[ids.Values[i] * 3 + j] += 1f + i * 3 + j;
        Assert.Equal(expected, store.Gradients);
    }

    [Theory]
    [InlineData(10f)]
    [InlineData(-1f)]
    [InlineData(2.5f)]
    [InlineData(float.NaN)]
    [InlineData(1e9f)]
    public void Ids_that_are_not_integers_below_the_vocabulary_are_refused_and_change_nothing(float bad)
    {
        var net = new TokenMixNet(seed: 1);
        var x = CompiledVsInterpretedTests.Inputs(net, 4, new Rng(2));
        x[TokenMixNet.InputSize * 3 + 1] = bad;   // sample 3, second id: in the last tile's rows
        var t = new float[4 * 3];
        var before = net.Parameters.Values.ToArray();
        var adam = new Adam(0.01f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, t, 4, adam));
        Assert.Contains("token id", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Infer(x, new float[4 * 9], 4));
        Assert.ThrowsAny<ArgumentException>(() => Interpreter.Infer(net, x, new float[4 * 9], 4));
        Assert.Equal(before, net.Parameters.Values);
        Assert.Equal(0, adam.StepCount);
    }
}
