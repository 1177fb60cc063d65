using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>The cell a recurrent layer runs at every time step (the compiled kernels' and the interpreter's shared name
/// for it).</summary>
public enum RecurrentCell
{
    /// <summary>h = tanh(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnTanh,
    /// <summary>h = relu(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnRelu,
    /// <summary>PyTorch's LSTM: gates i, f, g, o; c = f c + i g; h = o tanh(c).</summary>
    Lstm,
    /// <summary>PyTorch's GRU: gates r, z, n; n = tanh(x_n + r (W_hn h + b_hn)); h = (1 - z) n + z h.</summary>
    Gru,
}

/// <summary>A recurrent layer declared with <see cref="RnnAttribute"/>, <see cref="LstmAttribute"/> or
/// <see cref="GruAttribute"/>: its tensors are views of the network's parameter storage, named as PyTorch names them.
/// <see cref="Forward(Tensor)"/> runs the interpreted form: the time loop written with the primitive ops (one input
/// projection of the whole sequence per layer and direction, then the cell per step), which is also what a user writes
/// as a module from primitives.</summary>
public abstract class RecurrentLayer
{
    private readonly Tensor[] _weightIh, _weightHh;
    private readonly Tensor?[] _biasIh, _biasHh;

    private protected RecurrentLayer(RecurrentCell cell, ParameterStore parameters, string name, int layers, bool bidirectional, bool bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        Cell = cell; Layers = layers; Directions = bidirectional ? 2 : 1;
        int count = layers * Directions;
        _weightIh = new Tensor[count]; _weightHh = new Tensor[count]; _biasIh = new Tensor?[count]; _biasHh = new Tensor?[count];
        for (int l = 0; l < layers; l++)
            for (int d = 0; d < Directions; d++)
            {
                string suffix = ParameterSuffix(l, d == 1);
                int k = l * Directions + d;
                _weightIh[k] = parameters[$"{name}.weight_ih_{suffix}"];
                _weightHh[k] = parameters[$"{name}.weight_hh_{suffix}"];
                if (bias) { _biasIh[k] = parameters[$"{name}.bias_ih_{suffix}"]; _biasHh[k] = parameters[$"{name}.bias_hh_{suffix}"]; }
            }
        HiddenSize = _weightHh[0].Shape[1];
        InputSize = _weightIh[0].Shape[1];
        if (_weightIh[0].Shape[0] != Gates(cell) * HiddenSize)
            throw new ArgumentException($"{cell}: weight_ih_l0 {_weightIh[0]} must have {Gates(cell)} x hidden rows.", nameof(parameters));
    }

    /// <summary>PyTorch's parameter-name suffix of layer <paramref name="layer"/>: <c>l0</c>, <c>l1_reverse</c>, ...</summary>
    public static string ParameterSuffix(int layer, bool reverse) => reverse ? $"l{layer}_reverse" : $"l{layer}";

    /// <summary>Gate blocks stacked in the weights: 1, 4 (LSTM) or 3 (GRU).</summary>
    public static int Gates(RecurrentCell cell) => cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 };

    /// <summary>The cell run at every step.</summary>
    public RecurrentCell Cell { get; }

    /// <summary>Stacked layers.</summary>
    public int Layers { get; }

    /// <summary>2 when bidirectional, else 1.</summary>
    public int Directions { get; }

    /// <summary>Features per step of the input.</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>Runs every layer over <paramref name="x"/> ([T, InputSize] per sample) from zero states. Returns the
    /// output [T, Directions HiddenSize] and the last hidden state [Layers Directions, HiddenSize] (and, for an LSTM,
    /// the last cell state, the same shape): <c>var (y, h, c) = lstm.Forward(x);</c>.</summary>
    public Tensor[] Forward(Tensor x) => Run(x, null, null);

    /// <summary>As <see cref="Forward(Tensor)"/> from the initial hidden state <paramref name="h0"/>
    /// [Layers Directions, HiddenSize] (an LSTM's cell state starts at zero).</summary>
    public Tensor[] Forward(Tensor x, Tensor h0) => Run(x, h0 ?? throw new ArgumentNullException(nameof(h0)), null);

    private protected Tensor[] Run(Tensor x, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(x);
        string layer = Cell.ToString();
        if (x.Shape.Length != 2 || x.Shape[1] != InputSize)
            throw new ArgumentException($"{layer}: the input must be a sequence [T, {InputSize}] per sample, got {Shapes.Describe(x)}.", nameof(x));
        foreach (var (state, what) in new[] { (h0, "initial hidden state"), (c0, "initial cell state") })
            if (state is not null && (state.Shape.Length != 2 || state.Shape[0] != Layers * Directions || state.Shape[1] != HiddenSize))
                throw new ArgumentException($"{layer}: the {what} must be [{Layers * Directions}, {HiddenSize}] per sample, got {Shapes.Describe(state)}.");
        int steps = x.Shape[0], hidden = HiddenSize;
        var zero = Tensor.Constant(new float[hidden], hidden);
        var lastHidden = new List<Tensor>();
        var lastCell = new List<Tensor>();
        Tensor input = x;
        for (int l = 0; l < Layers; l++)
        {
            Tensor? output = null;
            for (int d = 0; d < Directions; d++)
            {
                int k = l * Directions + d;
                bool reverse = d == 1;
                Tensor h = h0 is null ? zero : Ops.Reshape(Ops.Slice(h0, 0, k, 1), hidden);
                Tensor c = c0 is null ? zero : Ops.Reshape(Ops.Slice(c0, 0, k, 1), hidden);
                // The input projection of every step at once, then the cell step by step.
                Tensor projected = Ops.Linear(input, _weightIh[k], _biasIh[k]);
                var states = new Tensor[steps];
                for (int i = 0; i < steps; i++)
                {
                    int t = reverse ? steps - 1 - i : i;
                    Tensor xt = Ops.Reshape(Ops.Slice(projected, 0, t, 1), projected.Shape[1]);
                    Tensor ht = Ops.Linear(h, _weightHh[k], _biasHh[k]);
                    (h, c) = Step(xt, ht, h, c);
                    states[t] = Ops.Reshape(h, 1, hidden);
                }
                lastHidden.Add(Ops.Reshape(h, 1, hidden));
                lastCell.Add(Ops.Reshape(c, 1, hidden));
                Tensor sequence = Stack(states, 0, steps);
                output = output is null ? sequence : Ops.Concat(output, sequence, 1);
            }
            input = output!;
        }
        Tensor hn = Stack(lastHidden.ToArray(), 0, lastHidden.Count);
        return Cell == RecurrentCell.Lstm ? new[] { input, hn, Stack(lastCell.ToArray(), 0, lastCell.Count) } : new[] { input, hn };
    }

    /// <summary>One step of the cell: the next hidden (and cell) state from the projected input <paramref name="xt"/> (with
    /// b_ih), the recurrent product <paramref name="ht"/> = W_hh h + b_hh, and the current states.</summary>
    private (Tensor Hidden, Tensor CellState) Step(Tensor xt, Tensor ht, Tensor h, Tensor c)
    {
        int n = HiddenSize;
        switch (Cell)
        {
            case RecurrentCell.RnnTanh: return (Ops.Tanh(xt + ht), c);
            case RecurrentCell.RnnRelu: return (Ops.Relu(xt + ht), c);
            case RecurrentCell.Lstm:
            {
                var (i, f, g, o) = Ops.Split(xt + ht, 0, n, n, n, n);
                Tensor next = Ops.Sigmoid(f) * c + Ops.Sigmoid(i) * Ops.Tanh(g);
                return (Ops.Sigmoid(o) * Ops.Tanh(next), next);
            }
            default:
            {
                var (xr, xz, xn) = Ops.Split(xt, 0, n, n, n);
                var (hr, hz, hn) = Ops.Split(ht, 0, n, n, n);
                Tensor r = Ops.Sigmoid(xr + hr), z = Ops.Sigmoid(xz + hz);
                Tensor candidate = Ops.Tanh(xn + r * hn);
                return (candidate + z * (h - candidate), c);
            }
        }
    }

    /// <summary>pieces[0 .. count) concatenated along axis 0, in a balanced tree (linear copying, not quadratic).</summary>
    private static Tensor Stack(Tensor[] pieces, int start, int count)
    {
        if (count == 1) return pieces[start];
        int half = count / 2;
        return Ops.Concat(Stack(pieces, start, half), Stack(pieces, start + half, count - half), 0);
    }
}

