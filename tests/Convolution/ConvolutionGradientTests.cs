using System;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;
using static NetCompiler.Tests.Eager.GradCheck;

namespace NetCompiler.Tests.Convolution;

/// <summary>The eager convolutional ops against <see cref="ConvReference"/>: every forward element, and every gradient
/// against float64 central differences of the reference (<see cref="GradCheck"/>), for stride, padding, dilation,
/// groups (depthwise too), rectangular kernels, odd sizes, batch 1 and 3, and operands batched or unbatched
/// (a weight as a parameter, or one weight per sample).</summary>
public class ConvolutionGradientTests
{
    public static TheoryData<string, ConvShape, bool> Convolutions() => new()
    {
        { "odd sizes, 3x2 kernel, stride 2, padding 1, dilation 2, 2 groups", new(4, 7, 5, 6, 3, 2, Stride: 2, Padding: 1, Dilation: 2, Groups: 2), true },
        { "3x3, padding 1, no bias", new(3, 6, 6, 4, 3, 3, Padding: 1), false },
        { "depthwise, stride 2, padding 1", new(4, 5, 6, 4, 3, 3, Stride: 2, Padding: 1, Groups: 4), true },
        { "1x1 strided projection", new(3, 5, 5, 6, 1, 1, Stride: 2), true },
        { "stride larger than the kernel", new(2, 8, 7, 2, 2, 2, Stride: 3), true },
        { "a 5x6 kernel over the whole padded 3x4 input", new(2, 3, 4, 3, 5, 6, Padding: 1), true },
        { "3 groups of 2 inputs to 1 output, dilation 3", new(6, 7, 8, 3, 2, 2, Dilation: 3, Groups: 3), true },
    };

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Convolution2D_with_a_parameter_weight(string name, ConvShape c, bool bias)
    {
        foreach (int batch in new[] { 1, 3 })
        {
            In[] operands = bias ? [B(batch, c.Input), P(c.Weight), P(c.M)] : [B(batch, c.Input), P(c.Weight)];
            Check($"{name}, batch {batch}", operands,
                t => Ops.Convolution2D(t[0], t[1], bias ? t[2] : null, c.Stride, c.Padding, c.Dilation, c.Groups),
                x => ConvReference.Conv2D(x[0], x[1], bias ? x[2] : null, c));
        }
    }

