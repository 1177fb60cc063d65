using static NetCompiler.Ops;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The layer of <c>Fixtures/pytorch-lstm.safetensors</c> as a network: a 2-layer bidirectional LSTM (5 -> 7)
/// over 6 steps from given initial states; the output is every result flat: the output sequence [6, 14], h_n [4, 7],
/// c_n [4, 7].</summary>
[Network]
public partial class PyTorchLstmNet
{
    [Lstm(5, 7, Layers = 2, Bidirectional = true)] Lstm lstm;

    [Forward]
    Tensor Forward([Shape(6, 5)] Tensor x, [Shape(4, 7)] Tensor h0, [Shape(4, 7)] Tensor c0)
    {
        var (y, h, c) = lstm.Forward(x, h0, c0);
        return Concat(Concat(Flatten(y), Flatten(h), 0), Flatten(c), 0);   // [84 + 28 + 28]
    }

    [Loss] static Tensor Loss(Tensor output, [Shape(140)] Tensor target) => MeanSquaredError(output, target);
}

/// <summary>The layer of <c>Fixtures/pytorch-gru.safetensors</c> as a network: a GRU (5 -> 7) over 6 steps from a given
/// initial state; the output is the output sequence [6, 7] and h_n [1, 7], flat.</summary>
[Network]
public partial class PyTorchGruNet
{
    [Gru(5, 7)] Gru gru;

    [Forward]
    Tensor Forward([Shape(6, 5)] Tensor x, [Shape(1, 7)] Tensor h0)
    {
        var (y, h) = gru.Forward(x, h0);
        return Concat(Flatten(y), Flatten(h), 0);   // [42 + 7]
    }

    [Loss] static Tensor Loss(Tensor output, [Shape(49)] Tensor target) => MeanSquaredError(output, target);
}
