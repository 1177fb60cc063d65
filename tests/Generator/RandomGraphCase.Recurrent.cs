using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Tests.Generator;

// The recurrent steps of a random graph: [Rnn] (tanh or ReLU), [Lstm] and [Gru] layers over per-sample sequences [T, F]
// (a sequence input, any [T, F] value, or a value reshaped to one), with random sizes, Layers 1 or 2, Bidirectional and
// Bias on or off, now and then initial states (an input of their own, a parameter, a computed value or another layer's
// last state), and their output sequence [T, D H], last hidden state [L D, H] and last cell state read downstream.
internal sealed partial class RandomGraphCase
{
    /// <summary>The most steps of a sequence: long enough for the time loop to matter, short enough to stay quick.</summary>
    private const int MaxSteps = 9;

    /// <summary>Values a recurrent layer made (output sequences and last states): a layer reading one is a chain.</summary>
    private readonly HashSet<Value> _recurrentOutputs = new();

    /// <summary>The recurrent graphs' own input: a sequence [T, F] with T from 1 to <see cref="MaxSteps"/>, F from 1 to 8.</summary>
    private void SequenceInput()
    {
        var shape = new[] { _rng.Next(1, MaxSteps + 1), _rng.Next(1, 9) };
        string name = "x" + Inputs.Count.ToString(CultureInfo.InvariantCulture);
        Inputs.Add(new GraphInput(name, shape, InputKind.Values, 0));
        _values.Add(new Value(name, shape) { Plain = true, Normalizable = true });
        Families |= GraphFamily.SequenceInput;
    }

    /// <summary>A sequence [T, F] to run a recurrent layer over: a value of rank 2 with at most <see cref="MaxSteps"/>
    /// rows most of the time, else a value reshaped to one (null when none has a divisor that fits).</summary>
    private Value? Sequence()
    {
        static bool Fits(Value v) => v.Rank == 2 && v.Shape[0] <= MaxSteps && v.Shape[1] <= 24;
        if (_values.Any(Fits) && _rng.NextDouble() < 0.85) return Pick(Fits);
        var x = Pick(v => Enumerable.Range(1, MaxSteps).Any(t => v.Size % t == 0 && v.Size / t <= 24));
        if (x is null) return null;
        var steps = Enumerable.Range(1, MaxSteps).Where(t => x.Size % t == 0 && x.Size / t <= 24).ToArray();
        int t = steps[_rng.Next(steps.Length)];
        Families |= GraphFamily.Reshape;
        var sequence = Emit($"Reshape({x.Name}, {t}, {x.Size / t})", new[] { t, x.Size / t }, "as a sequence", x);
        sequence.Plain = sequence.Normalizable = x.Plain;
        return sequence;
    }