    [Fact]
    public void Convolution2D_with_a_weight_per_sample_over_a_parameter_input()
    {
        var c = new ConvShape(2, 5, 4, 4, 2, 3, Padding: 1, Groups: 2);
        Check("batched weight and bias, unbatched input", [P(c.Input), B(3, c.Weight), B(3, c.M)],
            t => Ops.Convolution2D(t[0], t[1], t[2], c.Stride, c.Padding, c.Dilation, c.Groups),
            x => ConvReference.Conv2D(x[0], x[1], x[2], c));
        Check("through the Conv2D layer", [B(2, c.Input), P(c.Weight), P(c.M)],
            t => new Conv2D(t[1], t[2], c.Stride, c.Padding, c.Dilation, c.Groups).Forward(t[0]),
            x => ConvReference.Conv2D(x[0], x[1], x[2], c));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void MaxPool2D_sends_the_gradient_to_each_window_maximum(int batch)
    {
        Check("3x3, stride 2, padding 1", [B(batch, 3, 7, 6)], t => Ops.MaxPool2D(t[0], 3, 2, 1), x => ConvReference.Pool2D(x[0], 3, 2, 1, max: true));
        Check("2x2, default stride, odd sizes", [B(batch, 2, 5, 7)], t => Ops.MaxPool2D(t[0], 2), x => ConvReference.Pool2D(x[0], 2, 2, 0, max: true));
        Check("2x2, stride 3 (elements skipped)", [B(batch, 2, 8, 7)], t => Ops.MaxPool2D(t[0], 2, 3), x => ConvReference.Pool2D(x[0], 2, 3, 0, max: true));
        // All values negative: a window reaching into the padding still takes its largest element, never a padding zero.
        Check("negative values, 2x2, stride 1, padding 1", [new In(batch, [2, 4, 3], Gen: Uniform(-3, -1))],
            t => Ops.MaxPool2D(t[0], 2, 1, 1), x => ConvReference.Pool2D(x[0], 2, 1, 1, max: true));
        Check("a parameter", [P(2, 5, 5)], t => Ops.MaxPool2D(t[0], 3, 1, 1), x => ConvReference.Pool2D(x[0], 3, 1, 1, max: true));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void AvgPool2D_counts_the_padding_in_the_divisor(int batch)
    {
        Check("3x3, stride 2, padding 1", [B(batch, 3, 7, 6)], t => Ops.AvgPool2D(t[0], 3, 2, 1), x => ConvReference.Pool2D(x[0], 3, 2, 1, max: false));
        Check("2x2, default stride, odd sizes", [B(batch, 2, 5, 7)], t => Ops.AvgPool2D(t[0], 2), x => ConvReference.Pool2D(x[0], 2, 2, 0, max: false));
        Check("2x2, stride 3 (elements skipped)", [B(batch, 2, 8, 7)], t => Ops.AvgPool2D(t[0], 2, 3), x => ConvReference.Pool2D(x[0], 2, 3, 0, max: false));
        Check("3x3, stride 1, padding 1", [B(batch, 2, 4, 5)], t => Ops.AvgPool2D(t[0], 3, 1, 1), x => ConvReference.Pool2D(x[0], 3, 1, 1, max: false));
        Check("a parameter", [P(2, 5, 5)], t => Ops.AvgPool2D(t[0], 2, 1, 1), x => ConvReference.Pool2D(x[0], 2, 1, 1, max: false));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void GlobalAvgPool_and_Flatten(int batch)
    {
        Check("global average of [3, 4, 5]", [B(batch, 3, 4, 5)], t => Ops.GlobalAvgPool(t[0]), x => ConvReference.GlobalAvgPool(x[0]));
        Check("global average of [4, 6]", [B(batch, 4, 6)], t => Ops.GlobalAvgPool(t[0]), x => ConvReference.GlobalAvgPool(x[0]));
        Check("global average of a parameter", [P(2, 3, 3)], t => Ops.GlobalAvgPool(t[0]), x => ConvReference.GlobalAvgPool(x[0]));
        Check("flatten [2, 3, 4]", [B(batch, 2, 3, 4)], t => Ops.Flatten(t[0]), x => new DT(x[0].Batch, [24], (double[])x[0].Data.Clone()));
    }

    private static readonly ParameterStore NoParameters = new(Array.Empty<ParameterInfo>());

    private static Tensor Vector(params float[] values) => Tensor.Constant(values, values.Length);

    /// <summary>A scale away from 0, so each channel's gradient is not lost in it.</summary>
    private static readonly Func<Random, double> Scale = AwayFromZero(0.5, 1.5);

    [Theory, InlineData(1), InlineData(3)]
    public void BatchNorm2D_in_training_normalizes_with_the_batch_statistics(int batch)
    {
        // The statistics depend on every sample: the finite differences of x move them, as they move PyTorch's.
        Check("with bias", [B(batch, 3, 4, 5), new In(0, [3], Gen: Scale), P(3)], t =>
        {
            using (TrainingScope.Enter(NoParameters, batch))
                return new BatchNorm2D(t[1], t[2], Vector(0, 0, 0), Vector(1, 1, 1), 0.1f, 1e-5f).Forward(t[0]);
        }, x => ConvReference.BatchNorm2D(x[0], x[1], x[2], 1e-5));
        Check("without bias, one position per channel", [B(batch + 2, 2, 1, 1), new In(0, [2], Gen: Scale)], t =>
        {
            using (TrainingScope.Enter(NoParameters, batch + 2))
                return new BatchNorm2D(t[1], null, Vector(0, 0), Vector(1, 1), 0.1f, 1e-3f).Forward(t[0]);
        }, x => ConvReference.BatchNorm2D(x[0], x[1], null, 1e-3));
    }

    [Theory, InlineData(1), InlineData(3)]
    public void BatchNorm2D_in_inference_normalizes_with_the_running_statistics(int batch)
    {
        float[] mean = [0.5f, -1f, 0.25f], variance = [2f, 0.5f, 1.5f];
        var running = (mean.Select(v => (double)v).ToArray(), variance.Select(v => (double)v).ToArray());
        Check("inference", [B(batch, 3, 3, 2), new In(0, [3], Gen: Scale), P(3)],
            t => new BatchNorm2D(t[1], t[2], Vector(mean), Vector(variance), 0.1f, 1e-5f).Forward(t[0]),
            x => ConvReference.BatchNorm2D(x[0], x[1], x[2], 1e-5, running));
    }

    [Fact]
    public void BatchNorm2D_training_moves_the_running_statistics_with_the_unbiased_variance()
    {
        const int batch = 3, channels = 2;
        var x = new DT(batch, [channels, 3, 2]);
        var rng = new Random(5);
        var values = new float[x.Data.Length];
        for (int i = 0; i < values.Length; i++) x.Data[i] = values[i] = (float)(rng.NextDouble() * 4 - 1);
        float[] mean0 = [0.5f, -0.25f], variance0 = [2f, 0.75f];
        Tensor mean = Vector((float[])mean0.Clone()), variance = Vector((float[])variance0.Clone());
        var norm = new BatchNorm2D(Vector(1, 1), null, mean, variance, 0.25f, 1e-5f);

        using (TrainingScope.Enter(NoParameters, batch)) norm.Forward(Tensor.FromBatch(values, batch, x.Shape));

        var (expectedMean, expectedVariance) = ConvReference.RunningStatistics(x,
            mean0.Select(v => (double)v).ToArray(), variance0.Select(v => (double)v).ToArray(), 0.25);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(expectedMean[c], mean.Values[c], 1e-6);
            Assert.Equal(expectedVariance[c], variance.Values[c], 1e-6);
        }
        // Inference leaves them alone.
        norm.Forward(Tensor.FromBatch(values, batch, x.Shape));
        Assert.Equal(expectedMean[0], mean.Values[0], 1e-6);
    }
}
