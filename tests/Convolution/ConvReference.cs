using System;
using NetCompiler.Tests.Eager;
using static NetCompiler.Tests.Eager.GradCheck;

namespace NetCompiler.Tests.Convolution;

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
