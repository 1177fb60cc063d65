using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Sum, Mean and Max over a sample or along an axis: forward and backward.
public static partial class Ops
{
    /// <summary>Sum of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Sum(Tensor x) => Reduce(x, 1f);

    /// <summary>Mean of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Mean(Tensor x) => Reduce(x, 1f / x.SampleSize);

    /// <summary>Sum along <paramref name="axis"/> of the per-sample shape (negative counts from the end), which is removed,
    /// or kept as 1 with <paramref name="keepDim"/> (PyTorch's <c>sum(dim, keepdim)</c>).</summary>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => ReduceAxis("Sum", x, axis, keepDim, mean: false);

    /// <summary>Mean along <paramref name="axis"/>, removed or kept as 1 (PyTorch's <c>mean(dim, keepdim)</c>).</summary>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) => ReduceAxis("Mean", x, axis, keepDim, mean: true);

    /// <summary>The largest element of each sample (a per-sample scalar []; NaN if any is NaN). The gradient goes to the
    /// first element equal to the maximum.</summary>
    public static Tensor Max(Tensor x) => MaxAlong(x, new Around(1, x.SampleSize, 1), Array.Empty<int>());

    /// <summary>The largest element along <paramref name="axis"/>, removed or kept as 1 (PyTorch's <c>amax(dim,
    /// keepdim)</c>). The gradient goes to the first element equal to the maximum (PyTorch spreads it over ties).</summary>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor Max(Tensor x, int axis, bool keepDim = false)
    {
        var (around, shape) = Reduced("Max", x, axis, keepDim);
        return MaxAlong(x, around, shape);
    }

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

    /// <summary>A per-sample shape seen around one axis as [Outer, Length, Inner].</summary>
    private readonly record struct Around(int Outer, int Length, int Inner)
    {
        public static Around Of(int[] shape, int axis)
        {
            int outer = 1, inner = 1;
            for (int k = 0; k < axis; k++) outer *= shape[k];
            for (int k = axis + 1; k < shape.Length; k++) inner *= shape[k];
            return new Around(outer, shape[axis], inner);
        }

        public int At(int o, int k, int i) => (o * Length + k) * Inner + i;
    }

    /// <summary>The layout around a reduced axis and the result's shape.</summary>
    private static (Around Around, int[] Shape) Reduced(string op, Tensor x, int axis, bool keepDim)
    {
        int a = Axis(op, axis, x.Shape.Length);
        var shape = new int[keepDim ? x.Shape.Length : x.Shape.Length - 1];
        for (int k = 0, j = 0; k < x.Shape.Length; k++)
            if (k != a) shape[j++] = x.Shape[k];
            else if (keepDim) shape[j++] = 1;
        return (Around.Of(x.Shape, a), shape);
    }

    private static Tensor ReduceAxis(string op, Tensor x, int axis, bool keepDim, bool mean)
    {
        var (a, shape) = Reduced(op, x, axis, keepDim);
        float scale = mean ? 1f / a.Length : 1f;
        int n = x.SampleSize, m = a.Outer * a.Inner, samples = Shapes.Samples(x.Batch);
        var result = Tensor.Result(x.Batch, shape, new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
                for (int o = 0; o < a.Outer; o++)
                    for (int k = 0; k < a.Length; k++)
                        for (int i = 0; i < a.Inner; i++) dx[s * n + a.At(o, k, i)] += dy[s * m + o * a.Inner + i] * scale;
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++)
            for (int o = 0; o < a.Outer; o++)
            {
                if (a.Inner == 1) { y[s * m + o] = TensorPrimitives.Sum(xv.Slice(s * n + o * a.Length, a.Length)) * scale; continue; }
                var row = y.Slice(s * m + o * a.Inner, a.Inner);
                for (int k = 0; k < a.Length; k++) TensorPrimitives.Add(row, xv.Slice(s * n + a.At(o, k, 0), a.Inner), row);
                if (mean) TensorPrimitives.Multiply(row, scale, row);
            }
        return result;
    }

    private static Tensor MaxAlong(Tensor x, Around a, int[] shape)
    {
        int n = x.SampleSize, m = a.Outer * a.Inner, samples = Shapes.Samples(x.Batch);
        var result = Tensor.Result(x.Batch, shape, new[] { x }, r =>
        {
            // The first element equal to the maximum (the first NaN when it is NaN) receives the gradient.
            ReadOnlySpan<float> xv = x.Values, y = r.Values, dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
                for (int o = 0; o < a.Outer; o++)
                    for (int i = 0; i < a.Inner; i++)
                    {
                        float max = y[s * m + o * a.Inner + i];
                        for (int k = 0; k < a.Length; k++)
                        {
                            float xk = xv[s * n + a.At(o, k, i)];
                            if (xk == max || (float.IsNaN(max) && float.IsNaN(xk))) { dx[s * n + a.At(o, k, i)] += dy[s * m + o * a.Inner + i]; break; }
                        }
                    }
        });
        ReadOnlySpan<float> xs = x.Values;
        Span<float> yv = result.Values;
        for (int s = 0; s < samples; s++)
            for (int o = 0; o < a.Outer; o++)
                for (int i = 0; i < a.Inner; i++)
                {
                    float max = xs[s * n + a.At(o, 0, i)];
                    for (int k = 1; k < a.Length; k++) max = MathF.Max(max, xs[s * n + a.At(o, k, i)]);
                    yv[s * m + o * a.Inner + i] = max;
                }
        return result;
    }
}
