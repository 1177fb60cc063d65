using System;

namespace NetCompiler;

/// <summary>Multi-head attention (PyTorch's <c>nn.MultiheadAttention(dim, heads, batch_first=True)</c>) over per-sample
/// sequences of <see cref="Dim"/> features. Parameters as PyTorch's <c>state_dict</c>: <c>in_proj_weight</c> [3 dim, dim]
/// (the query, key and value projections stacked; Xavier-uniform over the whole matrix) or, when
/// <see cref="KeyValueDim"/> differs from <see cref="Dim"/>, <c>q_proj_weight</c> [dim, dim], <c>k_proj_weight</c> and
/// <c>v_proj_weight</c> [dim, KeyValueDim]; <c>in_proj_bias</c> [3 dim] (zeros); <c>out_proj.weight</c> [dim, dim]
/// (U(-1/sqrt(dim), 1/sqrt(dim))) and <c>out_proj.bias</c> [dim] (zeros). <c>a.Forward(x)</c> is self-attention,
/// <c>a.Forward(query, memory)</c> cross-attention (keys and values from <c>memory</c>, of another length), and
/// <c>a.Forward(query, key, value)</c> the general form; each returns [Tq, dim] (PyTorch's <c>attn_output</c>; the
/// attention weights are never materialized). Each takes <c>padding:</c> ids of the keys ([Tk] Tokens; the input's for
/// self-attention, the memory's for cross-attention), whose <see cref="PadId"/> entries are masked.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class MultiHeadAttentionAttribute : Attribute
{
    /// <summary>Attention over <paramref name="dim"/> features split into <paramref name="heads"/> heads of dim / heads.</summary>
    public MultiHeadAttentionAttribute(int dim, int heads) { Dim = dim; Heads = heads; }

    /// <summary>Features of the queries and of the output (PyTorch's <c>embed_dim</c>).</summary>
    public int Dim { get; }
    /// <summary>Heads; they must divide <see cref="Dim"/>.</summary>
    public int Heads { get; }
    /// <summary>Query i attends keys 0..i only (the mask of <c>nn.Transformer.generate_square_subsequent_mask</c>); the
    /// queries and keys must then be equally many (default false).</summary>
    public bool Causal { get; set; }
    /// <summary>Features of the key and value inputs (PyTorch's <c>kdim</c> = <c>vdim</c>); 0 (the default) means
    /// <see cref="Dim"/>.</summary>
    public int KeyValueDim { get; set; }
    /// <summary>Whether the projections have biases (<c>in_proj_bias</c>, <c>out_proj.bias</c>; default true).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>The token id of padding (default 0): with <c>a.Forward(x, padding: ids)</c>, a key whose id is
    /// <see cref="PadId"/> is ignored by every query (PyTorch's <c>key_padding_mask = ids == PadId</c>); a query whose
    /// keys are all padding outputs zeros (PyTorch gives NaN).</summary>
    public int PadId { get; set; }
    /// <summary>PyTorch's <c>dropout</c> on the attention weights (default 0, in [0, 1)): in training each weight is
    /// dropped with this probability and the kept ones scaled by 1 / (1 - p), with the masks of <c>Dropout</c>; in
    /// inference nothing is dropped.</summary>
    public float Dropout { get; set; }
}
