using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary>What a recurrent attribute declared: the cell, the sizes, the stacking and direction, the biases.</summary>
internal sealed record RecurrentLayerAttribute(RecurrentCellKind Cell, int Input, int Hidden, int Layers, bool Bidirectional, bool Bias) : OpAttributes
{
    public int Directions => Bidirectional ? 2 : 1;
}

/// <summary><c>[Rnn(in, hidden)] Rnn r</c>, <c>[Lstm(in, hidden)] Lstm l</c>, <c>[Gru(in, hidden)] Gru g</c> (PyTorch's
/// <c>nn.RNN</c>, <c>nn.LSTM</c>, <c>nn.GRU</c> with <c>batch_first=True</c>), with <c>Layers</c>, <c>Bidirectional</c>,
/// <c>Bias</c> and, for <c>Rnn</c>, <c>Nonlinearity</c>. Parameters as PyTorch's <c>state_dict</c>, in its order:
/// <c>weight_ih_l{k}</c> [G hidden, in (k = 0) or D hidden], <c>weight_hh_l{k}</c> [G hidden, hidden], <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c> [G hidden], then the same with <c>_reverse</c> when bidirectional; all U(-1/sqrt(hidden),
/// 1/sqrt(hidden)) as PyTorch. <c>Forward(x[, h0[, c0]])</c> traces to one Recurrent node per layer and direction, the
/// concatenation of the directions' states, and the slices that are the last states: a <c>Tensor[]</c> of the output
/// [T, D hidden], the last hidden state [Layers D, hidden] and, for an LSTM, the last cell state.</summary>
internal sealed class RecurrentLayerDefinition : LayerDefinition
{
    private readonly RecurrentCellKind _cell;

    private RecurrentLayerDefinition(string name, RecurrentCellKind cell) : base(name) => _cell = cell;

