using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary>What a <c>[MultiHeadAttention]</c> declared: the width, the heads, causality, the key/value width and the
/// pad id of <c>padding:</c> ids and the dropout of the attention weights.</summary>
internal sealed record MultiHeadAttentionSettings(int Dim, int Heads, bool Causal, int KeyValueDim, int PadId, float Dropout) : OpAttributes
{
    /// <summary>Whether the three projections are one [3 dim, dim] matrix (PyTorch's <c>in_proj_weight</c>).</summary>
    public bool Packed => KeyValueDim == Dim;
}

/// <summary><c>[MultiHeadAttention(dim, heads)] MultiHeadAttention a</c> (PyTorch's <c>nn.MultiheadAttention</c> with
/// <c>batch_first=True</c>), with <c>Causal</c>, <c>KeyValueDim</c>, <c>Bias</c>, <c>PadId</c> and <c>Dropout</c>. Parameters as PyTorch's
/// <c>state_dict</c>, in its order: <c>in_proj_weight</c> [3 dim, dim] (or <c>q_proj_weight</c>, <c>k_proj_weight</c>,
/// <c>v_proj_weight</c> when the key/value width differs), <c>in_proj_bias</c> [3 dim], <c>out_proj.weight</c>
/// [dim, dim], <c>out_proj.bias</c> [dim], initialized as PyTorch does. <c>Forward(x)</c>, <c>Forward(query, memory)</c>
/// and <c>Forward(query, key, value)</c> trace to the projections (one Linear for all three in self-attention, one for
/// key and value when they are one tensor), slices of their outputs, one Attention node (with the <c>padding:</c> ids
/// as its key ids) and the output Linear.</summary>
internal sealed class MultiHeadAttentionLayer : LayerDefinition
{
    private MultiHeadAttentionLayer() : base("MultiHeadAttention") { }

