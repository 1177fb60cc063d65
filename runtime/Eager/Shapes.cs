using System;

namespace NetCompiler;

/// <summary>Shape rules shared by the eager ops: batch combination, suffix broadcasting, and the text used in
/// error messages.</summary>
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

    /// <summary>The broadcast shape of two operands: equal shapes, or one a suffix of the other (a scalar [] is a
    /// suffix of every shape). Throws naming the op and both shapes otherwise.</summary>
    public static int[] Broadcast(string op, Tensor a, Tensor b)
    {
        if (IsSuffix(b.Shape, a.Shape)) return a.Shape;
        if (IsSuffix(a.Shape, b.Shape)) return b.Shape;
        throw new ArgumentException($"{op}: shapes {Describe(a)} and {Describe(b)} do not broadcast. Per-sample shapes must be equal, or one must be a suffix of the other (e.g. [T, D] and [D]), or one must be a scalar [].");
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