    public static readonly RecurrentLayerDefinition Rnn = new("Rnn", RecurrentCellKind.RnnTanh);
    public static readonly RecurrentLayerDefinition Lstm = new("Lstm", RecurrentCellKind.Lstm);
    public static readonly RecurrentLayerDefinition Gru = new("Gru", RecurrentCellKind.Gru);

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 2 || args[0].Value is not int input || args[1].Value is not int hidden) return null; // C# reports it
        string layer = $"[{Name}] '{field.Name}'";
        foreach (var (i, value, what) in new[] { (0, input, "input size"), (1, hidden, "hidden size") })
            if (value <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, i, location), $"{layer} {what}", value));
                return null;
            }
        int layers = 1;
        bool bidirectional = false, bias = true;
        var cell = _cell;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Layers": layers = named.Value.Value is int l ? l : 1; break;
                case "Bidirectional": bidirectional = named.Value.Value is true; break;
                case "Bias": bias = named.Value.Value is true; break;
                case "Nonlinearity": cell = named.Value.Value is 1 ? RecurrentCellKind.RnnRelu : RecurrentCellKind.RnnTanh; break;
            }
        }
        if (layers < 1) return Invalid(diagnostics, AttributeArguments.Named(attribute, "Layers", location), $"{layer} has Layers = {layers}; it must be at least 1");
        var a = new RecurrentLayerAttribute(cell, input, hidden, layers, bidirectional, bias);
        long rows = (long)RecurrentAttribute.GatesOf(cell) * hidden, count = 0;
        var parameters = new List<LayerParameter>();
        for (int l = 0; l < layers; l++)
            for (int d = 0; d < a.Directions; d++)
            {
                string suffix = Suffix(l, d == 1);
                int width = l == 0 ? input : a.Directions * hidden;
                count += rows * (width + hidden + (bias ? 2 : 0));
                if (count > FieldDeclaration.MaxWeights)
                    return Invalid(diagnostics, AttributeArguments.Of(attribute, location), $"{layer} has more than {FieldDeclaration.MaxWeights} weights (1 GiB of floats)");
                // PyTorch initializes every weight and bias U(-1/sqrt(hidden), 1/sqrt(hidden)): a fan-in of hidden.
                parameters.Add(new LayerParameter("weight_ih_" + suffix, new[] { (int)rows, width }, "FanInUniform", hidden, (int)rows, 0.01f, null));
                parameters.Add(new LayerParameter("weight_hh_" + suffix, new[] { (int)rows, hidden }, "FanInUniform", hidden, (int)rows, 0.01f, null));
                if (bias)
                {
                    parameters.Add(new LayerParameter("bias_ih_" + suffix, new[] { (int)rows }, "FanInUniform", hidden, (int)rows, 0.01f, null));
                    parameters.Add(new LayerParameter("bias_hh_" + suffix, new[] { (int)rows }, "FanInUniform", hidden, (int)rows, 0.01f, null));
                }
            }
        return new LayerDeclaration(this, parameters, a);
    }

    /// <summary>PyTorch's suffix of layer <paramref name="layer"/>'s parameters: <c>l0</c>, <c>l1_reverse</c>, ...</summary>
    private static string Suffix(int layer, bool reverse) => reverse ? $"l{layer}_reverse" : $"l{layer}";

    public override string Bind(LayerDeclaration layer, string name)
    {
        var a = (RecurrentLayerAttribute)layer.Attributes;
        string Flag(bool value) => value ? "true" : "false";
        string common = $"parameters, {name}, {a.Layers}, {Flag(a.Bidirectional)}, {Flag(a.Bias)}";
        return a.Cell switch
        {
            RecurrentCellKind.RnnRelu => $"new global::NetCompiler.Rnn({common}, global::NetCompiler.RnnNonlinearity.Relu)",
            RecurrentCellKind.RnnTanh => $"new global::NetCompiler.Rnn({common}, global::NetCompiler.RnnNonlinearity.Tanh)",
            _ => $"new global::NetCompiler.{Name}({common})",
        };
    }

    public override TraceValue Forward(LayerCall call)
    {
        var a = (RecurrentLayerAttribute)call.Layer.Attributes;
        int H = a.Hidden, D = a.Directions;
        int x = call.Tensor(0, "the input sequence of " + call.Name);
        int h0 = call.Arguments.Count > 1 ? call.Tensor(1, "the initial hidden state of " + call.Name) : -1;
        int c0 = call.Arguments.Count > 2 ? call.Tensor(2, "the initial cell state of " + call.Name) : -1;
        bool lstm = a.Cell == RecurrentCellKind.Lstm;
        int Add(OpKind op, OpAttributes attributes, params int[] inputs) => ((TensorValue)call.Node(op, inputs, attributes)).Node;
        int Reshape(int node, params int[] dims) => Add(OpKind.Reshape, new DimensionsAttribute(dims.ToEquatableArray()), node);
        int Slice(int node, int axis, int start) => Add(OpKind.Slice, new SliceAttribute(axis, start, 1), node);

        var lastHidden = new List<int>();
        var lastCell = new List<int>();
        int input = x;
        for (int l = 0; l < a.Layers; l++)
        {
            int output = -1;
            for (int d = 0; d < D; d++)
            {
                bool reverse = d == 1;
                string suffix = Suffix(l, reverse);
                int k = l * D + d;
                var operands = new List<int> { input, call.Parameter("weight_ih_" + suffix), call.Parameter("weight_hh_" + suffix) };
                if (a.Bias) { operands.Add(call.Parameter("bias_ih_" + suffix)); operands.Add(call.Parameter("bias_hh_" + suffix)); }
                // Each node gets the whole initial state [Layers D, H] (its shape rule checks it) and reads its row k.
                if (h0 >= 0) operands.Add(h0);
                if (c0 >= 0) operands.Add(c0);
                int node = Add(OpKind.Recurrent, new RecurrentAttribute(a.Cell, H, reverse, a.Bias, h0 >= 0, c0 >= 0, a.Layers * D, k), operands.ToArray());
                // The states of every step [T, H]; the last one in processing order is row T - 1, or row 0 backwards.
                int states = lstm ? Reshape(Slice(node, 0, 0), -1, H) : node;
                int last = reverse ? 0 : -1;
                lastHidden.Add(Slice(states, 0, last));
                if (lstm) lastCell.Add(Reshape(Slice(Slice(node, 0, 1), 1, last), 1, H));
                output = output < 0 ? states : Add(OpKind.Concat, new AxisAttribute(1), output, states);
            }
            input = output;
        }
        int Stack(List<int> rows)
        {
            int all = rows[0];
            for (int i = 1; i < rows.Count; i++) all = Add(OpKind.Concat, new AxisAttribute(0), all, rows[i]);
            return all;
        }
        var results = new List<int> { input, Stack(lastHidden) };
        if (lstm) results.Add(Stack(lastCell));
        return new TensorListValue(results);
    }
}
