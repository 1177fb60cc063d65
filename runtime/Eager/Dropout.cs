namespace NetCompiler;

/// <summary>A dropout declared with <see cref="DropoutAttribute"/> (PyTorch's <c>nn.Dropout</c>): no parameters.</summary>
public sealed class Dropout
{
    /// <summary>Creates the layer (called by generated code).</summary>
    public Dropout(float probability) => Probability = probability;

    /// <summary>The probability of zeroing an element in training.</summary>
    public float Probability { get; }

    /// <summary><see cref="Ops.Dropout"/> with this layer's probability.</summary>
    public Tensor Forward(Tensor x) => Ops.Dropout(x, Probability);
}
