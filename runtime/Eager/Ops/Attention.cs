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
    /// <c>torch.tril(torch.ones(T, T))</c>). <paramref name="keyIds"/> [Tk] (PyTorch's <c>key_padding_mask</c> written as
    /// ids): key j is ignored by every query where <c>keyIds[j] == padId</c>; a query none of whose keys is left (all
    /// padding, or all padding up to it when causal) outputs zeros and passes no gradient (PyTorch gives NaN).
    /// <paramref name="dropout"/> (PyTorch's <c>dropout_p</c>): in training, <see cref="Dropout"/> of the weights
    /// [heads, Tq, Tk] (an op of its own in the step's numbering, only when above 0); otherwise nothing.
    /// <paramref name="bias"/> ([heads, Tq, Tk], or [Tq, Tk] for every head: PyTorch's float <c>attn_mask</c>, T5's
    /// <see cref="RelativePositionBias"/>) is added to the scores before the masks and the softmax, and gets their
    /// gradient. <paramref name="scale"/> multiplies the dot products: 0 (the default) means 1 / sqrt(E / heads), as
    /// PyTorch's <c>scale=None</c>; T5 uses 1 (its initialization folds the scaling into the query weights).</summary>
    /// <exception cref="ArgumentException">The operands are not [Tq, E], [Tk, E] and [Tk, Ev]; heads does not divide E
    /// and Ev; a causal attention with Tq != Tk; key ids not of shape [Tk], of another batch, or a negative pad id; a
    /// bias of another shape or batch; a scale that is not finite.</exception>
    public static Tensor Attention(Tensor query, Tensor key, Tensor value, int heads, bool causal = false, Tokens? keyIds = null, int padId = 0,
        float dropout = 0f, Tensor? bias = null, float scale = 0f)
    {
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Attention: the scale must be a finite number.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Attention: dropout must be in [0, 1).");
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckAttention(query.Shape, key.Shape, value.Shape, heads, causal, Shapes.Describe(query), Shapes.Describe(key), Shapes.Describe(value));
        int tq = query.Shape[0], tk = key.Shape[0], dk = query.Shape[1] / heads, dv = value.Shape[1] / heads;
        var keep = keyIds is null ? null : KeyPaddingKeep(keyIds, padId, tk, Math.Max(query.Batch, Math.Max(key.Batch, value.Batch)));
        // [T, heads d] -> [heads, T, d] (keys: [heads, d, Tk]), one product per head, then the heads side by side again.
        var q = PermuteTo(Reshape(query, tq, heads, dk), [1, 0, 2]);
        var kT = PermuteTo(Reshape(key, tk, heads, dk), [1, 2, 0]);
        var v = PermuteTo(Reshape(value, tk, heads, dv), [1, 0, 2]);
        var scores = MatMul(q, kT) * (scale != 0f ? scale : 1f / MathF.Sqrt(dk));
        if (bias is not null)
        {
            bool fits = bias.Shape is [var bh, var bq, var bk] && (bh == heads || bh == 1) && bq == tq && bk == tk || bias.Shape is [var q2, var k2] && q2 == tq && k2 == tk;
            if (!fits) throw new ArgumentException($"Attention: the bias must be [heads, queries, keys] = [{heads}, {tq}, {tk}] or [{tq}, {tk}], got {Shapes.Describe(bias)}.");
            scores += bias;   // broadcast over the heads when shared; the batch checked by Add
        }
        if (causal) scores = Where(Triangle(tq, tk), scores, float.NegativeInfinity);
        // Padding keys get the lowest finite score rather than -inf, so a row of padding only has a finite softmax
        // (uniform over it, not NaN); zeroing the padding columns of the probabilities then leaves such a row all zeros,
        // and ordinary rows unchanged (exp(float.MinValue - max) is already 0 there).
        if (keep is not null) scores = Where(keep, scores, float.MinValue);
        var probabilities = Softmax(scores);
        if (keep is not null) probabilities = Where(keep, probabilities, 0f);
        if (dropout > 0f) probabilities = Dropout(probabilities, dropout);
        var heads3 = MatMul(probabilities, v);
        return Reshape(PermuteTo(heads3, [1, 0, 2]), tq, heads * dv);
    }

    /// <summary>Per sample [1, Tk]: 1 where the key is kept, 0 where its id is <paramref name="padId"/> (broadcast over
    /// the heads and queries of the scores).</summary>
    private static Tensor KeyPaddingKeep(Tokens keyIds, int padId, int keys, int batch)
    {
        if (keyIds.Shape.Length != 1 || keyIds.Shape[0] != keys)
            throw new ArgumentException($"Attention: the key ids {keyIds} must hold one id per key row, [{keys}].");
        if (batch > 0 && keyIds.Batch != batch)
            throw new ArgumentException($"Attention: the key ids {keyIds} and the operands (batch {batch}) have different batches.");
        if (padId < 0) throw new ArgumentException($"Attention: the pad id must not be negative, got {padId} (ids are never negative).");
        var keep = new float[keyIds.Values.Length];
        for (int i = 0; i < keep.Length; i++) keep[i] = keyIds.Values[i] == padId ? 0f : 1f;
        return Tensor.FromBatch(keep, keyIds.Batch, 1, keys);
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
