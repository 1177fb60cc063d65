using System;

namespace NetCompiler;

// Layer and RMS normalization over the last dimension: forward (saving each row's statistics) and backward.
public static partial class Ops
{
    /// <summary>Layer normalization of the last dimension (D) of every row (PyTorch's <c>layer_norm</c>): y = (x - mean) *
    /// rstd * weight + bias with rstd = 1 / sqrt(var + epsilon) and the biased variance. Backward, with xhat = (x - mean)
    /// rstd and dn = dy weight: dx += (dn - mean(dn) - xhat mean(dn xhat)) rstd, dweight += dy xhat, dbias += dy.</summary>
    /// <exception cref="ArgumentException">x is a scalar, weight or bias is not [D], epsilon is negative or not finite,
    /// or the batches differ.</exception>
    public static Tensor LayerNormalize(Tensor x, Tensor weight, Tensor? bias, float epsilon = 1e-5f) =>
        Normalize("LayerNormalize", x, weight, bias, epsilon, layer: true);

    /// <summary>RMS normalization of the last dimension (PyTorch's <c>rms_norm</c>): y = x * rstd * weight with
    /// rstd = 1 / sqrt(mean(x^2) + epsilon). Backward: dx += (dn - xhat mean(dn xhat)) rstd, dweight += dy xhat.</summary>
    /// <exception cref="ArgumentException">x is a scalar, weight is not [D], epsilon is negative or not finite, or the
    /// batches differ.</exception>
    public static Tensor RmsNormalize(Tensor x, Tensor weight, float epsilon = 1.1920929e-07f) =>
        Normalize("RmsNormalize", x, weight, null, epsilon, layer: false);

    private static Tensor Normalize(string op, Tensor x, Tensor weight, Tensor? bias, float epsilon, bool layer)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"{op}: needs a tensor of rank 1 or more, got {Shapes.Describe(x)}.");
        int d = x.Shape[^1];
        foreach (var (p, what) in new[] { (weight, "weight"), (bias, "bias") })
            if (p is not null && (p.Shape.Length != 1 || p.Shape[0] != d))
                throw new ArgumentException($"{op}: the {what} must be [{d}] to match {Shapes.Describe(x)}, got {Shapes.Describe(p)}.");
        if (!(epsilon >= 0f) || float.IsInfinity(epsilon)) throw new ArgumentException($"{op}: epsilon must be finite and not negative, got {epsilon}.");
        int batch = Shapes.Batch(op, x, weight, bias), samples = Shapes.Samples(batch), rows = x.SampleSize / d;
        float inverse = 1f / d;
        var mean = new float[samples * rows];
        var rstd = new float[samples * rows];
        Tensor[] parents = bias is null ? [x, weight] : [x, weight, bias];
        var result = Tensor.Result(batch, x.Shape, parents, r =>
        {
            ReadOnlySpan<float> xv = x.Values, wv = weight.Values, dy = r.Gradient;
            for (int s = 0; s < samples; s++)
            {
                int xo = Shapes.SampleOf(x, s) * x.SampleSize, wo = Shapes.SampleOf(weight, s) * d;
                for (int row = 0; row < rows; row++)
                {
                    int at = s * rows + row, xr = xo + row * d, yr = (s * rows + row) * d;
                    float m = mean[at], q = rstd[at], dnXhat = 0f, dn = 0f;
                    for (int i = 0; i < d; i++)
                    {
                        float xhat = (xv[xr + i] - m) * q, dni = dy[yr + i] * wv[wo + i];
                        dnXhat = MathF.FusedMultiplyAdd(dni, xhat, dnXhat);
                        dn += dni;
                        if (weight.RequiresGrad) weight.Gradient[wo + i] += dy[yr + i] * xhat;
                        if (bias is not null && bias.RequiresGrad) bias.Gradient[Shapes.SampleOf(bias, s) * d + i] += dy[yr + i];
                    }
                    if (!x.RequiresGrad) continue;
                    float dnXhatMean = dnXhat * inverse, dnMean = layer ? dn * inverse : 0f;
                    Span<float> dx = x.Gradient;
                    for (int i = 0; i < d; i++)
                    {
                        float xhat = (xv[xr + i] - m) * q;
                        dx[xr + i] += (dy[yr + i] * wv[wo + i] - dnMean - xhat * dnXhatMean) * q;
                    }
                }
            }
        });
        ReadOnlySpan<float> xs = x.Values, ws = weight.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++)
        {
            int xo = Shapes.SampleOf(x, s) * x.SampleSize, wo = Shapes.SampleOf(weight, s) * d;
            int bo = bias is null ? 0 : Shapes.SampleOf(bias, s) * d;
            for (int row = 0; row < rows; row++)
            {
                var xr = xs.Slice(xo + row * d, d);
                float m = 0f;
                if (layer)
                {
                    float sum = 0f;
                    foreach (float v in xr) sum += v;
                    m = sum * inverse;
                }
                float squares = 0f;
                foreach (float v in xr) squares = MathF.FusedMultiplyAdd(v - m, v - m, squares);
                float q = 1f / MathF.Sqrt(squares * inverse + epsilon);
                mean[s * rows + row] = m;
                rstd[s * rows + row] = q;
                var yr = y.Slice((s * rows + row) * d, d);
                for (int i = 0; i < d; i++) yr[i] = (xr[i] - m) * q * ws[wo + i] + (bias is null ? 0f : bias.Values[bo + i]);
            }
        }
        return result;
    }
}
