using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Seeds;

/// <summary>Seed 001's MNIST network (Nielsen's <c>network.py</c>): 784 -> 30 sigmoid -> 10 sigmoid, quadratic
/// cost <c>C = ||a - y||^2 / 2</c> against one-hot targets, weights and biases drawn from N(0, 1) like
/// <c>np.random.randn</c>. The seed trains it with mini-batch SGD, batch 10, eta 3.0, gradients averaged over the
/// batch (<c>update_mini_batch</c>).</summary>
[Network]
public partial class Seed001MnistNet
{
    [Dense(784, 30, WeightInit = Init.Normal, BiasInit = Init.Normal, Std = 1f)] Dense hidden;
    [Dense(30, 10, WeightInit = Init.Normal, BiasInit = Init.Normal, Std = 1f)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => Sigmoid(output.Forward(Sigmoid(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor y, Tensor oneHot) => QuadraticCost(y, oneHot);
}
