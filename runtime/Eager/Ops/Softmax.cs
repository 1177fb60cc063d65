using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Softmax over the last dimension: forward and backward.
public static partial class Ops
{
    /// <summary>Softmax over the last dimension, computed with the row maximum subtracted (so large logits do
    /// not overflow).</summary>
    /// <exception cref="ArgumentException">The operand is a scalar [].</exception>
    public static Tensor Softmax(Tensor x)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"Softmax: needs rank 1 or more, got {Shapes.Describe(x)}.");
        int c = x.Shape[^1], rows = x.Length / c;
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
        {
            // dx = y * (dy - <dy, y>) per row.
            ReadOnlySpan<float> y = r.Values, dy = r.Gradient;
            Span<float> dx = x.Gradient;
            var t = new float[c];
            for (int i = 0; i < rows; i++)
            {
                var yi = y.Slice(i * c, c);
                var dyi = dy.Slice(i * c, c);
                var dxi = dx.Slice(i * c, c);
                TensorPrimitives.Subtract(dyi, TensorPrimitives.Dot(dyi, yi), t);
                TensorPrimitives.MultiplyAdd(yi, t, dxi, dxi);
            }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> yv = result.Values;
        for (int i = 0; i < rows; i++) SoftmaxRow(xv.Slice(i * c, c), yv.Slice(i * c, c));
        return result;
    }

    /// <summary>y = softmax(x) for one row; returns log(sum(exp(x - max))) + max, the log-sum-exp.</summary>
    private static float SoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        float sum = TensorPrimitives.Sum(y);
        TensorPrimitives.Divide(y, sum, y);
        return max + MathF.Log(sum);
    }
}
