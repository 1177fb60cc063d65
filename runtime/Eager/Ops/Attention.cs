using System;

namespace NetCompiler;

// Scaled dot-product attention over heads: the eager path composes it from the primitives (the interpreted reference the
// generator's fused kernel is checked against), so its backward is theirs.
public static partial class Ops
{
    /// <summary>Multi-head scaled dot-product attention (PyTorch's <c>scaled_dot_product_attention</c> applied per head,
    /// the heads side by side in the last dimension as <c>nn.MultiheadAttention</c> splits its projections): per sample,
    /// query [Tq, E], key [Tk, E] and value [Tk, Ev] are cut into <paramref name="heads"/> column blocks of E / heads
    /// and Ev / heads; head h's output is softmax(Q_h K_h^T / sqrt(E / heads)) V_h, and the output [Tq, Ev] holds the
    /// heads side by side. <paramref name="causal"/>: query i attends keys 0..i only (needs Tq == Tk; the mask of
    /// <c>torch.tril(torch.ones(T, T))</c>).</summary>
    /// <exception cref="ArgumentException">The operands are not [Tq, E], [Tk, E] and [Tk, Ev]; heads does not divide E
    /// and Ev; a causal attention with Tq != Tk.</exception>
    public static Tensor Attention(Tensor query, Tensor key, Tensor value, int heads, bool causal = false)
    {
        CheckAttention(query.Shape, key.Shape, value.Shape, heads, causal, Shapes.Describe(query), Shapes.Describe(key), Shapes.Describe(value));
        int tq = query.Shape[0], tk = key.Shape[0], dk = query.Shape[1] / heads, dv = value.Shape[1] / heads;
        // [T, heads d] -> [heads, T, d] (keys: [heads, d, Tk]), one product per head, then the heads side by side again.
        var q = PermuteTo(Reshape(query, tq, heads, dk), [1, 0, 2]);
        var kT = PermuteTo(Reshape(key, tk, heads, dk), [1, 2, 0]);
        var v = PermuteTo(Reshape(value, tk, heads, dv), [1, 0, 2]);
        var scores = MatMul(q, kT) * (1f / MathF.Sqrt(dk));
        if (causal) scores = Where(Triangle(tq, tk), scores, float.NegativeInfinity);
        var heads3 = MatMul(Softmax(scores), v);
        return Reshape(PermuteTo(heads3, [1, 0, 2]), tq, heads * dv);
    }

    /// <summary>The shape rule of <see cref="Attention"/> (the generator's is the same), throwing with the shapes.</summary>
    private static void CheckAttention(int[] q, int[] k, int[] v, int heads, bool causal, string qText, string kText, string vText)
    {
        string shapes = $"query {qText}, key {kText}, value {vText}";
        if (q.Length != 2 || k.Length != 2 || v.Length != 2)
            throw new ArgumentException($"Attention: needs per-sample [rows, features] operands, got {shapes}.");
        if (heads < 1) throw new ArgumentException($"Attention: heads must be at least 1, got {heads}.");
        if (k[1] != q[1]) throw new ArgumentException($"Attention: query and key widths differ, {shapes}.");
        if (v[0] != k[0]) throw new ArgumentException($"Attention: key and value row counts differ, {shapes}.");
        if (q[1] % heads != 0 || v[1] % heads != 0)
            throw new ArgumentException($"Attention: {heads} heads do not divide the query width {q[1]} and the value width {v[1]}, {shapes}.");
        if (causal && q[0] != k[0]) throw new ArgumentException($"Attention: causal attention needs as many queries as keys, {shapes}.");
    }
}
