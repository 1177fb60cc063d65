using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>MatMul over stacked matrices, each leading-dimension case of the shape rule: both operands stacked (a
/// parameter per head), both activations (scores of a sequence against itself), an unstacked left operand broadcast
/// over a stacked right one, and a stacked left one against a single right matrix (folded into one product).</summary>
[Network]
public partial class BatchedMatMulNet
{
    [Param(2, 4, 5, Init = Init.Normal, Std = 0.5f)] Tensor perHead;   // [heads, in, out]
    [Param(3, 3, Init = Init.Normal, Std = 0.5f)] Tensor mix;          // [T, T], shared by the heads
    [Param(3, 2, Init = Init.Normal, Std = 0.5f)] Tensor head;         // [T, out]

    [Forward]
    Tensor Forward([Shape(2, 3, 4)] Tensor x)            // [heads, T, in]
    {
        var y = MatMul(x, perHead);                      // [2, 3, 5]: stacked x stacked
        var scores = MatMul(y, Transpose(y)) * 0.1f;     // [2, 3, 3]: activations on both sides
        var mixed = MatMul(mix, Tanh(scores));           // [2, 3, 3]: [3, 3] broadcast over the heads
        return MatMul(mixed, head);                      // [2, 3, 2]: one right matrix, heads folded into rows
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class BatchedMatMulTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Stacked_products_match_the_interpreter(int batch)
    {
        var compiled = new BatchedMatMulNet(seed: 4);
        var interpreted = new BatchedMatMulNet(seed: 4);
        Assert.Equal(new[] { 2, 3, 2 }, ((INetwork)compiled).OutputShape);
        var rng = new Rng(9);
        var x = Enumerable.Range(0, batch * 24).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }
}
