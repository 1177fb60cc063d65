using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetCompiler;

// Binary cross-entropy: forward and backward.
public static partial class Ops
{
    /// <summary>The smallest value a logarithm in <see cref="BinaryCrossEntropy"/> takes (PyTorch's clamp).</summary>
    internal const float LogClamp = -100f;

    /// <summary>The smallest denominator y (1 - y) in the gradient of <see cref="BinaryCrossEntropy"/>.</summary>
    internal const float BceGradientEpsilon = 1e-12f;

    /// <summary>Binary cross-entropy of probabilities y against targets t, averaged over the sample's elements:
    /// -mean(t log y + (1 - t) log(1 - y)). As in PyTorch, each logarithm is clamped below at -100, so y = 0 or
    /// y = 1 gives a finite loss; the gradient is (y - t) / max(y (1 - y), 1e-12) / n, the exact derivative
    /// wherever the clamp is inactive and finite where it is. (So, as in PyTorch, the gradient through a sigmoid
    /// saturated so far that y (1 - y) &lt; 1e-12, |z| &gt; ~27, vanishes.) y and t have the same per-sample
    /// shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor BinaryCrossEntropy(Tensor y, Tensor target)
    {
        const string op = "BinaryCrossEntropy";
        int batch = Shapes.LossBatch(op, y, target);
        int n = y.SampleSize, samples = Shapes.Samples(batch);
        // log y and log(1 - y) with generated code's logarithm, clamped; kept for the target's gradient.
        var logY = new float[y.Length];
        var log1mY = new float[y.Length];
        Kernels.Map(new LogKernel(), y.Values, logY);
        TensorPrimitives.Max(logY, LogClamp, logY);
        TensorPrimitives.Subtract(1f, y.Values, log1mY);
        Kernels.Map(new LogKernel(), log1mY, log1mY);
        TensorPrimitives.Max(log1mY, LogClamp, log1mY);

        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { y, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient, yv = y.Values, tv = target.Values;
            var num = new float[n];
            var den = new float[n];
            for (int s = 0; s < samples; s++)
            {
                float scale = dl[s] * (1f / n);
                int yo = Shapes.SampleOf(y, s) * n, to = Shapes.SampleOf(target, s) * n;
                var ys = yv.Slice(yo, n);
                if (y.RequiresGrad)
                {
                    // dy += scale (y - t) / max(y (1 - y), eps), rounded in generated code's order
                    TensorPrimitives.Subtract(ys, tv.Slice(to, n), num);
                    TensorPrimitives.Multiply(num, scale, num);
                    TensorPrimitives.Subtract(1f, ys, den);
                    TensorPrimitives.Multiply(ys, den, den);
                    TensorPrimitives.Max(den, BceGradientEpsilon, den);
                    TensorPrimitives.Divide(num, den, num);
                    var g = y.Gradient.Slice(yo, n);
                    TensorPrimitives.Add(g, num, g);
                }
                if (target.RequiresGrad)
                {
                    // dt = -scale * (log y - log(1 - y))
                    TensorPrimitives.Subtract(logY.AsSpan(yo, n), log1mY.AsSpan(yo, n), num);
                    var g = target.Gradient.Slice(to, n);
                    TensorPrimitives.MultiplyAdd(num, -scale, g, g);
                }
            }
        });

        ReadOnlySpan<float> tv = target.Values;
        Span<float> loss = result.Values;
        var terms = new float[n];
        for (int s = 0; s < samples; s++)
        {
            int yo = Shapes.SampleOf(y, s) * n;
            var ts = tv.Slice(Shapes.SampleOf(target, s) * n, n);
            // t log y + (1 - t) log(1 - y) per element, as generated code writes it
            TensorPrimitives.Subtract(1f, ts, terms);
            TensorPrimitives.Multiply(terms, log1mY.AsSpan(yo, n), terms);
            TensorPrimitives.MultiplyAdd(ts, logY.AsSpan(yo, n), terms, terms);
            loss[s] = -TensorPrimitives.Sum(terms) * (1f / n);
        }
        return result;
    }
}

/// <summary>Natural logarithm with SimdMath's approximation (ScalarMath's for one element).</summary>
internal readonly struct LogKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Log(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Log(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Log(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Log(x);
}
