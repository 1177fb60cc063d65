using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Seeds;

/// <summary>Seed 002, section 3.2.2: XOR is not linearly separable, but a 2 -> 2 -> 1 sigmoid network learns
/// it by gradient descent from a seeded random start.</summary>
[Network]
public partial class XorNet
{
    [Dense(2, 2)] Dense hidden;
    [Dense(2, 1)] Dense output;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(Sigmoid(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => BinaryCrossEntropy(y, t);
}

/// <summary>Seed 002, section 3.2.2 by hand: XOR = AND(OR(x1, x2), NAND(x1, x2)) with step units
/// (forward only: a step has no useful gradient).</summary>
[Network]
public partial class StepXorNet
{
    // h1 = OR = step(x1 + x2 - 0.5), h2 = NAND = step(-x1 - x2 + 1.5)
    [Dense(2, 2, Weights = new[] { 1f, 1f, -1f, -1f }, Biases = new[] { -0.5f, 1.5f })] Dense hidden;
    // y = AND(h1, h2) = step(h1 + h2 - 1.5)
    [Dense(2, 1, Weights = new[] { 1f, 1f }, Biases = new[] { -1.5f })] Dense output;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Step(output.Forward(Step(hidden.Forward(x))));
}

/// <summary>Seed 002, section 3.1.5: a single step unit y = step(w . x + b), trained with the perceptron
/// learning rule (see <see cref="PerceptronRule"/>), not by gradient descent.</summary>
[Network]
public partial class PerceptronNet
{
    [Dense(2, 1, WeightInit = Init.Zeros)] Dense unit;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Step(unit.Forward(x));
}
