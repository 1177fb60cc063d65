using System;

namespace NetCompiler;

// Transpose: forward and backward.
public static partial class Ops
{
    /// <summary>Swaps the last two dimensions ([..., M, N] -> [..., N, M]).</summary>
    /// <exception cref="ArgumentException">The operand has rank below 2.</exception>
    public static Tensor Transpose(Tensor x)
    {
        int rank = x.Shape.Length;
        if (rank < 2) throw new ArgumentException($"Transpose: needs rank 2 or more, got {Shapes.Describe(x)}.");
        int m = x.Shape[rank - 2], n = x.Shape[rank - 1];
        int[] shape = (int[])x.Shape.Clone();
        (shape[rank - 2], shape[rank - 1]) = (n, m);
        int matrices = x.Length / (m * n);
        var result = Tensor.Result(x.Batch, shape, new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int p = 0; p < matrices; p++)
                Kernels.Transpose(dy.Slice(p * m * n, m * n), dx.Slice(p * m * n, m * n), n, m, accumulate: true);
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int p = 0; p < matrices; p++)
            Kernels.Transpose(xv.Slice(p * m * n, m * n), y.Slice(p * m * n, m * n), m, n, accumulate: false);
        return result;
    }
}
