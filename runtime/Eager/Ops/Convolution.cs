using System;
using System.Runtime.InteropServices;

namespace NetCompiler;

// 2-D convolution (PyTorch's F.conv2d): forward and backward, per sample and group as im2col products.
public static partial class Ops
{
    /// <summary>2-D convolution of each sample [C, H, W] with <paramref name="weight"/> [M, C / groups, kh, kw] (PyTorch's
    /// <c>F.conv2d</c> and layout): y[m, oy, ox] = b[m] + sum over the group's channels c and taps (i, j) of
    /// w[m, c, i, j] x[c, oy stride - padding + i dilation, ox stride - padding + j dilation], zero outside x. The output
    /// is [M, OH, OW] with OH = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1 (OW likewise). The layer is
    /// <see cref="Conv2D"/>.</summary>
    /// <exception cref="ArgumentException">x is not [C, H, W], the weight is not [M, C / groups, kh, kw], the channels
    /// are not divisible by the groups, the bias is not [M], a stride or dilation is below 1, padding is negative, or
    /// the output would be empty.</exception>
    public static Tensor Convolution2D(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        var g = ConvGeometryOf("Convolution2D", x, weight, bias, stride, padding, dilation, groups);
        int batch = Shapes.Batch("Convolution2D", x, weight, bias);
        int samples = Shapes.Samples(batch), k = g.ColumnRows, p = g.Positions, go = g.GroupOutputs, wSize = weight.SampleSize;
        Tensor[] parents = bias is null ? [x, weight] : [x, weight, bias];
        var result = Tensor.Result(batch, [g.OutChannels, g.OutHeight, g.OutWidth], parents, r =>
        {
            var col = new float[g.ColumnLead + k * p + g.ColumnSlack];
            var cols = col.AsSpan(g.ColumnLead, k * p);
            var padded = new float[g.PaddedGroupFloats];
            ReadOnlySpan<float> dy = r.Gradient, xv = x.Values, wv = weight.Values;
            for (int s = 0; s < samples; s++)
            {
                int xo = Shapes.SampleOf(x, s) * g.InputFloats, wo = Shapes.SampleOf(weight, s) * wSize, yo = s * g.OutputFloats;
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    var dyg = dy.Slice(yo + gi * go * p, go * p);
                    var wg = wv.Slice(wo + gi * go * k, go * k);
                    if (weight.RequiresGrad)
                    {
                        g.Im2Col(ref MemoryMarshal.GetReference(xv.Slice(xo)), gi, 0, k, ref cols[0], p, ref padded[0]);
                        Kernels.MatMulNT(dyg, cols, weight.Gradient.Slice(wo + gi * go * k, go * k), go, k, p);
                    }
                    if (x.RequiresGrad)
                    {
                        cols.Clear();
                        Kernels.MatMulTN(wg, dyg, cols, k, p, go);
                        g.Col2ImAdd(ref cols[0], p, gi, 0, k, ref MemoryMarshal.GetReference(x.Gradient.Slice(xo)), ref padded[0]);
                    }
                }
                if (bias is not null && bias.RequiresGrad)
                {
                    Span<float> db = bias.Gradient.Slice(Shapes.SampleOf(bias, s) * g.OutChannels, g.OutChannels);
                    for (int m = 0; m < g.OutChannels; m++) db[m] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice(yo + m * p, p));
                }
            }
        });
        var columns = new float[k * p + g.ColumnSlack];
        var pad = new float[g.PaddedGroupFloats];
        ReadOnlySpan<float> xs = x.Values, ws = weight.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++)
        {
            int xo = Shapes.SampleOf(x, s) * g.InputFloats, wo = Shapes.SampleOf(weight, s) * wSize, yo = s * g.OutputFloats;
            for (int gi = 0; gi < g.Groups; gi++)
            {
                g.Im2Col(ref MemoryMarshal.GetReference(xs.Slice(xo)), gi, 0, k, ref columns[0], p, ref pad[0]);
                Kernels.MatMulNN(ws.Slice(wo + gi * go * k, go * k), columns.AsSpan(0, k * p), y.Slice(yo + gi * go * p, go * p), go, p, k);
            }
            if (bias is null) continue;
            ReadOnlySpan<float> b = bias.Values.Slice(Shapes.SampleOf(bias, s) * g.OutChannels, g.OutChannels);
            for (int m = 0; m < g.OutChannels; m++)
                System.Numerics.Tensors.TensorPrimitives.Add(y.Slice(yo + m * p, p), b[m], y.Slice(yo + m * p, p));
        }
        return result;
    }

    /// <summary>The geometry of a convolution, after checking its operands with messages that name
    /// <paramref name="op"/>, the shapes and the formula that failed.</summary>
    private static ConvGeometry ConvGeometryOf(string op, Tensor x, Tensor weight, Tensor? bias, int stride, int padding, int dilation, int groups)
    {
        if (x.Shape.Length != 3) throw new ArgumentException($"{op}: the input must be [C, H, W] per sample, got {Shapes.Describe(x)}.");
        if (weight.Shape.Length != 4) throw new ArgumentException($"{op}: the weight must be [out, in / groups, kh, kw], got {Shapes.Describe(weight)}.");
        if (stride < 1 || dilation < 1 || padding < 0 || groups < 1)
            throw new ArgumentException($"{op}: stride ({stride}), dilation ({dilation}) and groups ({groups}) must be at least 1 and padding ({padding}) not negative.");
        int c = x.Shape[0], h = x.Shape[1], w = x.Shape[2], m = weight.Shape[0], kh = weight.Shape[2], kw = weight.Shape[3];
        if (c % groups != 0 || m % groups != 0)
            throw new ArgumentException($"{op}: {c} input and {m} output channels must both be divisible by groups = {groups}.");
        if (weight.Shape[1] != c / groups)
            throw new ArgumentException($"{op}: the weight {Shapes.Describe(weight)} must have {c / groups} input channels per group ({c} channels / {groups} groups) for the input {Shapes.Describe(x)}.");
        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != m))
            throw new ArgumentException($"{op}: the bias must be [{m}], got {Shapes.Describe(bias)}.");
        int oh = ConvGeometry.OutputSize(h, kh, stride, padding, dilation), ow = ConvGeometry.OutputSize(w, kw, stride, padding, dilation);
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"{op}: a {kh}x{kw} kernel (dilation {dilation}) does not fit the input {h}x{w} with padding {padding}: " +
                $"the output would be {Math.Max(oh, 0)}x{Math.Max(ow, 0)} (floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1).");
        if ((long)oh * ow > int.MaxValue / m)
            throw new ArgumentException($"{op}: padding {padding} makes the output {m}x{oh}x{ow}, more floats than a tensor holds.");
        return new ConvGeometry(c, h, w, m, kh, kw, stride, stride, padding, padding, dilation, dilation, groups);
    }
}
