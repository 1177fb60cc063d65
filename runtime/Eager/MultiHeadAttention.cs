using System;

namespace NetCompiler;

/// <summary>A multi-head attention declared with <see cref="MultiHeadAttentionAttribute"/>: the query, key and value
/// projections, <see cref="Ops.Attention"/> over the heads, and the output projection, as PyTorch's
/// <c>nn.MultiheadAttention</c> computes them. Its tensors are views of the network's parameter storage.</summary>
public sealed class MultiHeadAttention
{
    private readonly Tensor? _inProjWeight, _qProjWeight, _kProjWeight, _vProjWeight, _inProjBias, _outProjBias;
    private readonly Tensor _outProjWeight;

    /// <summary>Binds the layer <paramref name="name"/> to its parameters in <paramref name="parameters"/> (called by
    /// generated code): <c>in_proj_weight</c>, or <c>q_proj_weight</c>, <c>k_proj_weight</c> and <c>v_proj_weight</c>;
    /// <c>in_proj_bias</c> and <c>out_proj.bias</c> when present; <c>out_proj.weight</c>. <paramref name="padId"/>: the id
    /// of padding in the <c>padding:</c> ids of <see cref="Forward(Tensor, Tokens?)"/>.
    /// <paramref name="dropout"/>: the probability of dropping an attention weight in training.</summary>
    public MultiHeadAttention(ParameterStore parameters, string name, int heads, bool causal, int padId = 0, float dropout = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padId);
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiHeadAttention: dropout must be in [0, 1).");
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        Tensor? Optional(string suffix) => parameters.Contains($"{name}.{suffix}") ? parameters[$"{name}.{suffix}"] : null;
        _inProjWeight = Optional("in_proj_weight");
        if (_inProjWeight is null)
        {
            _qProjWeight = parameters[$"{name}.q_proj_weight"];
            _kProjWeight = parameters[$"{name}.k_proj_weight"];
            _vProjWeight = parameters[$"{name}.v_proj_weight"];
        }
        _inProjBias = Optional("in_proj_bias");
        _outProjWeight = parameters[$"{name}.out_proj.weight"];
        _outProjBias = Optional("out_proj.bias");
        Dim = _outProjWeight.Shape[0];
        if (Dim % heads != 0) throw new ArgumentException($"MultiHeadAttention '{name}': {heads} heads do not divide its dimension {Dim}.", nameof(heads));
        Heads = heads; Causal = causal; PadId = padId; Dropout = dropout;
    }

    /// <summary>Features of the queries and of the output.</summary>
    public int Dim { get; }

    /// <summary>Heads, each of <see cref="Dim"/> / <see cref="Heads"/> features.</summary>
    public int Heads { get; }

    /// <summary>Whether query i attends keys 0..i only.</summary>
    public bool Causal { get; }

    /// <summary>The id of padding keys in <c>padding:</c> ids.</summary>
    public int PadId { get; }

    /// <summary>The probability of dropping an attention weight in training (PyTorch's <c>dropout</c>).</summary>
    public float Dropout { get; }

    /// <summary>Self-attention over <paramref name="x"/> [T, dim]: the three projections as one product. With
    /// <paramref name="padding"/> (the token ids of x, [T]), the positions whose id is <see cref="PadId"/> are ignored
    /// as keys (PyTorch's <c>key_padding_mask</c>); a query with no key left outputs the output projection's bias.</summary>
    public Tensor Forward(Tensor x, Tokens? padding = null) => Forward(x, x, x, padding);

    /// <summary>Cross-attention: queries from <paramref name="query"/> [Tq, dim], keys and values from
    /// <paramref name="memory"/> [Tk, KeyValueDim] (their two projections as one product); <paramref name="padding"/>:
    /// the memory's token ids [Tk], as in <see cref="Forward(Tensor, Tokens?)"/>.</summary>
    public Tensor Forward(Tensor query, Tensor memory, Tokens? padding = null) => Forward(query, memory, memory, padding);

    /// <summary>Attention of <paramref name="query"/> [Tq, dim] over <paramref name="key"/> and <paramref name="value"/>
    /// [Tk, KeyValueDim]: [Tq, dim]; <paramref name="padding"/>: the keys' token ids [Tk], as in
    /// <see cref="Forward(Tensor, Tokens?)"/>.</summary>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tokens? padding = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        int E = Dim;
        Tensor? Bias(int block, int blocks) => _inProjBias is null ? null : Ops.Slice(_inProjBias, 0, block * E, blocks * E);
        Tensor q, k, v;
        if (_inProjWeight is null)
        {
            q = Ops.Linear(query, _qProjWeight!, Bias(0, 1));
            k = Ops.Linear(key, _kProjWeight!, Bias(1, 1));
            v = Ops.Linear(value, _vProjWeight!, Bias(2, 1));
        }
        else if (ReferenceEquals(query, key) && ReferenceEquals(key, value))
        {
            var qkv = Ops.Linear(query, _inProjWeight, _inProjBias);
            (q, k, v) = (Ops.Slice(qkv, 1, 0, E), Ops.Slice(qkv, 1, E, E), Ops.Slice(qkv, 1, 2 * E, E));
        }
        else
        {
            Tensor Rows(int block, int blocks) => Ops.Slice(_inProjWeight, 0, block * E, blocks * E);
            q = Ops.Linear(query, Rows(0, 1), Bias(0, 1));
            if (ReferenceEquals(key, value))
            {
                var kv = Ops.Linear(key, Rows(1, 2), Bias(1, 2));
                (k, v) = (Ops.Slice(kv, 1, 0, E), Ops.Slice(kv, 1, E, E));
            }
            else
            {
                k = Ops.Linear(key, Rows(1, 1), Bias(1, 1));
                v = Ops.Linear(value, Rows(2, 1), Bias(2, 1));
            }
        }
        return Ops.Linear(Ops.Attention(q, k, v, Heads, Causal, padding, PadId, Dropout), _outProjWeight, _outProjBias);
    }
}
