using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Linear (the dense layer): forward and backward.
public static partial class Ops
{
    /// <summary>Fully connected layer: x W^T + b over the last dimension, W of shape [out, in], b of shape [out]
    /// ([..., in] -> [..., out]). The leading dimensions of x are rows that share the weight.</summary>
    /// <exception cref="ArgumentException">W is not rank 2, x does not end in W's input dimension, b is not
    /// [out], or the batches differ.</exception>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        const string op = "Linear";
        if (weight.Shape.Length != 2)
            throw new ArgumentException($"{op}: the weight must be [out, in], got {Shapes.Describe(weight)}.");
        int outputs = weight.Shape[0], inputs = weight.Shape[1];
        if (x.Shape.Length == 0 || x.Shape[^1] != inputs)
            throw new ArgumentException($"{op}: input {Shapes.Describe(x)} must end in {inputs} to match the weight {Shapes.Describe(weight)}.");
        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != outputs))
            throw new ArgumentException($"{op}: the bias must be [{outputs}] to match the weight {Shapes.Describe(weight)}, got {Shapes.Describe(bias)}.");
        int batch = Shapes.Batch(op, x, weight, bias);
        int[] shape = [.. x.Shape[..^1], outputs];
        int rows = x.SampleSize / inputs, samples = Shapes.Samples(batch);
        int sw = outputs * inputs;
        // An unbatched weight and an x with the result's batch: all rows of all samples are one GEMM.
        bool merged = weight.Batch == 0 && x.Batch == batch;
        int groups = merged ? 1 : samples, groupRows = merged ? samples * rows : rows;
        Tensor[] parents = bias is null ? new[] { x, weight } : new[] { x, weight, bias };

        var result = Tensor.Result(batch, shape, parents, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient, xv = x.Values, wv = weight.Values;
            Span<float> dx = x.RequiresGrad ? x.Gradient : default, dw = weight.RequiresGrad ? weight.Gradient : default;
            for (int g = 0; g < groups; g++)
            {
                int xo = merged ? 0 : Shapes.SampleOf(x, g) * rows * inputs, wo = merged ? 0 : Shapes.SampleOf(weight, g) * sw;
                var dyg = dy.Slice(g * groupRows * outputs, groupRows * outputs);
                if (x.RequiresGrad) Kernels.MatMulNN(dyg, wv.Slice(wo, sw), dx.Slice(xo, groupRows * inputs), groupRows, inputs, outputs);
                if (weight.RequiresGrad) Kernels.MatMulTN(dyg, xv.Slice(xo, groupRows * inputs), dw.Slice(wo, sw), outputs, inputs, groupRows);
            }
            if (bias is not null && bias.RequiresGrad)
            {
                Span<float> db = bias.Gradient;
                for (int s = 0; s < samples; s++)
                {
                    var dbs = db.Slice(Shapes.SampleOf(bias, s) * outputs, outputs);
                    for (int i = 0; i < rows; i++) Kernels.AddInto(dbs, dy.Slice((s * rows + i) * outputs, outputs));
                }
            }
        });

        ReadOnlySpan<float> xv = x.Values, wv = weight.Values;
        Span<float> y = result.Values;
        for (int g = 0; g < groups; g++)
        {
            int xo = merged ? 0 : Shapes.SampleOf(x, g) * rows * inputs, wo = merged ? 0 : Shapes.SampleOf(weight, g) * sw;
            Kernels.MatMulNT(xv.Slice(xo, groupRows * inputs), wv.Slice(wo, sw), y.Slice(g * groupRows * outputs, groupRows * outputs), groupRows, outputs, inputs);
        }
        if (bias is not null)
        {
            ReadOnlySpan<float> bv = bias.Values;
            for (int s = 0; s < samples; s++)
            {
                var bs = bv.Slice(Shapes.SampleOf(bias, s) * outputs, outputs);
                for (int i = 0; i < rows; i++) Kernels.AddInto(y.Slice((s * rows + i) * outputs, outputs), bs);
            }
        }
        return result;
    }
}
