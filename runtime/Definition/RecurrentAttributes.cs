using System;

namespace NetCompiler;

/// <summary>The non-linearity of a plain recurrent layer (PyTorch's <c>nn.RNN(nonlinearity=...)</c>).</summary>
public enum RnnNonlinearity
{
    /// <summary>h(t) = tanh(W_ih x(t) + b_ih + W_hh h(t-1) + b_hh) (the default).</summary>
    Tanh,
    /// <summary>h(t) = max(0, W_ih x(t) + b_ih + W_hh h(t-1) + b_hh).</summary>
    Relu,
}

/// <summary>A plain (Elman) recurrent layer over per-sample sequences [T, inputSize] (PyTorch's <c>nn.RNN</c> with
/// <c>batch_first=True</c>): h(t) = tanh(W_ih x(t) + b_ih + W_hh h(t-1) + b_hh). Parameters as PyTorch:
/// <c>weight_ih_l{k}</c> [hidden, in], <c>weight_hh_l{k}</c> [hidden, hidden], <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c> [hidden], with a <c>_reverse</c> suffix for the backward direction, all initialized
/// U(-1/sqrt(hidden), 1/sqrt(hidden)). <c>r.Forward(x)</c> returns the output [T, D hidden] (D = 2 when
/// <see cref="Bidirectional"/>) and the last hidden state [Layers D, hidden].</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class RnnAttribute : Attribute
{
    /// <summary>A layer reading <paramref name="inputSize"/> features per step into <paramref name="hiddenSize"/> states.</summary>
    public RnnAttribute(int inputSize, int hiddenSize) { InputSize = inputSize; HiddenSize = hiddenSize; }

    /// <summary>Features per time step of the input.</summary>
    public int InputSize { get; }
    /// <summary>Features of the hidden state.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers: layer k &gt; 0 reads the output sequence of layer k - 1 (default 1).</summary>
    public int Layers { get; set; } = 1;
    /// <summary>Whether each layer also runs backwards in time, its states concatenated after the forward ones (default false).</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Whether the layer has the biases b_ih and b_hh (default true).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>tanh (default) or ReLU.</summary>
    public RnnNonlinearity Nonlinearity { get; set; } = RnnNonlinearity.Tanh;
}

/// <summary>A long short-term memory layer over per-sample sequences [T, inputSize] (PyTorch's <c>nn.LSTM</c> with
/// <c>batch_first=True</c>): gates i, f, g, o = rows [0, H), [H, 2H), [2H, 3H), [3H, 4H) of W_ih x(t) + b_ih + W_hh h(t-1) + b_hh
/// through sigmoid, sigmoid, tanh, sigmoid; c(t) = f c(t-1) + i g; h(t) = o tanh(c(t)). Parameters as PyTorch
/// (<c>weight_ih_l{k}</c> [4 hidden, in], <c>weight_hh_l{k}</c> [4 hidden, hidden], biases [4 hidden], <c>_reverse</c>
/// for the backward direction, U(-1/sqrt(hidden), 1/sqrt(hidden))). <c>l.Forward(x)</c> returns the output
/// [T, D hidden], the last hidden state and the last cell state, each [Layers D, hidden].</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class LstmAttribute : Attribute
{
    /// <summary>A layer reading <paramref name="inputSize"/> features per step into <paramref name="hiddenSize"/> states.</summary>
    public LstmAttribute(int inputSize, int hiddenSize) { InputSize = inputSize; HiddenSize = hiddenSize; }

    /// <summary>Features per time step of the input.</summary>
    public int InputSize { get; }
    /// <summary>Features of the hidden and cell states.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers (default 1).</summary>
    public int Layers { get; set; } = 1;
    /// <summary>Whether each layer also runs backwards in time (default false).</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Whether the layer has the biases b_ih and b_hh (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>A gated recurrent unit layer over per-sample sequences [T, inputSize] (PyTorch's <c>nn.GRU</c> with
/// <c>batch_first=True</c>): gates r, z, n from rows [0, H), [H, 2H), [2H, 3H); r = sigmoid(x_r + h_r),
/// z = sigmoid(x_z + h_z), n = tanh(x_n + r (W_hn h(t-1) + b_hn)) (the reset gate applied after the recurrent product,
/// as PyTorch and cuDNN), h(t) = (1 - z) n + z h(t-1). Parameters as PyTorch (<c>weight_ih_l{k}</c> [3 hidden, in],
/// <c>weight_hh_l{k}</c> [3 hidden, hidden], biases [3 hidden]). <c>g.Forward(x)</c> returns the output [T, D hidden] and
/// the last hidden state [Layers D, hidden].</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class GruAttribute : Attribute
{
    /// <summary>A layer reading <paramref name="inputSize"/> features per step into <paramref name="hiddenSize"/> states.</summary>
    public GruAttribute(int inputSize, int hiddenSize) { InputSize = inputSize; HiddenSize = hiddenSize; }

    /// <summary>Features per time step of the input.</summary>
    public int InputSize { get; }
    /// <summary>Features of the hidden state.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers (default 1).</summary>
    public int Layers { get; set; } = 1;
    /// <summary>Whether each layer also runs backwards in time (default false).</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Whether the layer has the biases b_ih and b_hh (default true).</summary>
    public bool Bias { get; set; } = true;
}
