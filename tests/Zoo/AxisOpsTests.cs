using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Reductions and softmax along each kind of axis: the first (strided columns), a middle one and the last
/// (contiguous rows), with and without keepDim, and whole-sample Max.</summary>
[Network]
public partial class AxesNet
{
    [Dense(4, 4)] Dense mix;

    [Forward]
    Tensor Forward([Shape(2, 3, 4)] Tensor x)
    {
        var h = Tanh(mix.Forward(x));                                   // [2, 3, 4]
        var columns = Softmax(h, 0) + LogSoftmax(h, 1) * 0.1f;          // strided lines
        var rows = LogSoftmax(h) + Softmax(h, -1);                      // contiguous rows
        var reduced = Sum(columns, 1, true) + Mean(rows, 1, keepDim: true) + Max(h, 1, true);   // [2, 1, 4]
        var perRow = Max(h, -1) + Mean(h, 2) + Sum(h, -1);                                        // [2, 3]
        var all = Concat(Reshape(reduced, 8), Reshape(perRow, 6), 0);  // [14]
        return all + Max(h) * Sum(Max(h, 0));                         // [14]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class AxisOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Ops_along_axes_match_the_interpreter(int batch)
    {
        var compiled = new AxesNet(seed: 8);
        var interpreted = new AxesNet(seed: 8);
        Assert.Equal(new[] { 14 }, ((INetwork)compiled).OutputShape);
        var rng = new Rng(21);
        var x = Enumerable.Range(0, batch * 24).Select(_ => rng.NextFloat() * 4 - 2).ToArray();
        var t = Enumerable.Range(0, batch * 14).Select(_ => rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }
}
