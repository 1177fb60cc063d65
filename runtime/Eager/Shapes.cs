using System;

namespace NetCompiler;

/// <summary>Shape rules shared by the eager ops: batch combination, broadcasting, and the text used in error
/// messages.</summary>
internal static class Shapes
{
    /// <summary>A shape as text: <c>[2, 3]</c>.</summary>
    public static string Text(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>A tensor's shape and batch as text for error messages: <c>[2, 3] (batch 4)</c> or <c>[3] (unbatched)</c>.</summary>
    public static string Describe(Tensor t) => Text(t.Shape) + (t.Batch > 0 ? $" (batch {t.Batch})" : " (unbatched)");

    /// <summary>Elements of a shape.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>Whether <paramref name="suffix"/> is a suffix of <paramref name="shape"/> (the empty shape always is).</summary>
    public static bool IsSuffix(ReadOnlySpan<int> suffix, ReadOnlySpan<int> shape) =>
        suffix.Length <= shape.Length && shape.Slice(shape.Length - suffix.Length).SequenceEqual(suffix);

    /// <summary>The batch of a result: two batched operands must agree; an unbatched one (0) is broadcast.</summary>
    public static int Batch(string op, Tensor a, Tensor b)
    {
        if (a.Batch > 0 && b.Batch > 0 && a.Batch != b.Batch)
            throw new ArgumentException($"{op}: batch sizes differ, {Describe(a)} and {Describe(b)}. Two batched operands need the same batch; an unbatched one is broadcast over it.");
        return Math.Max(a.Batch, b.Batch);
    }

    /// <summary>The batch of a result of three operands (any may be unbatched).</summary>
    public static int Batch(string op, Tensor a, Tensor b, Tensor? c) => c is null ? Batch(op, a, b) : Math.Max(Batch(op, a, b), Math.Max(Batch(op, a, c), Batch(op, b, c)));

    /// <summary>The broadcast per-sample shape of the operands, NumPy's rule: aligned at the last dimension (a missing
    /// leading dimension counts as 1), each aligned set of dimensions equal or 1, the result taking the largest
    /// ([4, 1] and [3] give [4, 3]; a scalar [] broadcasts to anything). Throws naming the op and the shapes otherwise.</summary>
    public static int[] Broadcast(string op, params Tensor[] operands)
    {
        int rank = 0;
        foreach (var t in operands) rank = Math.Max(rank, t.Shape.Length);
        var shape = new int[rank];
        for (int k = 1; k <= rank; k++)
        {
            int dim = 1;
            foreach (var t in operands)
            {
                int d = t.Shape.Length >= k ? t.Shape[^k] : 1;
                if (d == 1 || d == dim) continue;
                if (dim != 1)
                    throw new ArgumentException($"{op}: shapes {string.Join(" and ", Array.ConvertAll(operands, Describe))} do not broadcast. Per-sample shapes " +
                        "are aligned at the last dimension, and each pair of dimensions must be equal or one of them 1 (e.g. [T, D] and [D], [T, 1] and [1, D], or a scalar []).");
                dim = d;
            }
            shape[rank - k] = dim;
        }
        return shape;
    }

    /// <summary>Samples to iterate for a result of batch <paramref name="batch"/> (1 when unbatched).</summary>
    public static int Samples(int batch) => Math.Max(batch, 1);

    /// <summary>The sample of <paramref name="t"/> that result sample <paramref name="s"/> reads (0 when unbatched).</summary>
    public static int SampleOf(Tensor t, int s) => t.Batch > 0 ? s : 0;

    /// <summary>The batch of an element-wise loss whose operands must have the same per-sample shape.</summary>
    public static int LossBatch(string op, Tensor y, Tensor target)
    {
        if (!y.Shape.AsSpan().SequenceEqual(target.Shape))
            throw new ArgumentException($"{op}: output {Describe(y)} and target {Describe(target)} must have the same per-sample shape.");
        return Batch(op, y, target);
    }
}
