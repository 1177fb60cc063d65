using System;

namespace NetCompiler;

/// <summary>A batch normalization declared with <see cref="BatchNormAttribute"/>: its parameters and running statistics
/// are views of the network's storage.</summary>
public class BatchNorm
{
    /// <summary>Binds the layer to its parameters and buffers (called by generated code).</summary>
    public BatchNorm(Tensor weight, Tensor? bias, Tensor runningMean, Tensor runningVar, float momentum, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        Weight = weight; Bias = bias; RunningMean = runningMean; RunningVar = runningVar; Momentum = momentum; Epsilon = epsilon;
    }

    /// <summary>The scale, [channels].</summary>
    public Tensor Weight { get; }

    /// <summary>The shift, [channels], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>The running mean, [channels] (a buffer).</summary>
    public Tensor RunningMean { get; }

    /// <summary>The running (unbiased) variance, [channels] (a buffer).</summary>
    public Tensor RunningVar { get; }

    /// <summary>How far a training batch moves the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Normalizes channel axis 0 of each sample of <paramref name="x"/>.</summary>
    public virtual Tensor Forward(Tensor x) => Ops.BatchNormalize(x, Weight, Bias, RunningMean, RunningVar, Momentum, Epsilon);
}

/// <summary>A batch normalization of images declared with <see cref="BatchNorm2DAttribute"/> (PyTorch's
/// <c>nn.BatchNorm2d</c>): <see cref="BatchNorm"/> that takes per-sample [C, H, W] only.</summary>
public sealed class BatchNorm2D : BatchNorm
{
    /// <summary>Binds the layer to its parameters and buffers (called by generated code).</summary>
    public BatchNorm2D(Tensor weight, Tensor? bias, Tensor runningMean, Tensor runningVar, float momentum, float epsilon)
        : base(weight, bias, runningMean, runningVar, momentum, epsilon) { }

    /// <summary>Normalizes each channel of <paramref name="x"/> [C, H, W] over the batch and the positions.</summary>
    /// <exception cref="ArgumentException">x is not [C, H, W] per sample.</exception>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 3) throw new ArgumentException($"BatchNorm2D needs per-sample input [C, H, W], got {Shapes.Describe(x)}.", nameof(x));
        return base.Forward(x);
    }
}
