using System;

namespace NetCompiler;

/// <summary>A layer normalization declared with <see cref="LayerNormAttribute"/>: its parameters are views of the
/// network's storage.</summary>
public sealed class LayerNorm
{
    /// <summary>Binds the layer to its parameters (called by generated code).</summary>
    public LayerNorm(Tensor weight, Tensor? bias, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight; Bias = bias; Epsilon = epsilon;
    }

    /// <summary>The scale, [dimension].</summary>
    public Tensor Weight { get; }

    /// <summary>The shift, [dimension], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Normalizes the last dimension of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => Ops.LayerNormalize(x, Weight, Bias, Epsilon);
}

/// <summary>An RMS normalization declared with <see cref="RmsNormAttribute"/>.</summary>
public sealed class RmsNorm
{
    /// <summary>Binds the layer to its parameter (called by generated code).</summary>
    public RmsNorm(Tensor weight, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight; Epsilon = epsilon;
    }

    /// <summary>The scale, [dimension].</summary>
    public Tensor Weight { get; }

    /// <summary>Added to the mean square.</summary>
    public float Epsilon { get; }

    /// <summary>Normalizes the last dimension of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => Ops.RmsNormalize(x, Weight, Epsilon);
}