/// <summary>A plain recurrent layer (<see cref="RnnAttribute"/>).</summary>
public sealed class Rnn : RecurrentLayer
{
    /// <summary>Binds the layer named <paramref name="name"/> to its parameters (called by generated code).</summary>
    public Rnn(ParameterStore parameters, string name, int layers, bool bidirectional, bool bias, RnnNonlinearity nonlinearity)
        : base(nonlinearity == RnnNonlinearity.Relu ? RecurrentCell.RnnRelu : RecurrentCell.RnnTanh, parameters, name, layers, bidirectional, bias) { }
}

/// <summary>A gated recurrent unit layer (<see cref="GruAttribute"/>).</summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Binds the layer named <paramref name="name"/> to its parameters (called by generated code).</summary>
    public Gru(ParameterStore parameters, string name, int layers, bool bidirectional, bool bias)
        : base(RecurrentCell.Gru, parameters, name, layers, bidirectional, bias) { }
}

/// <summary>A long short-term memory layer (<see cref="LstmAttribute"/>).</summary>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Binds the layer named <paramref name="name"/> to its parameters (called by generated code).</summary>
    public Lstm(ParameterStore parameters, string name, int layers, bool bidirectional, bool bias)
        : base(RecurrentCell.Lstm, parameters, name, layers, bidirectional, bias) { }

    /// <summary>As <see cref="RecurrentLayer.Forward(Tensor)"/> from the initial hidden state <paramref name="h0"/> and cell
    /// state <paramref name="c0"/>, each [Layers Directions, HiddenSize].</summary>
    public Tensor[] Forward(Tensor x, Tensor h0, Tensor c0) =>
        Run(x, h0 ?? throw new ArgumentNullException(nameof(h0)), c0 ?? throw new ArgumentNullException(nameof(c0)));
}
