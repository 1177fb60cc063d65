using System;

namespace NetCompiler;

/// <summary>A 2-D convolution declared with <see cref="Conv2DAttribute"/> (PyTorch's <c>nn.Conv2d</c>): its tensors are
/// views of the network's parameter storage.</summary>
public sealed class Conv2D
{
    /// <summary>Binds a layer to its parameters (called by generated code).</summary>
    public Conv2D(Tensor weight, Tensor? bias, int stride, int padding, int dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Length != 4) throw new ArgumentException($"A convolution weight is [out, in / groups, kh, kw]; got {weight}.", nameof(weight));
        Weight = weight; Bias = bias; Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
    }

    /// <summary>The weight, [out, in / groups, kh, kw].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Step between output positions.</summary>
    public int Stride { get; }

    /// <summary>Zeros on every side.</summary>
    public int Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>Convolves each sample [C, H, W] of <paramref name="x"/> (see <see cref="Ops.Convolution2D"/>).</summary>
    public Tensor Forward(Tensor x) => Ops.Convolution2D(x, Weight, Bias, Stride, Padding, Dilation, Groups);
}
