using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Seeds;

/// <summary>Seed 000's worked example: 2 -> 2 tanh -> 1 sigmoid, binary cross-entropy, with the lecture's
/// initial weights (W1 = [[0.1, 0.2], [0.3, 0.4]], b1 = [0.01, 0.02], W2 = [0.5, 0.6], b2 = 0.03).</summary>
[Network]
public partial class Seed000Net
{
    [Dense(2, 2, Weights = new[] { 0.1f, 0.2f, 0.3f, 0.4f }, Biases = new[] { 0.01f, 0.02f })] Dense hidden;
    [Dense(2, 1, Weights = new[] { 0.5f, 0.6f }, Biases = new[] { 0.03f })] Dense output;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(Tanh(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor y, Tensor target) => BinaryCrossEntropy(y, target);
}
