using System;

namespace NetCompiler;

/// <summary>The operations a <see cref="ForwardAttribute"/> or <see cref="LossAttribute"/> method is written with
/// (<c>using static NetCompiler.Ops;</c>). Run directly they execute eagerly and record a tape (the interpreted
/// path); the generator compiles the same calls into specialized code. All shapes are per sample.</summary>
public static partial class Ops
{
    /// <summary>Matrix product over the last two dimensions ([M, K] x [K, N] -> [M, N]); a rank-1 left operand
    /// is a row vector ([K] x [K, N] -> [N]) and a rank-1 right operand a column vector ([M, K] x [K] -> [M]).</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>Swaps the last two dimensions ([M, N] -> [N, M]).</summary>
    public static Tensor Transpose(Tensor x) => throw new NotImplementedException();

    /// <summary>Sum of all elements of each sample (a per-sample scalar).</summary>
    public static Tensor Sum(Tensor x) => throw new NotImplementedException();

    /// <summary>Mean of all elements of each sample (a per-sample scalar).</summary>
    public static Tensor Mean(Tensor x) => throw new NotImplementedException();

    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => throw new NotImplementedException();

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => throw new NotImplementedException();

    /// <summary>max(0, x).</summary>
    public static Tensor Relu(Tensor x) => throw new NotImplementedException();

    /// <summary>x for x &gt; 0, alpha * x otherwise.</summary>
    public static Tensor LeakyRelu(Tensor x, float alpha = 0.01f) => throw new NotImplementedException();

    /// <summary>x * sigmoid(beta * x).</summary>
    public static Tensor Swish(Tensor x, float beta = 1f) => throw new NotImplementedException();

    /// <summary>x * sigmoid(x) (Swish with beta = 1).</summary>
    public static Tensor Silu(Tensor x) => Swish(x, 1f);

    /// <summary>GELU, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).</summary>
    public static Tensor Gelu(Tensor x) => throw new NotImplementedException();

    /// <summary>GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    public static Tensor GeluTanh(Tensor x) => throw new NotImplementedException();

    /// <summary>Softmax over the last dimension (computed with the maximum subtracted).</summary>
    public static Tensor Softmax(Tensor x) => throw new NotImplementedException();

    /// <summary>Heaviside step: 1 for x &gt; 0, else 0. Forward only: it has no useful gradient, and the
    /// generator reports a network that would need to differentiate through it.</summary>
    public static Tensor Step(Tensor x) => throw new NotImplementedException();

    /// <summary>Fully connected layer: x W^T + b over the last dimension, W of shape [out, in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => throw new NotImplementedException();

    /// <summary>Binary cross-entropy of probabilities y against targets t, averaged over the sample's elements:
    /// -mean(t log y + (1 - t) log(1 - y)).</summary>
    public static Tensor BinaryCrossEntropy(Tensor y, Tensor target) => throw new NotImplementedException();

    /// <summary>Mean squared error over the sample's elements: mean((y - t)^2).</summary>
    public static Tensor MeanSquaredError(Tensor y, Tensor target) => throw new NotImplementedException();

    /// <summary>The quadratic cost of the seeds: 0.5 * sum((y - t)^2) over the sample's elements.</summary>
    public static Tensor QuadraticCost(Tensor y, Tensor target) => throw new NotImplementedException();

    /// <summary>Softmax cross-entropy from logits [..., C], averaged over the leading rows. The target is either
    /// probabilities of the same shape, or class indices of shape [..., 1] (stored as floats).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target) => throw new NotImplementedException();
}
