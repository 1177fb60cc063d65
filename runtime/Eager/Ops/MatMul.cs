using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// MatMul: forward and backward.
public static partial class Ops
{
    /// <summary>Matrix product over the last two dimensions ([M, K] x [K, N] -> [M, N]); a rank-1 left operand
    /// is a row vector ([K] x [K, N] -> [N]) and a rank-1 right operand a column vector ([M, K] x [K] -> [M]);
    /// two rank-1 operands give their dot product []. Dimensions before the last two are leading (stacked)
    /// matrices: the shorter list of leading dimensions must be a suffix of the longer ([H, T, D] x [D, E] ->
    /// [H, T, E]). Either operand may be batched or unbatched.</summary>
    /// <exception cref="ArgumentException">A rank-0 operand, different inner dimensions, leading dimensions
    /// that do not broadcast, or different batches.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        const string op = "MatMul";
        int ra = a.Shape.Length, rb = b.Shape.Length;
        if (ra == 0 || rb == 0)
            throw new ArgumentException($"{op}: operands need rank 1 or more, got {Shapes.Describe(a)} x {Shapes.Describe(b)}.");
        int m = ra == 1 ? 1 : a.Shape[ra - 2], k = a.Shape[ra - 1];
        int kb = rb == 1 ? b.Shape[0] : b.Shape[rb - 2], n = rb == 1 ? 1 : b.Shape[rb - 1];
        if (k != kb)
            throw new ArgumentException($"{op}: inner dimensions differ ({k} vs {kb}) in {Shapes.Describe(a)} x {Shapes.Describe(b)}.");
        int[] leadA = ra > 2 ? a.Shape[..^2] : Array.Empty<int>(), leadB = rb > 2 ? b.Shape[..^2] : Array.Empty<int>();
        int[] lead;
        if (Shapes.IsSuffix(leadB, leadA)) lead = leadA;
        else if (Shapes.IsSuffix(leadA, leadB)) lead = leadB;
        else throw new ArgumentException($"{op}: leading dimensions {Shapes.Text(leadA)} and {Shapes.Text(leadB)} of {Shapes.Describe(a)} x {Shapes.Describe(b)} do not broadcast (one must be a suffix of the other).");
        int batch = Shapes.Batch(op, a, b);
        int[] shape = [.. lead, .. (ra == 1 ? Array.Empty<int>() : [m]), .. (rb == 1 ? Array.Empty<int>() : [n])];

        int matrices = Shapes.Size(lead), pa = Shapes.Size(leadA), pb = Shapes.Size(leadB);
        int sa = pa * m * k, sb = pb * k * n, sc = matrices * m * n;
        // One unbatched matrix on the right (a weight): every row of every sample of a is one big [rows, K] matrix.
        bool merged = b.Batch == 0 && pb == 1 && batch == a.Batch;
        int samples = Shapes.Samples(batch);

        var result = Tensor.Result(batch, shape, new[] { a, b }, r =>
        {
            ReadOnlySpan<float> av = a.Values, bv = b.Values, dc = r.Gradient;
            Span<float> da = a.RequiresGrad ? a.Gradient : default, db = b.RequiresGrad ? b.Gradient : default;
            if (merged)
            {
                int rows = Shapes.Samples(batch) * pa * m;
                if (a.RequiresGrad) Kernels.MatMulNT(dc, bv, da, rows, k, n);
                if (b.RequiresGrad) Kernels.MatMulTN(av, dc, db, k, n, rows);
                return;
            }
            for (int s = 0; s < samples; s++)
                for (int p = 0; p < matrices; p++)
                {
                    int ao = Shapes.SampleOf(a, s) * sa + p % pa * m * k;
                    int bo = Shapes.SampleOf(b, s) * sb + p % pb * k * n;
                    var dcp = dc.Slice(s * sc + p * m * n, m * n);
                    if (a.RequiresGrad) Kernels.MatMulNT(dcp, bv.Slice(bo, k * n), da.Slice(ao, m * k), m, k, n);
                    if (b.RequiresGrad) Kernels.MatMulTN(av.Slice(ao, m * k), dcp, db.Slice(bo, k * n), k, n, m);
                }
        });

        ReadOnlySpan<float> av = a.Values, bv = b.Values;
        Span<float> c = result.Values;
        if (merged) Kernels.MatMulNN(av, bv, c, samples * pa * m, n, k);
        else
            for (int s = 0; s < samples; s++)
                for (int p = 0; p < matrices; p++)
                    Kernels.MatMulNN(av.Slice(Shapes.SampleOf(a, s) * sa + p % pa * m * k, m * k),
                        bv.Slice(Shapes.SampleOf(b, s) * sb + p % pb * k * n, k * n),
                        c.Slice(s * sc + p * m * n, m * n), m, n, k);
        return result;
    }
}