    public static readonly MultiHeadAttentionLayer Instance = new();

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 2 || args[0].Value is not int dim || args[1].Value is not int heads) return null; // C# reports it
        string layer = $"[{Name}] '{field.Name}'";
        foreach (var (i, value, what) in new[] { (0, dim, "dimension"), (1, heads, "heads") })
            if (value <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, i, location), $"{layer} {what}", value));
                return null;
            }
        if (dim % heads != 0)
            return Invalid(diagnostics, AttributeArguments.Of(attribute, location), $"{layer} has {heads} heads, which do not divide its dimension {dim}");
        bool causal = false, bias = true;
        int keyValueDim = dim, padId = 0;
        float dropout = 0f;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Causal": causal = named.Value.Value is true; break;
                case "Bias": bias = named.Value.Value is true; break;
                case "KeyValueDim": keyValueDim = named.Value.Value is int kv ? kv : dim; break;
                case "PadId": padId = named.Value.Value is int pad ? pad : 0; break;
                case "Dropout": dropout = named.Value.Value is float p ? p : 0f; break;
            }
        }
        if (padId < 0)
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "PadId", location), $"{layer} has PadId = {padId}; it must be at least 0 (ids are never negative)");
        if (!(dropout >= 0f && dropout < 1f))
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "Dropout", location),
                $"{layer} has Dropout = {dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it must be in [0, 1)");
        if (keyValueDim < 0)
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "KeyValueDim", location), $"{layer} has KeyValueDim = {keyValueDim}; it must be positive (or 0: the dimension)");
        if (keyValueDim == 0) keyValueDim = dim;
        long count = 3L * dim * System.Math.Max(dim, keyValueDim) + (long)dim * dim;
        if (count > FieldDeclaration.MaxWeights)
            return Invalid(diagnostics, AttributeArguments.Of(attribute, location), $"{layer} has more than {FieldDeclaration.MaxWeights} weights (1 GiB of floats)");
        var settings = new MultiHeadAttentionSettings(dim, heads, causal, keyValueDim, padId, dropout);
        var parameters = new List<LayerParameter>();
        // PyTorch: xavier_uniform_ on in_proj_weight as one matrix (fans dim and 3 dim), or on each projection; zero
        // biases; out_proj keeps nn.Linear's U(-1/sqrt(dim), 1/sqrt(dim)).
        if (settings.Packed)
            parameters.Add(new LayerParameter("in_proj_weight", new[] { 3 * dim, dim }, "Xavier", dim, 3 * dim, 0.01f, null));
        else
        {
            parameters.Add(new LayerParameter("q_proj_weight", new[] { dim, dim }, "Xavier", dim, dim, 0.01f, null));
            parameters.Add(new LayerParameter("k_proj_weight", new[] { dim, keyValueDim }, "Xavier", keyValueDim, dim, 0.01f, null));
            parameters.Add(new LayerParameter("v_proj_weight", new[] { dim, keyValueDim }, "Xavier", keyValueDim, dim, 0.01f, null));
        }
        if (bias) parameters.Add(new LayerParameter("in_proj_bias", new[] { 3 * dim }, "Zeros", dim, 3 * dim, 0.01f, null));
        parameters.Add(new LayerParameter("out_proj.weight", new[] { dim, dim }, "FanInUniform", dim, dim, 0.01f, null));
        if (bias) parameters.Add(new LayerParameter("out_proj.bias", new[] { dim }, "Zeros", dim, dim, 0.01f, null));
        return new LayerDeclaration(this, parameters, settings);
    }

    public override string Bind(LayerDeclaration layer, string name)
    {
        var a = (MultiHeadAttentionSettings)layer.Attributes;
        return $"new global::NetCompiler.MultiHeadAttention(parameters, {name}, {a.Heads}, {(a.Causal ? "true" : "false")}, padId: {a.PadId}, dropout: {Emit.SourceWriter.Float(a.Dropout)})";
    }

    public override TraceValue Forward(LayerCall call)
    {
        var a = (MultiHeadAttentionSettings)call.Layer.Attributes;
        int E = a.Dim;
        // Forward(x, padding), Forward(query, memory, padding), Forward(query, key, value, padding): the tensors, then
        // the key ids (null when not given).
        int tensors = call.Arguments.Count - 1;
        int query = call.Tensor(0, "the query of " + call.Name);
        int key = tensors > 1 ? call.Tensor(1, "the key of " + call.Name) : query;
        int value = tensors > 2 ? call.Tensor(2, "the value of " + call.Name) : key;
        int keyIds = call.Arguments[tensors] is NullValue ? -1 : call.Tensor(tensors, "the padding of " + call.Name);
        int Add(OpKind op, OpAttributes attributes, params int[] inputs) => ((TensorValue)call.Node(op, inputs, attributes)).Node;
        int Slice(int node, int axis, int start, int length) => Add(OpKind.Slice, new SliceAttribute(axis, start, length), node);
        int Linear(int x, int weight, int bias) => bias < 0 ? Add(OpKind.Linear, OpAttributes.None, x, weight) : Add(OpKind.Linear, OpAttributes.None, x, weight, bias);
        int inBias = call.Layer.Has("in_proj_bias") ? call.Parameter("in_proj_bias") : -1;
        // Bias rows [block E, (block + blocks) E) of in_proj_bias.
        int Bias(int block, int blocks) => inBias < 0 ? -1 : Slice(inBias, 0, block * E, blocks * E);
        int q, k, v;
        if (!a.Packed)
        {
            q = Linear(query, call.Parameter("q_proj_weight"), Bias(0, 1));
            k = Linear(key, call.Parameter("k_proj_weight"), Bias(1, 1));
            v = Linear(value, call.Parameter("v_proj_weight"), Bias(2, 1));
        }
        else if (query == key && key == value)
        {
            int qkv = Linear(query, call.Parameter("in_proj_weight"), inBias);
            (q, k, v) = (Slice(qkv, 1, 0, E), Slice(qkv, 1, E, E), Slice(qkv, 1, 2 * E, E));
        }
        else
        {
            int weight = call.Parameter("in_proj_weight");
            int Rows(int block, int blocks) => Slice(weight, 0, block * E, blocks * E);
            q = Linear(query, Rows(0, 1), Bias(0, 1));
            if (key == value)
            {
                int kv = Linear(key, Rows(1, 2), Bias(1, 2));
                (k, v) = (Slice(kv, 1, 0, E), Slice(kv, 1, E, E));
            }
            else
            {
                k = Linear(key, Rows(1, 1), Bias(1, 1));
                v = Linear(value, Rows(2, 1), Bias(2, 1));
            }
        }
        int attention = keyIds < 0
            ? Add(OpKind.Attention, new AttentionAttribute(a.Heads, a.Causal, 0, a.Dropout), q, k, v)
            : Add(OpKind.Attention, new AttentionAttribute(a.Heads, a.Causal, a.PadId, a.Dropout), q, k, v, keyIds);
        int outBias = call.Layer.Has("out_proj.bias") ? call.Parameter("out_proj.bias") : -1;
        return new TensorValue(Linear(attention, call.Parameter("out_proj.weight"), outBias));
    }
}
