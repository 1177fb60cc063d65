using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Eager;
using static NetCompiler.Tests.Eager.GradCheck;

namespace NetCompiler.Tests.Convolution;

/// <summary>One 2-D convolution's sizes, as PyTorch's <c>nn.Conv2d</c> takes them (one stride, padding and dilation for
/// both axes): input [C, H, W], weight [M, C / Groups, KH, KW], output [M, OH, OW].</summary>
public sealed record ConvShape(int C, int H, int W, int M, int KH, int KW, int Stride = 1, int Padding = 0, int Dilation = 1, int Groups = 1)
{
    /// <summary>PyTorch's floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1 (the tests use fitting shapes only).</summary>
    public int OH => (H + 2 * Padding - Dilation * (KH - 1) - 1) / Stride + 1;
    public int OW => (W + 2 * Padding - Dilation * (KW - 1) - 1) / Stride + 1;
    public int[] Input => [C, H, W];
    public int[] Weight => [M, C / Groups, KH, KW];
    public int[] Output => [M, OH, OW];
    public int InputSize => C * H * W;
    public int OutputSize => M * OH * OW;

    private static readonly ConcurrentDictionary<ConvShape, (int Y, int W, int X)[]> s_products = new();

    /// <summary>Every product of the convolution as (output, weight, input) flat indices of one sample, straight from the
    /// definition y[m, oy, ox] = b[m] + sum over the group's channels c and taps (i, j) of w[m, c, i, j]
    /// x[g C/G + c, oy stride - padding + i dilation, ox stride - padding + j dilation]; taps in the padding are left out
    /// (they multiply zeros). The forward, dx and dW references are all sums over this one list (listed once per shape:
    /// a gradient check evaluates the reference thousands of times).</summary>
    public (int Y, int W, int X)[] Products() => s_products.GetOrAdd(this, shape => shape.Enumerate().ToArray());

    private IEnumerable<(int Y, int W, int X)> Enumerate()
    {
        int perGroupIn = C / Groups, perGroupOut = M / Groups;
        for (int m = 0; m < M; m++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int c = 0; c < perGroupIn; c++)
                        for (int i = 0; i < KH; i++)
                            for (int j = 0; j < KW; j++)
                            {
                                int iy = oy * Stride - Padding + i * Dilation, ix = ox * Stride - Padding + j * Dilation;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                int channel = m / perGroupOut * perGroupIn + c;
                                yield return ((m * OH + oy) * OW + ox, ((m * perGroupIn + c) * KH + i) * KW + j, (channel * H + iy) * W + ix);
                            }
    }
}

/// <summary>Float64 references of the convolutional ops, written from PyTorch's definitions as direct loops over the
/// outputs and their windows (never through im2col or a matrix product): <c>F.conv2d</c>, <c>F.max_pool2d</c>,
/// <c>F.avg_pool2d</c> (count_include_pad), <c>adaptive_avg_pool2d(x, 1)</c> flattened and <c>nn.BatchNorm2d</c>. Operands
/// are <see cref="DT"/>s, so a batched operand meets an unbatched one sample by sample.</summary>
internal static class ConvReference
{
    public static DT Conv2D(DT x, DT w, DT? b, ConvShape shape)
    {
        var y = new DT(b is null ? BatchOf(x, w) : BatchOf(x, w, b), shape.Output);
        var products = shape.Products();
        for (int s = 0; s < y.Samples; s++)
        {
            if (b is not null)
                for (int i = 0; i < y.N; i++) y.Ref(s, i) = b.At(s, i / (shape.OH * shape.OW));
            foreach (var (yi, wi, xi) in products) y.Ref(s, yi) += w.At(s, wi) * x.At(s, xi);
        }
        return y;
    }

