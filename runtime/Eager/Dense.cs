using System;

namespace NetCompiler;

/// <summary>A fully connected layer declared with <see cref="DenseAttribute"/>: <c>y = x W^T + b</c>, W of
/// shape [outputs, inputs]. Its tensors are views of the network's parameter storage.</summary>
public sealed class Dense
{
    /// <summary>Binds a layer to its parameters (called by generated code).</summary>
    public Dense(Tensor weight, Tensor? bias)
    {
        if (weight.Shape.Length != 2) throw new ArgumentException($"A dense weight is [outputs, inputs]; got {weight}.", nameof(weight));
        Weight = weight; Bias = bias;
    }

    /// <summary>The weight, [outputs, inputs].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [outputs], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Input features.</summary>
    public int Inputs => Weight.Shape[1];

    /// <summary>Output features.</summary>
    public int Outputs => Weight.Shape[0];

    /// <summary>Applies the layer to the last dimension of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
