using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>+ - * broadcasting beyond a suffix, compiled: operands that broadcast each other (<c>[T, 1] - [1, T]</c>, a
/// column times a row of parameters) and a 1 inside a shape (<c>[2, 1, 4] * [3, 1]</c>); rows of 17 take the vector paths
/// and their tails.</summary>
[Network]
public partial class BroadcastNet
{
    [Param(4, 17, Init = Init.Normal, Std = 0.5f)] Tensor key;
    [Param(3, 1, Init = Init.Normal, Std = 0.5f)] Tensor rowScale;
    [Param(2, 1, 4, Init = Init.Normal, Std = 0.5f)] Tensor cube;
    [Param(17, 1, Init = Init.Normal, Std = 0.5f)] Tensor column;
    [Param(1, 17, Init = Init.Normal, Std = 0.5f)] Tensor row;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)                                      // [T, D] = [3, 4]
    {
        var mean = Mean(Tanh(MatMul(x, key)), 1, true);                         // [3, 1]
        var pairs = mean - Reshape(mean, 1, 3);                                 // [3, 1] - [1, 3] -> [3, 3]
        var grid = column * row;                                                // [17, 1] * [1, 17] -> [17, 17]
        var cubes = cube * rowScale + x;                                        // [2, 1, 4] * [3, 1] -> [2, 3, 4]
        return Concat(Concat(Reshape(pairs, -1), Reshape(grid, -1), 0), Reshape(cubes, -1), 0);   // [9 + 289 + 24]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>Div, Maximum, Minimum and Where broadcasting a column against rows of 17, and Where with a column mask (and
/// a number for b).</summary>
[Network]
public partial class BroadcastMathNet
{
    [Param(4, 17, Init = Init.Normal, Std = 0.5f)] Tensor key;
    [Param(3, 1, Init = Init.Normal, Std = 0.5f)] Tensor rowScale;
    [Param(1, 17, Init = Init.Normal, Std = 0.5f)] Tensor row;

    [Forward]
    Tensor Forward([Shape(3, 4)] Tensor x)                                      // [T, D] = [3, 4]
    {
        var h = Tanh(MatMul(x, key));                                           // [3, 17]
        var mean = Mean(h, 1, true);                                            // [3, 1]
        var scaled = h / (Abs(rowScale) + 1f);                                  // [3, 17] / [3, 1]
        var masked = Where(Step(Sum(x, 1, true)), h, row)                       // mask [3, 1], branches [3, 17], [1, 17]
            + Where(Step(mean), h * 0.5f, -1f);                                 // mask [3, 1], a number for b
        return Maximum(mean, row) + Minimum(scaled, mean * 2f) + masked;        // [3, 17]
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

public class BroadcastTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(35)]
    public void Arithmetic_matches_the_interpreter(int batch) => MatchesTheInterpreter(new BroadcastNet(seed: 4), new BroadcastNet(seed: 4), batch);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(35)]
    public void Math_ops_and_Where_match_the_interpreter(int batch) =>
        MatchesTheInterpreter(new BroadcastMathNet(seed: 4), new BroadcastMathNet(seed: 4), batch);

    /// <summary>Outputs, loss and every parameter's gradient, for a [3, 4] input.</summary>
    private static void MatchesTheInterpreter(INetwork compiled, INetwork interpreted, int batch)
    {
        int outputs = compiled.OutputShape.Aggregate(1, (a, b) => a * b);
        var rng = new Rng(21);
        var x = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch * outputs).Select(_ => rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }

    /// <summary>A row repeated over leading dimensions keeps the flat runs; [T, 1] - [1, T] loops over rows with a constant
    /// stride per operand (0 where it is repeated), the row vectorized, and its backward sums the column's share per row.</summary>
    [Fact]
    public void Only_broadcasting_beyond_a_suffix_nests_loops()
    {
        var run = Generator.GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace BroadcastCases;
            [Network]
            public partial class Pairs
            {
                [Param(20)] Tensor bias;
                [Param(20, 1)] Tensor column;
                [Forward] Tensor Forward([Shape(3, 20)] Tensor x) =>
                    Concat(Reshape(Tanh(x + bias), -1), Reshape(Reshape(column, 1, 20) - column, -1), 0);
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """);
        run.AssertNoErrors();
        string generated = run.Source("Pairs");
        Assert.Contains("for (int r = 0; r < 3; r++)", generated);                        // x + bias: rows of 20
        Assert.Contains("for (int i0 = 0; i0 < 20; i0++)   // 20 runs of 20", generated);   // [1, 20] - [20, 1]
        var column = Regex.Match(generated, @"float v(\d+)At = Unsafe\.Add\(ref v\1, i0\);");   // one value per row
        Assert.True(column.Success, "the column is not read once per row");
        string id = column.Groups[1].Value;
        Assert.Contains($"Vector512.Create(v{id}At)", generated);
        Assert.Contains($"ref float d{id}At = ref Unsafe.Add(ref d{id}, i0);", generated);  // its gradient, summed per row
        Assert.Contains($"d{id}At += sum", generated);
        run.Unload();
    }
}
