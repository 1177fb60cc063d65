using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

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
        for (int i = 0; i < rows; i++)
        {
            // exp(x - max) times 1 / sum, as generated code computes it.
            var yi = yv.Slice(i * c, c);
            float sum = ShiftedExp(xv.Slice(i * c, c), yi, out _);
            TensorPrimitives.Multiply(yi, 1f / sum, yi);
        }
        return result;
    }

    /// <summary>e = exp(x - max(x)) for one row, with generated code's exponential; returns the sum of e (its
    /// log plus the max is the row's log-sum-exp).</summary>
    private static float ShiftedExp(ReadOnlySpan<float> x, Span<float> e, out float max)
    {
        max = TensorPrimitives.Max(x);
        Kernels.Map(new ShiftedExpKernel(max), x, e);
        return TensorPrimitives.Sum(e);
    }
}

/// <summary>exp(x - shift) with SimdMath's exponential (ScalarMath's for one element).</summary>
internal readonly struct ShiftedExpKernel(float shift) : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Exp(x - shift);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Exp(x - Vector128.Create(shift));
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Exp(x - Vector256.Create(shift));
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Exp(x - Vector512.Create(shift));
}
