using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetCompiler;

// Softmax and log-softmax over the last dimension or along an axis: forward and backward.
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

    /// <summary>Softmax along <paramref name="axis"/> of the per-sample shape (negative counts from the end).</summary>
    /// <exception cref="ArgumentException">The operand is a scalar, or the axis is out of range.</exception>
    public static Tensor Softmax(Tensor x, int axis)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"Softmax: needs rank 1 or more, got {Shapes.Describe(x)}.");
        int a = Axis("Softmax", axis, x.Shape.Length);
        return a == x.Shape.Length - 1 ? Softmax(x) : AlongColumns(x, Around.Of(x.Shape, a), log: false);
    }

    /// <summary>Log-softmax over the last dimension: x - (max + log(sum(exp(x - max)))), PyTorch's <c>log_softmax</c>.</summary>
    /// <exception cref="ArgumentException">The operand is a scalar [].</exception>
    public static Tensor LogSoftmax(Tensor x) => LogSoftmax(x, -1);

    /// <summary>Log-softmax along <paramref name="axis"/> (negative counts from the end). Backward:
    /// dx += dy - exp(y) sum(dy).</summary>
    /// <exception cref="ArgumentException">The operand is a scalar, or the axis is out of range.</exception>
    public static Tensor LogSoftmax(Tensor x, int axis)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"LogSoftmax: needs rank 1 or more, got {Shapes.Describe(x)}.");
        return AlongColumns(x, Around.Of(x.Shape, Axis("LogSoftmax", axis, x.Shape.Length)), log: true);
    }

    /// <summary>Softmax or log-softmax of every (o, i) line along the axis of <paramref name="a"/>: each line is copied
    /// into a row, computed with the same functions as a contiguous row, and copied back.</summary>
    private static Tensor AlongColumns(Tensor x, Around a, bool log)
    {
        int n = x.SampleSize, samples = Shapes.Samples(x.Batch), len = a.Length;
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
        {
            ReadOnlySpan<float> y = r.Values, dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
                for (int o = 0; o < a.Outer; o++)
                    for (int i = 0; i < a.Inner; i++)
                    {
                        float total = 0f;
                        for (int k = 0; k < len; k++)
                        {
                            int at = s * n + a.At(o, k, i);
                            total = log ? total + dy[at] : MathF.FusedMultiplyAdd(dy[at], y[at], total);
                        }
                        for (int k = 0; k < len; k++)
                        {
                            int at = s * n + a.At(o, k, i);
                            dx[at] += log ? dy[at] - ScalarMath.Exp(y[at]) * total : y[at] * (dy[at] - total);
                        }
                    }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> yv = result.Values;
        var line = new float[len];
        var e = new float[len];
        for (int s = 0; s < samples; s++)
            for (int o = 0; o < a.Outer; o++)
                for (int i = 0; i < a.Inner; i++)
                {
                    for (int k = 0; k < len; k++) line[k] = xv[s * n + a.At(o, k, i)];
                    float sum = ShiftedExp(line, e, out float max);
                    float lse = max + ScalarMath.Log(sum), inverse = 1f / sum;
                    for (int k = 0; k < len; k++) yv[s * n + a.At(o, k, i)] = log ? line[k] - lse : e[k] * inverse;
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
