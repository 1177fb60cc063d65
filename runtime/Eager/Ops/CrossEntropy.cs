using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Softmax cross-entropy: forward and backward.
public static partial class Ops
{
    /// <summary>Softmax cross-entropy from logits [..., C], averaged over the leading rows (every row of the
    /// sample counts once; a rank-1 logits tensor is one row), computed with log-sum-exp. The target is either
    /// probabilities of the logits' shape (row loss -sum_j t_j log softmax(z)_j, differentiable in t too), or
    /// class indices stored as floats in a tensor of the logits' shape with the last dimension 1 (row loss
    /// -log softmax(z)_c). When C is 1 the two readings coincide in shape and the target is taken as
    /// probabilities.</summary>
    /// <exception cref="ArgumentException">The target's shape fits neither form, a class index is not an integer
    /// in [0, C), or the batches differ.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor target)
    {
        const string op = "CrossEntropy";
        if (logits.Shape.Length == 0) throw new ArgumentException($"{op}: logits need rank 1 or more ([..., C]), got {Shapes.Describe(logits)}.");
        int c = logits.Shape[^1];
        bool probabilities = logits.Shape.AsSpan().SequenceEqual(target.Shape);
        bool indices = !probabilities && target.Shape.Length == logits.Shape.Length && target.Shape[^1] == 1
            && target.Shape.AsSpan(0, target.Shape.Length - 1).SequenceEqual(logits.Shape.AsSpan(0, logits.Shape.Length - 1));
        if (!probabilities && !indices)
            throw new ArgumentException($"{op}: target {Shapes.Describe(target)} must have the logits' shape {Shapes.Describe(logits)} (probabilities) or the same shape with the last dimension 1 (class indices).");
        int batch = Shapes.Batch(op, logits, target);
        int rows = logits.SampleSize / c, samples = Shapes.Samples(batch), n = logits.SampleSize;
        int tn = target.SampleSize;
        ReadOnlySpan<float> zv = logits.Values, tv = target.Values;

        // Class indices, validated up front.
        int[]? classes = null;
        if (indices)
        {
            classes = new int[samples * rows];
            for (int s = 0; s < samples; s++)
                for (int i = 0; i < rows; i++)
                {
                    float t = tv[Shapes.SampleOf(target, s) * tn + i];
                    if (!(t >= 0f && t < c && t == MathF.Floor(t)))
                        throw new ArgumentException($"{op}: class index {t} (sample {s}, row {i}) is not an integer in [0, {c}).");
                    classes[s * rows + i] = (int)t;
                }
        }

        // Forward, per row as generated code computes it: e = exp(z - max) and its sum (both kept for backward),
        // and the log-sum-exp max + log(sum).
        var exps = new float[samples * n];
        var sums = new float[samples * rows];
        var lse = new float[samples * rows];
        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { logits, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient, z = logits.Values, t = target.Values;
            var tmp = new float[c];
            for (int s = 0; s < samples; s++)
            {
                float g = dl[s] * (1f / rows);
                int zo = Shapes.SampleOf(logits, s) * n, to = Shapes.SampleOf(target, s) * tn;
                for (int i = 0; i < rows; i++)
                {
                    int row = s * rows + i;
                    var e = exps.AsSpan(s * n + i * c, c);
                    if (logits.RequiresGrad)
                    {
                        var dz = logits.Gradient.Slice(zo + i * c, c);
                        if (classes is not null)
                        {
                            // dz += g softmax(z) - g onehot(c), with softmax(z) = e / sum
                            TensorPrimitives.MultiplyAdd(e, g / sums[row], dz, dz);
                            dz[classes[row]] -= g;
                        }
                        else
                        {
                            // dz += g sum(t) softmax(z) - g t
                            var ti = t.Slice(to + i * c, c);
                            TensorPrimitives.Multiply(e, g * TensorPrimitives.Sum(ti) / sums[row], tmp);
                            TensorPrimitives.MultiplyAdd(ti, -g, tmp, tmp);
                            TensorPrimitives.Add(dz, tmp, dz);
                        }
                    }
                    if (classes is null && target.RequiresGrad)
                    {
                        // dt = -g log softmax(z) = g (lse - z)
                        var dt = target.Gradient.Slice(to + i * c, c);
                        TensorPrimitives.Subtract(lse[row], z.Slice(zo + i * c, c), tmp);
                        TensorPrimitives.MultiplyAdd(tmp, g, dt, dt);
                    }
                }
            }
        });

        Span<float> loss = result.Values;
        for (int s = 0; s < samples; s++)
        {
            int zo = Shapes.SampleOf(logits, s) * n, to = Shapes.SampleOf(target, s) * tn;
            float total = 0f;   // a float sum in row order, times 1 / rows: generated code's
            for (int i = 0; i < rows; i++)
            {
                int row = s * rows + i;
                var zi = zv.Slice(zo + i * c, c);
                sums[row] = ShiftedExp(zi, exps.AsSpan(s * n + i * c, c), out float max);
                float l = lse[row] = max + ScalarMath.Log(sums[row]);
                if (classes is not null) total += l - zi[classes[row]];
                else
                {
                    // -sum t (z - lse) = lse sum(t) - <t, z>
                    var ti = tv.Slice(to + i * c, c);
                    total += TensorPrimitives.Sum(ti) * l - TensorPrimitives.Dot(ti, zi);
                }
            }
            loss[s] = total * (1f / rows);
        }
        return result;
    }
}
