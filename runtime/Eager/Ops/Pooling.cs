using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// 2-D pooling over [C, H, W] samples (PyTorch's F.max_pool2d, F.avg_pool2d, adaptive average to 1x1) and Flatten.
public static partial class Ops
{
    /// <summary>Max pooling of each channel of each sample [C, H, W] (PyTorch's <c>F.max_pool2d</c>, floor mode):
    /// y[c, oy, ox] = the largest x[c, oy stride - padding + i, ox stride - padding + j] over 0 &lt;= i, j &lt; kernel
    /// inside x (the padding never wins), OH = floor((H + 2 padding - kernel) / stride) + 1. The gradient goes to the
    /// first largest element of each window in row-major order (a NaN counts as largest), as PyTorch's.
    /// A stride of 0 (the default) is the kernel, as PyTorch's.</summary>
    /// <exception cref="ArgumentException">x is not [C, H, W], the kernel or stride is below 1, padding is negative or
    /// more than half the kernel, or the output would be empty.</exception>
    public static Tensor MaxPool2D(Tensor x, int kernel, int stride = 0, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (c, h, w, oh, ow, s) = PoolGeometry("MaxPool2D", x, kernel, stride, padding);
        int samples = Shapes.Samples(x.Batch), size = x.SampleSize, outSize = c * oh * ow;
        var winners = new int[samples * outSize];   // the sample-relative index of each output's maximum
        ReadOnlySpan<float> xv = x.Values;
        var result = Tensor.Result(x.Batch, [c, oh, ow], [x], r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int n = 0; n < samples; n++)
                for (int o = 0; o < outSize; o++) dx[n * size + winners[n * outSize + o]] += dy[n * outSize + o];
        });
        Span<float> y = result.Values;
        for (int n = 0; n < samples; n++)
            for (int ch = 0, o = 0; ch < c; ch++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++, o++)
                    {
                        int best = -1;
                        float max = float.NegativeInfinity;
                        for (int i = 0; i < kernel; i++)
                        {
                            int iy = oy * s - padding + i;
                            if ((uint)iy >= (uint)h) continue;
                            for (int j = 0; j < kernel; j++)
                            {
                                int ix = ox * s - padding + j;
                                if ((uint)ix >= (uint)w) continue;
                                int at = (ch * h + iy) * w + ix;
                                float v = xv[n * size + at];
                                if (best < 0 || v > max || float.IsNaN(v)) { best = at; max = v; if (float.IsNaN(v)) goto found; }
                            }
                        }
                    found:
                        winners[n * outSize + o] = best;
                        y[n * outSize + o] = max;
                    }
        return result;
    }

    /// <summary>Average pooling of each channel of each sample [C, H, W] (PyTorch's <c>F.avg_pool2d</c> with its
    /// defaults: floor mode, padding counted): y[c, oy, ox] = the sum of the window's elements inside x divided by
    /// kernel^2. OH = floor((H + 2 padding - kernel) / stride) + 1.
    /// A stride of 0 (the default) is the kernel.</summary>
    /// <exception cref="ArgumentException">As <see cref="MaxPool2D"/>.</exception>
    public static Tensor AvgPool2D(Tensor x, int kernel, int stride = 0, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (c, h, w, oh, ow, s) = PoolGeometry("AvgPool2D", x, kernel, stride, padding);
        int samples = Shapes.Samples(x.Batch), size = x.SampleSize, outSize = c * oh * ow;
        float scale = 1f / (kernel * kernel);
        // (input element, output element) of one sample for every element of every window that lies inside x.
        var taps = new System.Collections.Generic.List<(int At, int Out)>();
        for (int ch = 0, o = 0; ch < c; ch++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                    for (int i = 0; i < kernel; i++)
                    {
                        int iy = oy * s - padding + i;
                        if ((uint)iy >= (uint)h) continue;
                        for (int j = 0; j < kernel; j++)
                        {
                            int ix = ox * s - padding + j;
                            if ((uint)ix < (uint)w) taps.Add(((ch * h + iy) * w + ix, o));
                        }
                    }
        var result = Tensor.Result(x.Batch, [c, oh, ow], [x], r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int n = 0; n < samples; n++)
                foreach (var (at, o) in taps) dx[n * size + at] += dy[n * outSize + o] * scale;
        });
        ReadOnlySpan<float> xv = x.Values;
        var sums = new float[samples * outSize];
        for (int n = 0; n < samples; n++)
            foreach (var (at, o) in taps) sums[n * outSize + o] += xv[n * size + at];
        TensorPrimitives.Multiply(sums, scale, result.Values);
        return result;
    }

    /// <summary>The mean of each channel of each sample [C, ...] (PyTorch's <c>F.adaptive_avg_pool2d(x, 1)</c> flattened):
    /// [C, H, W] -> [C].</summary>
    /// <exception cref="ArgumentException">x has fewer than 2 dimensions.</exception>
    public static Tensor GlobalAvgPool(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length < 2) throw new ArgumentException($"GlobalAvgPool: needs per-sample shape [C, H, W] (or [C, ...]), got {Shapes.Describe(x)}.");
        int c = x.Shape[0], inner = x.SampleSize / c, samples = Shapes.Samples(x.Batch);
        float scale = 1f / inner;
        var result = Tensor.Result(x.Batch, [c], [x], r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int i = 0; i < samples * c; i++)
            {
                var row = dx.Slice(i * inner, inner);
                TensorPrimitives.Add(row, dy[i] * scale, row);
            }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int i = 0; i < samples * c; i++) y[i] = TensorPrimitives.Sum(xv.Slice(i * inner, inner)) * scale;
        return result;
    }

    /// <summary>Each sample as one dimension, in row-major order (PyTorch's <c>torch.flatten(x, 1)</c>): [C, H, W] -> [C H W].</summary>
    public static Tensor Flatten(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return ReshapeTo(x, [-1]);
    }

    /// <summary>Checks a pooling's operand and window and returns the sizes: channels, input and output height and
    /// width, and the stride (0 meaning the kernel).</summary>
    private static (int C, int H, int W, int OH, int OW, int Stride) PoolGeometry(string op, Tensor x, int kernel, int stride, int padding)
    {
        if (x.Shape.Length != 3) throw new ArgumentException($"{op}: the input must be [C, H, W] per sample, got {Shapes.Describe(x)}.");
        if (stride == 0) stride = kernel;
        if (kernel < 1 || stride < 1) throw new ArgumentException($"{op}: the kernel ({kernel}) and stride ({stride}) must be at least 1.");
        if (padding < 0 || padding > kernel / 2)   // not 2 padding > kernel: it wraps near int.MaxValue
            throw new ArgumentException($"{op}: padding must be between 0 and half the kernel ({kernel} / 2), got {padding} (PyTorch's rule).");
        int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2];
        int oh = ConvGeometry.OutputSize(h, kernel, stride, padding, 1), ow = ConvGeometry.OutputSize(w, kernel, stride, padding, 1);
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"{op}: a {kernel}x{kernel} window does not fit the input {h}x{w} with padding {padding}: " +
                $"the output would be {Math.Max(oh, 0)}x{Math.Max(ow, 0)} (floor((size + 2 padding - kernel) / stride) + 1).");
        return (c, h, w, oh, ow, stride);
    }
}
