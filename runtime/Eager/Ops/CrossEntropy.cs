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
    /// probabilities. A class index equal to <paramref name="ignoreIndex"/> (PyTorch's <c>ignore_index</c>, -100 by
    /// default as there) marks a row that neither counts nor gets a gradient: see
    /// <see cref="CrossEntropy(Tensor, Tokens, int)"/>.</summary>
    /// <exception cref="ArgumentException">The target's shape fits neither form, a class index is not an integer
    /// in [0, C) nor the ignore index, or the batches differ.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, int ignoreIndex = -100)
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
        if (probabilities) return SoftmaxCrossEntropy(logits, target, null, batch);

        // Class indices, validated up front.
        int rows = logits.SampleSize / c, samples = Shapes.Samples(batch);
        ReadOnlySpan<float> tv = target.Values;
        var classes = new int[samples * rows];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < rows; i++)
            {
                float t = tv[Shapes.SampleOf(target, s) * rows + i];
                if (t == ignoreIndex)
                {
                    classes[s * rows + i] = Ignored;
                    continue;
                }
                if (!(t >= 0f && t < c && t == MathF.Floor(t)))
                    throw new ArgumentException($"{op}: class index {t} (sample {s}, row {i}) is not an integer in [0, {c}).");
                classes[s * rows + i] = (int)t;
            }
        return SoftmaxCrossEntropy(logits, null, classes, batch);
    }

    /// <summary>Softmax cross-entropy of logits [..., C] against one class id per row (PyTorch's
    /// <c>cross_entropy(logits[T, V], target[T])</c>: the ids take the logits' shape without the class dimension, or
    /// with it as 1), averaged over the rows of each sample; a <c>Tokens</c> target of a <see cref="LossAttribute"/>
    /// method. No gradient flows into ids.
    /// <para>A row whose id is <paramref name="ignoreIndex"/> (PyTorch's <c>ignore_index</c>; ids are never negative, so
    /// the default -100 ignores nothing; give the pad id to skip padding) adds nothing to the loss and gets no gradient,
    /// and the sample's loss is the mean over its other rows. This is PyTorch's mean when each sample is one call; for a
    /// batch, PyTorch divides by the kept rows of the whole batch, here each sample keeps its own mean and the batch
    /// averages samples (so a sample's loss does not depend on its batch-mates, and a batch split across cores sums
    /// exactly). A sample with every row ignored has loss 0 and no gradient (PyTorch gives NaN).</para></summary>
    /// <exception cref="ArgumentException">The ids' shape fits neither form, an id is C or more (and not the ignore
    /// index), or the batches differ.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tokens target, int ignoreIndex = -100)
    {
        const string op = "CrossEntropy";
        ArgumentNullException.ThrowIfNull(target);
        if (logits.Shape.Length == 0) throw new ArgumentException($"{op}: logits need rank 1 or more ([..., C]), got {Shapes.Describe(logits)}.");
        int c = logits.Shape[^1];
        var rowShape = logits.Shape.AsSpan(0, logits.Shape.Length - 1);
        bool fits = target.Shape.AsSpan().SequenceEqual(rowShape)
            || target.Shape.Length == logits.Shape.Length && target.Shape[^1] == 1 && target.Shape.AsSpan(0, rowShape.Length).SequenceEqual(rowShape);
        if (!fits)
            throw new ArgumentException($"{op}: logits {Shapes.Describe(logits)} need one class id per row, Tokens of shape {Shapes.Text(rowShape.Length > 0 ? rowShape.ToArray() : [1])}; got {target}.");
        if (logits.Batch > 0 && logits.Batch != target.Batch)
            throw new ArgumentException($"{op}: batch sizes differ, {Shapes.Describe(logits)} and {target}.");
        int rows = logits.SampleSize / c;
        var classes = target.Values.ToArray();
        for (int k = 0; k < classes.Length; k++)
            if (classes[k] == ignoreIndex) classes[k] = Ignored;
            else if (classes[k] >= c)
                throw new ArgumentException($"{op}: class id {classes[k]} (sample {k / rows}, row {k % rows}) is not an integer in [0, {c}).");
        return SoftmaxCrossEntropy(logits, null, classes, target.Batch);
    }

    /// <summary>A row of <c>classes</c> whose target is the ignore index.</summary>
    private const int Ignored = -1;

    /// <summary>The loss and its backward against the probabilities <paramref name="p"/> or, when that is null, the
    /// validated <paramref name="classes"/> (one per row of each sample, <see cref="Ignored"/> for a row that does not
    /// count).</summary>
    private static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor? p, int[]? classes, int batch)
    {
        int c = logits.Shape[^1];
        int rows = logits.SampleSize / c, samples = Shapes.Samples(batch), n = logits.SampleSize;
        ReadOnlySpan<float> zv = logits.Values;

        // Forward, per row as generated code computes it: e = exp(z - max) and its sum (both kept for backward),
        // and the log-sum-exp max + log(sum).
        var exps = new float[samples * n];
        var sums = new float[samples * rows];
        var lse = new float[samples * rows];
        // Rows that count per sample: all of them, but for ignored class indices.
        var kept = new int[samples];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < rows; i++)
                if (classes is null || classes[s * rows + i] != Ignored) kept[s]++;
        var result = Tensor.Result(batch, Array.Empty<int>(), p is null ? [logits] : [logits, p], r =>
        {
            ReadOnlySpan<float> dl = r.Gradient, z = logits.Values;
            var tmp = new float[c];
            for (int s = 0; s < samples; s++)
            {
                float g = kept[s] > 0 ? dl[s] * (1f / kept[s]) : 0f;
                int zo = Shapes.SampleOf(logits, s) * n;
                for (int i = 0; i < rows; i++)
                {
                    int row = s * rows + i;
                    if (classes is not null && classes[row] == Ignored) continue;
                    var e = exps.AsSpan(s * n + i * c, c);
                    if (logits.RequiresGrad)
                    {
                        var dz = logits.Gradient.Slice(zo + i * c, c);
                        if (p is null)
                        {
                            // dz += g softmax(z) - g onehot(c), with softmax(z) = e / sum
                            TensorPrimitives.MultiplyAdd(e, g / sums[row], dz, dz);
                            dz[classes![row]] -= g;
                        }
                        else
                        {
                            // dz += g sum(t) softmax(z) - g t
                            var ti = p.Values.Slice(Shapes.SampleOf(p, s) * n + i * c, c);
                            TensorPrimitives.Multiply(e, g * TensorPrimitives.Sum(ti) / sums[row], tmp);
                            TensorPrimitives.MultiplyAdd(ti, -g, tmp, tmp);
                            TensorPrimitives.Add(dz, tmp, dz);
                        }
                    }
                    if (p is { RequiresGrad: true })
                    {
                        // dt = -g log softmax(z) = g (lse - z)
                        var dt = p.Gradient.Slice(Shapes.SampleOf(p, s) * n + i * c, c);
                        TensorPrimitives.Subtract(lse[row], z.Slice(zo + i * c, c), tmp);
                        TensorPrimitives.MultiplyAdd(tmp, g, dt, dt);
                    }
                }
            }
        });

        Span<float> loss = result.Values;
        for (int s = 0; s < samples; s++)
        {
            int zo = Shapes.SampleOf(logits, s) * n;
            float total = 0f;   // a float sum in row order, times 1 / kept rows: generated code's
            for (int i = 0; i < rows; i++)
            {
                int row = s * rows + i;
                if (classes is not null && classes[row] == Ignored) continue;
                var zi = zv.Slice(zo + i * c, c);
                sums[row] = ShiftedExp(zi, exps.AsSpan(s * n + i * c, c), out float max);
                float l = lse[row] = max + ScalarMath.Log(sums[row]);
                if (p is null) total += l - zi[classes![row]];
                else
                {
                    // -sum t (z - lse) = lse sum(t) - <t, z>
                    var ti = p.Values.Slice(Shapes.SampleOf(p, s) * n + i * c, c);
                    total += TensorPrimitives.Sum(ti) * l - TensorPrimitives.Dot(ti, zi);
                }
            }
            loss[s] = kept[s] > 0 ? total * (1f / kept[s]) : 0f;
        }
        return result;
    }
}
