using System;
using NetCompiler.Tests.Eager;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary>The eager ops refuse what the generator refuses, with the sizes and the formula in the message, including
/// numbers whose int products would wrap into a size that looks valid.</summary>
public class ConvolutionArgumentTests
{
    private static Tensor Input(params int[] shape) => Tensor.FromBatch(new float[2 * GradCheck.Size(shape)], 2, shape);

    private static Tensor Weight(params int[] shape) => Tensor.Constant(new float[GradCheck.Size(shape)], shape);

    private static void Refused(Func<Tensor> op, string fact)
    {
        var e = Assert.Throws<ArgumentException>(op);
        Assert.Contains(fact, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convolution2D()
    {
        Refused(() => Ops.Convolution2D(Input(2, 3, 3), Weight(4, 2, 5, 5), null),
            "the output would be 0x0 (floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1)");
        Refused(() => Ops.Convolution2D(Input(6, 5, 5), Weight(4, 1, 3, 3), null, groups: 4), "6 input and 4 output channels must both be divisible by groups = 4");
        Refused(() => Ops.Convolution2D(Input(2, 5, 5), Weight(4, 2, 3, 3), null, stride: 0), "stride (0)");
        // 2 * (2^31 - 1) wraps to -2 in an int, which made the kernel's span look 2 wide and the output 7x7.
        Refused(() => Ops.Convolution2D(Input(2, 5, 5), Weight(4, 2, 3, 3), null, dilation: int.MaxValue), "does not fit the input 5x5");
        Refused(() => Ops.Convolution2D(Input(2, 5, 5), Weight(4, 2, 3, 3), null, padding: 1 << 30), "more floats than a tensor holds");
    }

    [Fact]
    public void Pooling()
    {
        Refused(() => Ops.MaxPool2D(Input(2, 5, 5), 2, 1, 2), "padding must be between 0 and half the kernel (2 / 2), got 2");
        // 2 * int.MaxValue wraps to -2, which passed the old check 2 padding > kernel.
        Refused(() => Ops.AvgPool2D(Input(2, 5, 5), 3, 1, int.MaxValue), "got 2147483647");
        Refused(() => Ops.AvgPool2D(Input(2, 5, 5), 7), "the output would be 0x0 (floor((size + 2 padding - kernel) / stride) + 1)");
        Refused(() => Ops.MaxPool2D(Input(8), 2), "the input must be [C, H, W] per sample, got");
    }
}
