using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Sum and Mean over a sample: forward and backward.
public static partial class Ops
{
    /// <summary>Sum of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Sum(Tensor x) => Reduce(x, 1f);

    /// <summary>Mean of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Mean(Tensor x) => Reduce(x, 1f / x.SampleSize);

    private static Tensor Reduce(Tensor x, float scale)
    {
        int n = x.SampleSize, samples = Shapes.Samples(x.Batch);
        var result = Tensor.Result(x.Batch, Array.Empty<int>(), new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
            {
                var g = dx.Slice(s * n, n);
                TensorPrimitives.Add(g, dy[s] * scale, g);
            }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++) y[s] = TensorPrimitives.Sum(xv.Slice(s * n, n)) * scale;
        return result;
    }
}
