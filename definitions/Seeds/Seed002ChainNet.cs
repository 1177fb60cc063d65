using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Seeds;

/// <summary>Seed 002, section 3.4.6: a two-weight sigmoid chain y = s(w2 s(w1 x)) with the quadratic cost
/// 0.5 (y - t)^2; x = 2, t = 1, w1 = w2 = 0.5.</summary>
[Network]
public partial class Seed002ChainNet
{
    [Param(1, Values = new[] { 0.5f })] Tensor w1;
    [Param(1, Values = new[] { 0.5f })] Tensor w2;

    [Forward] Tensor Forward([Shape(1)] Tensor x) => Sigmoid(w2 * Sigmoid(w1 * x));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => QuadraticCost(y, t);
}

/// <summary>Seed 002, exercise 3: the same chain with identity activations, a1 = w1 x, y = w2 a1;
/// x = 2, t = 5, w1 = w2 = 1.</summary>
[Network]
public partial class Seed002IdentityChainNet
{
    [Param(1, Values = new[] { 1f })] Tensor w1;
    [Param(1, Values = new[] { 1f })] Tensor w2;

    [Forward] Tensor Forward([Shape(1)] Tensor x) => w2 * (w1 * x);

    [Loss] static Tensor Loss(Tensor y, Tensor t) => QuadraticCost(y, t);
}

/// <summary>Seed 002, exercise 4: ten 1 -> 1 sigmoid layers. With every weight 1, every bias -0.5 and the
/// input 0.5, each pre-activation is 0, so each layer multiplies the backward signal by s'(0) = 0.25:
/// the first layer's gradient is 0.25^9 of the last one's (vanishing gradients).</summary>
[Network]
public partial class Seed002DeepSigmoidNet
{
    [Dense(1, 1, Weights = new[] { 1f }, Biases = new[] { -0.5f }), Repeat(10)] Dense[] layers;

    [Forward]
    Tensor Forward([Shape(1)] Tensor x)
    {
        for (int i = 0; i < layers.Length; i++)
            x = Sigmoid(layers[i].Forward(x));
        return x;
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => QuadraticCost(y, t);
}
