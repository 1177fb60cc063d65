using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Token embeddings plus the fixed sinusoidal encodings, then a classifier per position. Per-sample code.</summary>
[Network]
public partial class SinusoidalNet
{
    [Embedding(10, 5)] Embedding tokens;                           // an odd width: the last column is a sine
    [Dense(5, 10)] Dense head;

    [Forward] Tensor Forward([Shape(4)] Tokens ids) => head.Forward(Tanh(tokens.Forward(ids) + SinusoidalPositions(4, 5)));

    [Loss] static Tensor Loss(Tensor logits, [Shape(4, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>The same through a layer large enough for TileGemm: the constant is in every sample slot of a tile.</summary>
[Network]
public partial class TiledSinusoidalNet
{
    [Embedding(7, 64)] Embedding tokens;
    [Dense(64, 32)] Dense big;                                     // 2,048 multiply-adds per position: tiled

    [Forward] Tensor Forward([Shape(3)] Tokens ids) => Relu(big.Forward(tokens.Forward(ids) + SinusoidalPositions(3, 64)));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>A learned position table (GPT-2's <c>wpe</c>) is a parameter added to the embeddings; a table for more
/// positions than the input has is cut with Slice, and only the rows read get a gradient.</summary>
[Network]
public partial class LearnedPositionsNet
{
    [Embedding(10, 4)] Embedding tokens;
    [Param(6, 4, Init = Init.Normal, Std = 0.5f)] Tensor positions;   // [max positions, dim]
    [Dense(4, 10)] Dense head;

    [Forward] Tensor Forward([Shape(3)] Tokens ids) => head.Forward(Tanh(tokens.Forward(ids) + Slice(positions, 0, 0, 3)));

    [Loss] static Tensor Loss(Tensor logits, [Shape(3, 1)] Tensor next) => CrossEntropy(logits, next);
}

public class PositionEncodingTests
{
    /// <summary>The PyTorch tutorial's formula in float64, written as it writes it: div_term = exp(2i (-ln 10000 / d)),
    /// pe[:, 0::2] = sin(pos div_term), pe[:, 1::2] = cos(pos div_term).</summary>
    private static double Reference(int pos, int j, int dim)
    {
        double divTerm = Math.Exp(2 * (j / 2) * (-Math.Log(10000.0) / dim));
        return j % 2 == 0 ? Math.Sin(pos * divTerm) : Math.Cos(pos * divTerm);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 4)]
    [InlineData(5, 7)]      // odd: the last column is a sine
    [InlineData(512, 64)]
    public void Values_are_the_tutorial_formula_rounded_to_float(int positions, int dim)
    {
        var table = SinusoidalPositions(positions, dim);
        Assert.Equal([positions, dim], table.Shape);
        Assert.Equal(0, table.Batch);
        Assert.False(table.RequiresGrad);
        var values = table.ToArray();
        for (int pos = 0; pos < positions; pos++)
            for (int j = 0; j < dim; j++)
            {
                double expected = Reference(pos, j, dim);
                // Rounded to float once: within half a float ulp of the value (at most 6e-8 in [-1, 1]), plus the
                // difference of the two double formulas.
                Assert.True(Math.Abs(values[pos * dim + j] - expected) <= 7e-8,
                    $"pe[{pos}, {j}] = {values[pos * dim + j]:R}, reference {expected:R}");
            }
        Assert.Throws<ArgumentException>(() => SinusoidalPositions(0, 4));
    }

    [Fact]
    public void The_compiled_constant_holds_the_eager_values()
    {
        var run = GeneratorHarness.Run("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace PositionCases;
            [Network]
            public partial class Positions
            {
                [Param(3, Init = Init.Zeros)] Tensor shift;
                [Forward] Tensor Forward([Shape(6, 3)] Tensor x) => x * 0f + shift + SinusoidalPositions(6, 3);
            }
            """);
        run.AssertNoErrors();
        string generated = run.Source("Positions");
        Assert.Contains("global::NetCompiler.PositionEncodings.Sinusoidal(values.AsSpan(", generated);
        Assert.Contains("// constant, line 8: SinusoidalPositions(6, 3)", generated);
        Assert.Empty(run.DiagnosticsInGeneratedCode);
        var net = run.Create("PositionCases.Positions");
        var y = new float[2 * 18];
        net.Infer(new float[2 * 18], y, 2);
        var expected = SinusoidalPositions(6, 3).ToArray();
        Assert.Equal(expected.Concat(expected), y);   // bit for bit, in both samples
    }

    [Theory]
    [InlineData(nameof(SinusoidalNet), 1)]
    [InlineData(nameof(SinusoidalNet), 5)]
    [InlineData(nameof(TiledSinusoidalNet), 35)]   // a full tile of 32 and a partial one
    [InlineData(nameof(LearnedPositionsNet), 4)]
    public void Compiled_matches_interpreted(string network, int batch)
    {
        INetwork Create() => network switch
        {
            nameof(SinusoidalNet) => new SinusoidalNet(seed: 4),
            nameof(TiledSinusoidalNet) => new TiledSinusoidalNet(seed: 4),
            _ => new LearnedPositionsNet(seed: 4),
        };
        INetwork compiled = Create(), interpreted = Create();
        var rng = new Rng((ulong)batch + 7);
        var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
        int targetSize = compiled.TargetShape.Aggregate(1, (a, b) => a * b);
        bool indices = compiled.TargetShape[^1] == 1;
        var t = Enumerable.Range(0, batch * targetSize).Select(_ => indices ? rng.NextInt(compiled.OutputShape[^1]) : rng.NextFloat()).ToArray();
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }

    [Fact]
    public void A_learned_table_trains_the_rows_it_is_read_at()
    {
        var net = new LearnedPositionsNet(seed: 1);
        var rng = new Rng(3);
        var x = CompiledVsInterpretedTests.Inputs(net, 8, rng);
        var t = Enumerable.Range(0, 8 * 3).Select(_ => (float)rng.NextInt(10)).ToArray();
        net.ComputeGradients(x, t, 8);
        var gradient = net.Parameters.GetGradients("positions").ToArray();
        for (int row = 0; row < 6; row++)
        {
            var g = gradient.AsSpan(row * 4, 4).ToArray();
            Assert.True(row < 3 ? g.Any(v => v != 0f) : g.All(v => v == 0f), $"row {row}: [{string.Join(", ", g)}]");
        }
        var adam = new Adam(0.05f);
        float first = net.TrainStep(x, t, 8, adam), last = first;
        for (int step = 0; step < 30; step++) last = net.TrainStep(x, t, 8, adam);
        Assert.True(last < first, $"loss {first} -> {last}");
    }
}
