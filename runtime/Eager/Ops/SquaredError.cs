using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// MeanSquaredError and QuadraticCost: forward and backward.
public static partial class Ops
{
    /// <summary>Mean squared error over the sample's elements: mean((y - t)^2). y and t have the same per-sample
    /// shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor MeanSquaredError(Tensor y, Tensor target) => SquaredError("MeanSquaredError", y, target, 1f / y.SampleSize);

    /// <summary>The quadratic cost of the seeds: 0.5 * sum((y - t)^2) over the sample's elements. y and t have
    /// the same per-sample shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor QuadraticCost(Tensor y, Tensor target) => SquaredError("QuadraticCost", y, target, 0.5f);

    /// <summary>scale * sum((y - t)^2) per sample; d/dy = 2 scale (y - t), d/dt = -2 scale (y - t).</summary>
    private static Tensor SquaredError(string op, Tensor y, Tensor target, float scale)
    {
        int batch = Shapes.LossBatch(op, y, target);
        int n = y.SampleSize, samples = Shapes.Samples(batch);
        var diff = new float[samples * n];
        ReadOnlySpan<float> yv = y.Values, tv = target.Values;
        for (int s = 0; s < samples; s++)
            TensorPrimitives.Subtract(yv.Slice(Shapes.SampleOf(y, s) * n, n), tv.Slice(Shapes.SampleOf(target, s) * n, n), diff.AsSpan(s * n, n));

        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { y, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient;
            for (int s = 0; s < samples; s++)
            {
                float g = 2f * scale * dl[s];
                var d = diff.AsSpan(s * n, n);
                if (y.RequiresGrad)
                {
                    var gy = y.Gradient.Slice(Shapes.SampleOf(y, s) * n, n);
                    TensorPrimitives.MultiplyAdd(d, g, gy, gy);
                }
                if (target.RequiresGrad)
                {
                    var gt = target.Gradient.Slice(Shapes.SampleOf(target, s) * n, n);
                    TensorPrimitives.MultiplyAdd(d, -g, gt, gt);
                }
            }
        });
        Span<float> loss = result.Values;
        for (int s = 0; s < samples; s++) loss[s] = scale * TensorPrimitives.SumOfSquares(diff.AsSpan(s * n, n));
        return result;
    }
}
