using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary>One call of each <see cref="ConvolutionGemm"/> kernel over <see cref="Rows"/> random samples laid out with
/// row strides a few floats wider than a sample (the gaps hold sentinels), and the results.</summary>
internal sealed class ConvGemmRun
{
    private const float Sentinel = 42f;

    public required ConvShape Shape { get; init; }
    public required int Rows { get; init; }
    public required int XStride { get; init; }
    public required int YStride { get; init; }
    public required float[] X { get; init; }
    public required float[] W { get; init; }
    public required float[] Bias { get; init; }
    public required float[] Dy { get; init; }
    public required float[] DxBefore { get; init; }
    public required float[] DwBefore { get; init; }
    public required float[] DbBefore { get; init; }
    public required float[] Y { get; init; }
    public required float[] YWithoutBias { get; init; }
    public required float[] Dx { get; init; }
    public required float[] Dw { get; init; }
    public required float[] Db { get; init; }

    public static ConvGeometry Geometry(ConvShape c) =>
        new(c.C, c.H, c.W, c.M, c.KH, c.KW, c.Stride, c.Stride, c.Padding, c.Padding, c.Dilation, c.Dilation, c.Groups);

    /// <summary>Runs the four kernels once on inputs drawn from <paramref name="seed"/>.</summary>
    public static ConvGemmRun Of(ConvShape shape, int rows, int seed)
    {
        var g = Geometry(shape);
        int xStride = shape.InputSize + 3, yStride = shape.OutputSize + 5, weights = shape.Weight.Aggregate(1, (a, b) => a * b);
        var x = RandomArrays.Uniform(rows * xStride, seed);
        var w = RandomArrays.Uniform(weights, seed + 1);
        var bias = RandomArrays.Uniform(shape.M, seed + 2);
        var dy = RandomArrays.Uniform(rows * yStride, seed + 3);
        var dxBefore = RandomArrays.Uniform(rows * xStride, seed + 4);
        var dwBefore = RandomArrays.Uniform(weights, seed + 5);
        var dbBefore = RandomArrays.Uniform(shape.M, seed + 6);
        float[] y = Filled(rows * yStride), yWithoutBias = Filled(rows * yStride);
        float[] dx = (float[])dxBefore.Clone(), dw = (float[])dwBefore.Clone(), db = (float[])dbBefore.Clone();
        ConvolutionGemm.Forward(in g, ref x[0], xStride, ref w[0], ref bias[0], true, ref y[0], yStride, rows);
        ConvolutionGemm.Forward(in g, ref x[0], xStride, ref w[0], ref w[0], false, ref yWithoutBias[0], yStride, rows);
        ConvolutionGemm.BackwardInput(in g, ref dy[0], yStride, ref w[0], ref dx[0], xStride, rows);
        ConvolutionGemm.BackwardWeights(in g, ref dy[0], yStride, ref x[0], xStride, ref dw[0], rows);
        ConvolutionGemm.BackwardBias(in g, ref dy[0], yStride, ref db[0], rows);
        return new ConvGemmRun
        {
            Shape = shape, Rows = rows, XStride = xStride, YStride = yStride, X = x, W = w, Bias = bias, Dy = dy,
            DxBefore = dxBefore, DwBefore = dwBefore, DbBefore = dbBefore, Y = y, YWithoutBias = yWithoutBias, Dx = dx, Dw = dw, Db = db,
        };
    }

    private static float[] Filled(int length)
    {
        var values = new float[length];
        Array.Fill(values, Sentinel);
        return values;
    }

    /// <summary>Asserts every result within 1e-5 of the sum of its terms' magnitudes of the float64 sum (float32 rounds
    /// each of a k-term sum's partial sums; a wrong tap, group or offset moves results by whole terms), and the gaps
    /// between samples untouched.</summary>
    public void AssertMatchesReference(string name)
    {
        var products = Shape.Products();
        int positions = Shape.OH * Shape.OW, inputs = Shape.InputSize, outputs = Shape.OutputSize;
        var dw = new Sum(DwBefore);
        var db = new Sum(DbBefore);
        for (int s = 0; s < Rows; s++)
        {
            int xo = s * XStride, yo = s * YStride;
            var y = new Sum(Enumerable.Range(0, outputs).Select(o => Bias[o / positions]).ToArray());
            var y0 = new Sum(new float[outputs]);
            var dx = new Sum(DxBefore.AsSpan(xo, inputs).ToArray());
            foreach (var (yi, wi, xi) in products)
            {
                y.Add(yi, (double)W[wi] * X[xo + xi]);
                y0.Add(yi, (double)W[wi] * X[xo + xi]);
                dx.Add(xi, (double)W[wi] * Dy[yo + yi]);
                dw.Add(wi, (double)Dy[yo + yi] * X[xo + xi]);
            }
            for (int o = 0; o < outputs; o++) db.Add(o / positions, Dy[yo + o]);
            y.AssertClose(Y.AsSpan(yo, outputs), $"{name}: y of sample {s}");
            y0.AssertClose(YWithoutBias.AsSpan(yo, outputs), $"{name}: y without bias of sample {s}");
            dx.AssertClose(Dx.AsSpan(xo, inputs), $"{name}: dx of sample {s}");
            for (int i = outputs; i < YStride; i++)
            {
                Assert.Equal(Sentinel, Y[yo + i]);
                Assert.Equal(Sentinel, YWithoutBias[yo + i]);
            }
            for (int i = inputs; i < XStride; i++) Assert.Equal(DxBefore[xo + i], Dx[xo + i]);
        }
        dw.AssertClose(Dw, $"{name}: dW over {Rows} samples");
        db.AssertClose(Db, $"{name}: db over {Rows} samples");
    }

    /// <summary>Float64 sums that start at given values and keep the sum of their terms' magnitudes.</summary>
    private sealed class Sum
    {
        private readonly double[] _value, _magnitude;

        public Sum(float[] start)
        {
            _value = start.Select(v => (double)v).ToArray();
            _magnitude = _value.Select(Math.Abs).ToArray();
        }

        public void Add(int i, double term)
        {
            _value[i] += term;
            _magnitude[i] += Math.Abs(term);
        }

        public void AssertClose(ReadOnlySpan<float> actual, string what)
        {
            Assert.Equal(_value.Length, actual.Length);
            for (int i = 0; i < _value.Length; i++)
                Assert.True(Math.Abs(actual[i] - _value[i]) <= 1e-5 * _magnitude[i] + 1e-7,
                    $"{what}[{i}]: {actual[i]:G9}, float64 {_value[i]:G9} (terms' magnitude {_magnitude[i]:G3})");
        }
    }
}