    /// <summary>A recurrent layer over a sequence: the cell (the graph's first layer cycles through the four with the
    /// graph's index, so a few graphs cover them all), hidden size 1 to 6 or (lanes of a vector register and a tail) 7 to
    /// 20, at most <see cref="MaxImageElements"/> outputs; its outputs deconstructed (some discarded) or one of them indexed,
    /// and now and then read at once: the last hidden state flattened into a Dense layer, or the last layer's states
    /// broadcast along the output sequence.</summary>
    private bool RecurrentLayer()
    {
        var x = Sequence();
        if (x is null) return false;
        int T = x.Shape[0], features = x.Shape[1];
        var cell = _recurrentOutputs.Count == 0 ? (RecurrentCell)(Index % 4) : (RecurrentCell)_rng.Next(4);
        int layers = _rng.NextDouble() < 0.35 ? 2 : 1;
        bool bidirectional = _rng.NextDouble() < 0.4, bias = _rng.NextDouble() < 0.75;
        int directions = bidirectional ? 2 : 1;
        int hidden = Math.Max(1, Math.Min(_rng.NextDouble() < 0.6 ? _rng.Next(1, 7) : _rng.Next(7, 21), MaxImageElements / (T * directions)));
        var state = new[] { layers * directions, hidden };
        bool lstm = cell == RecurrentCell.Lstm;

        var reads = new List<Value> { x };
        var arguments = new List<string> { x.Name };
        if (_rng.NextDouble() < 0.4)
        {
            arguments.Add(InitialState(state, reads));
            Families |= GraphFamily.InitialHidden;
            if (lstm && _rng.NextDouble() < 0.6)
            {
                arguments.Add(InitialState(state, reads));
                Families |= GraphFamily.InitialCell;
            }
        }
        if (reads.Any(_recurrentOutputs.Contains)) Families |= GraphFamily.RecurrentChain;

        string type = lstm ? "Lstm" : cell == RecurrentCell.Gru ? "Gru" : "Rnn";
        bool written = _rng.NextDouble() < 0.2;   // write the defaults too
        var options = new List<string> { features.ToString(CultureInfo.InvariantCulture), hidden.ToString(CultureInfo.InvariantCulture) };
        if (layers != 1 || written) options.Add($"Layers = {layers}");
        if (bidirectional || written) options.Add($"Bidirectional = {(bidirectional ? "true" : "false")}");
        if (!bias || written) options.Add($"Bias = {(bias ? "true" : "false")}");
        if (cell == RecurrentCell.RnnRelu) options.Add("Nonlinearity = RnnNonlinearity.Relu");
        else if (cell == RecurrentCell.RnnTanh && written) options.Add("Nonlinearity = RnnNonlinearity.Tanh");
        string layer = Name("r");
        _fields.Add($"    [{type}({string.Join(", ", options)})] {type} {layer};");
        Families |= cell switch
        {
            RecurrentCell.RnnTanh => GraphFamily.RnnTanh,
            RecurrentCell.RnnRelu => GraphFamily.RnnRelu,
            RecurrentCell.Lstm => GraphFamily.Lstm,
            _ => GraphFamily.Gru,
        };
        if (layers > 1) Families |= GraphFamily.StackedRecurrent;
        if (bidirectional) Families |= GraphFamily.Bidirectional;
        if (!bias) Families |= GraphFamily.RecurrentNoBias;

        // The outputs: the sequence [T, D H], the last hidden state [L D, H], an LSTM's last cell state [L D, H].
        var shapes = new List<int[]> { new[] { T, directions * hidden }, state };
        if (lstm) shapes.Add(state);
        bool[] kept;
        bool indexed = _rng.NextDouble() < 0.2;
        if (indexed)
        {
            kept = new bool[shapes.Count];
            kept[_rng.Next(shapes.Count)] = true;
            Families |= GraphFamily.RecurrentIndexed;
        }
        else
        {
            kept = shapes.Select(_ => _rng.NextDouble() < 0.7).ToArray();
            if (!kept[0] && !kept[1]) kept[_rng.Next(2)] = true;   // the cell state alone leaves the last o gate out
        }
        foreach (var r in reads) r.Reads++;
        var outputs = new Value?[shapes.Count];
        for (int k = 0; k < shapes.Count; k++)
        {
            if (!kept[k]) continue;
            var v = new Value(Name("v"), shapes[k])
            {
                ChannelParameter = reads.Any(r => r.ChannelParameter),
                Rectified = cell == RecurrentCell.RnnRelu && k < 2,
            };
            outputs[k] = v;
            _values.Add(v);
            _recurrentOutputs.Add(v);
        }
        string call = $"{layer}.Forward({string.Join(", ", arguments)})";
        string comment = $"{type} {features} -> {hidden}, {layers} layer(s), {directions} direction(s){(bias ? "" : ", no bias")}";
        if (indexed)
        {
            int k = Array.IndexOf(kept, true);
            _body.Add($"        var {outputs[k]!.Name} = {call}[{k}];   // {RandomShapes.Text(shapes[k])}: {comment}");
        }
        else
        {
            var names = outputs.Select(v => v?.Name ?? "_");
            _body.Add($"        var ({string.Join(", ", names)}) = {call};   // {string.Join(", ", shapes.Select(RandomShapes.Text))}: {comment}");
        }
        if (outputs[0] is not null) Families |= GraphFamily.SequenceOutput;
        if (outputs[1] is not null) Families |= GraphFamily.LastHidden;
        if (lstm && outputs[2] is not null) Families |= GraphFamily.LastCell;

        if (outputs[1] is { } last && _rng.NextDouble() < 0.5)
        {
            var flat = Emit($"Reshape({last.Name}, {last.Size})", new[] { last.Size }, "last states flattened", last);
            Families |= GraphFamily.Reshape;
            Dense(flat, null);
        }
        else if (outputs[0] is { } y && outputs[1] is { } h && _rng.NextDouble() < 0.6)
        {
            // The last layer's states (rows (L - 1) D .. L D - 1, forward then reverse as the sequence's columns) as [1, D H].
            var row = Emit($"Reshape(Slice({h.Name}, 0, {(layers - 1) * directions}, {directions}), 1, {directions * hidden})",
                new[] { 1, directions * hidden }, "last layer's states", h);
            Families |= GraphFamily.Slice | GraphFamily.Reshape | GraphFamily.Broadcast;
            string op = new[] { "+", "-", "*" }[_rng.Next(3)];
            Emit(_rng.NextDouble() < 0.5 ? $"{y.Name} {op} {row.Name}" : $"{row.Name} {op} {y.Name}", y.Shape, "sequence and last states", y, row);
        }
        return true;
    }

    /// <summary>An initial state [L D, H] as an argument of Forward: a value of that shape (another layer's last state,
    /// most likely), an input of its own, a parameter, or any value flattened through a Dense layer and reshaped; adds
    /// what it reads to <paramref name="reads"/>.</summary>
    private string InitialState(int[] shape, List<Value> reads)
    {
        var same = _values.Where(v => v.Shape.SequenceEqual(shape) && !reads.Contains(v)).ToList();
        double r = _rng.NextDouble();
        if (same.Count > 0 && r < 0.35)
        {
            var v = same[_rng.Next(same.Count)];
            reads.Add(v);
            return v.Name;
        }
        if (r < 0.6)
        {
            string name = "x" + Inputs.Count.ToString(CultureInfo.InvariantCulture);
            Inputs.Add(new GraphInput(name, shape, InputKind.Values, 0));
            var input = new Value(name, shape) { Plain = true, Normalizable = true };
            _values.Add(input);
            reads.Add(input);
            Families |= GraphFamily.StateFromInput;
            return name;
        }
        if (r < 0.8) return Param(shape);
        var from = Pick(v => !reads.Contains(v)) ?? reads[0];
        var flat = from.Rank == 1 ? from : Emit($"Reshape({from.Name}, -1)", new[] { from.Size }, "flattened", from);
        var dense = Dense(flat, RandomShapes.Size(shape));
        string e = $"Reshape({dense.Name}, {RandomShapes.Args(shape)})";
        if (_rng.NextDouble() < 0.5) e = $"Tanh({e})";
        var computed = Emit(e, shape, "a computed initial state", dense);
        reads.Add(computed);
        return computed.Name;
    }
}