    /// <summary>The output size of a pooling window (floor mode).</summary>
    public static int PoolOutput(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Each window's elements inside x (padding never takes part): the largest for max pooling, the sum divided
    /// by kernel^2 for average pooling (PyTorch's count_include_pad=True).</summary>
    public static DT Pool2D(DT x, int kernel, int stride, int padding, bool max)
    {
        int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2];
        int oh = PoolOutput(h, kernel, stride, padding), ow = PoolOutput(w, kernel, stride, padding);
        var y = new DT(x.Batch, [c, oh, ow]);
        for (int s = 0; s < y.Samples; s++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double result = max ? double.NegativeInfinity : 0;
                        for (int i = 0; i < kernel; i++)
                            for (int j = 0; j < kernel; j++)
                            {
                                int iy = oy * stride - padding + i, ix = ox * stride - padding + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                double v = x.At(s, (ch * h + iy) * w + ix);
                                result = max ? Math.Max(result, v) : result + v;
                            }
                        y.Ref(s, (ch * oh + oy) * ow + ox) = max ? result : result / (kernel * kernel);
                    }
        return y;
    }

    /// <summary>The mean of each channel: [C, ...] -> [C].</summary>
    public static DT GlobalAvgPool(DT x)
    {
        int c = x.Shape[0], inner = x.N / c;
        var y = new DT(x.Batch, [c]);
        for (int s = 0; s < y.Samples; s++)
            for (int ch = 0; ch < c; ch++)
            {
                double sum = 0;
                for (int i = 0; i < inner; i++) sum += x.At(s, ch * inner + i);
                y.Ref(s, ch) = sum / inner;
            }
        return y;
    }

    /// <summary>Each channel's mean and biased variance over the batch and the positions of x [C, H, W].</summary>
    public static (double[] Mean, double[] Variance) BatchStatistics(DT x)
    {
        int c = x.Shape[0], inner = x.N / c, n = x.Samples * inner;
        double[] mean = new double[c], variance = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            for (int s = 0; s < x.Samples; s++)
                for (int i = 0; i < inner; i++) mean[ch] += x.At(s, ch * inner + i) / n;
            for (int s = 0; s < x.Samples; s++)
                for (int i = 0; i < inner; i++) variance[ch] += Math.Pow(x.At(s, ch * inner + i) - mean[ch], 2) / n;
        }
        return (mean, variance);
    }

    /// <summary><c>nn.BatchNorm2d</c>: (x - mean) / sqrt(variance + eps) w + b per channel, with the batch's statistics
    /// (training) or the given running ones (inference).</summary>
    public static DT BatchNorm2D(DT x, DT w, DT? b, double epsilon, (double[] Mean, double[] Variance)? running = null)
    {
        var (mean, variance) = running ?? BatchStatistics(x);
        int c = x.Shape[0], inner = x.N / c;
        var y = new DT(x.Batch, x.Shape);
        for (int s = 0; s < y.Samples; s++)
            for (int i = 0; i < y.N; i++)
            {
                int ch = i / inner;
                y.Ref(s, i) = (x.At(s, i) - mean[ch]) / Math.Sqrt(variance[ch] + epsilon) * w.At(s, ch) + (b?.At(s, ch) ?? 0);
            }
        return y;
    }

    /// <summary>The running statistics after a training pass over x: each moves by the momentum towards the batch's mean
    /// and its unbiased variance (n / (n - 1) times the biased one, n = batch H W).</summary>
    public static (double[] Mean, double[] Variance) RunningStatistics(DT x, double[] mean, double[] variance, double momentum)
    {
        var (batchMean, biased) = BatchStatistics(x);
        double n = x.Samples * (x.N / x.Shape[0]);
        var m = new double[mean.Length];
        var v = new double[mean.Length];
        for (int c = 0; c < m.Length; c++)
        {
            m[c] = (1 - momentum) * mean[c] + momentum * batchMean[c];
            v[c] = (1 - momentum) * variance[c] + momentum * biased[c] * n / (n - 1);
        }
        return (m, v);
    }
}
