using System;

namespace NetCompiler;

/// <summary>Marks a partial class as a network: the generator compiles its <see cref="ForwardAttribute"/>
/// and <see cref="LossAttribute"/> methods into specialized training and inference code.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Also compile a decoder (<see cref="IDecoder"/>, driven by <see cref="TokenGenerator"/>): a step that
    /// computes the output row of one new position from its token and a KV cache of the earlier positions' attention
    /// keys and values, for generating text token by token. Needs one <c>[Shape(T)] Tokens</c> input and a network that
    /// is causal along it (causal attention; everything else row by row); anything else is NC0013 at the expression
    /// that mixes positions.</summary>
    public bool Decoder { get; set; }
}

/// <summary>Marks a partial class as a reusable module: its layers and <see cref="ForwardAttribute"/> method
/// are inlined into every network that holds it as a field.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModuleAttribute : Attribute { }

/// <summary>The computation of a network or module, written with <see cref="Ops"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ForwardAttribute : Attribute { }

/// <summary>The per-sample loss of a network: <c>static Tensor Loss(Tensor output, Tensor target)</c>.
/// The trainer minimizes its mean over the batch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LossAttribute : Attribute { }

/// <summary>The per-sample shape of an input or target (the batch dimension is implicit).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ShapeAttribute : Attribute
{
    /// <summary>Creates a shape from its dimensions, outermost first.</summary>
    public ShapeAttribute(params int[] dimensions) => Dimensions = dimensions;

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Dimensions { get; }
}

/// <summary>A fully connected layer <c>y = x W^T + b</c> with <c>W</c> of shape [outputs, inputs]
/// (the PyTorch layout). Applies to the last dimension of its input.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Creates a layer from <paramref name="inputs"/> to <paramref name="outputs"/> features.</summary>
    public DenseAttribute(int inputs, int outputs) { Inputs = inputs; Outputs = outputs; }

    /// <summary>Input features.</summary>
    public int Inputs { get; }
    /// <summary>Output features.</summary>
    public int Outputs { get; }
    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Initializer of the weight (default <see cref="Init.Xavier"/>).</summary>
    public Init WeightInit { get; set; } = Init.Xavier;
    /// <summary>Initializer of the bias (default <see cref="Init.Zeros"/>).</summary>
    public Init BiasInit { get; set; } = Init.Zeros;
    /// <summary>Explicit weight values, row-major [outputs, inputs]; overrides <see cref="WeightInit"/>.</summary>
    public float[]? Weights { get; set; }
    /// <summary>Explicit bias values; overrides <see cref="BiasInit"/>.</summary>
    public float[]? Biases { get; set; }
    /// <summary>Standard deviation for <see cref="Init.Normal"/>.</summary>
    public float Std { get; set; } = 0.01f;
}

/// <summary>An embedding table: <c>weight</c> [count, dimension], whose rows <see cref="Embedding.Forward"/> picks by id
/// (PyTorch's <c>nn.Embedding</c>, initialized N(0, 1) like it).</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class EmbeddingAttribute : Attribute
{
    /// <summary>Creates a table of <paramref name="count"/> rows (ids 0 to count - 1) of <paramref name="dimension"/> features.</summary>
    public EmbeddingAttribute(int count, int dimension) { Count = count; Dimension = dimension; }

    /// <summary>Rows: the number of distinct ids (the vocabulary size).</summary>
    public int Count { get; }
    /// <summary>Features per row.</summary>
    public int Dimension { get; }
    /// <summary>Initializer of the table (default <see cref="Init.Normal"/> with <see cref="Std"/> 1, as PyTorch).</summary>
    public Init Init { get; set; } = Init.Normal;
    /// <summary>Standard deviation for <see cref="Init.Normal"/> (default 1).</summary>
    public float Std { get; set; } = 1f;
    /// <summary>Explicit values, row-major [count, dimension]; overrides <see cref="Init"/>.</summary>
    public float[]? Weights { get; set; }
}

/// <summary>Layer normalization over the last dimension (PyTorch's <c>nn.LayerNorm(dimension)</c>): <c>weight</c> [dimension]
/// initialized to ones and <c>bias</c> [dimension] to zeros; y = (x - mean) / sqrt(var + Epsilon) * weight + bias with the
/// biased variance.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Normalizes rows of <paramref name="dimension"/> features.</summary>
    public LayerNormAttribute(int dimension) => Dimension = dimension;

    /// <summary>Features per row: the size of the input's last dimension.</summary>
    public int Dimension { get; }
    /// <summary>Added to the variance (default 1e-5, as PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-5f;
    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>RMS normalization over the last dimension (PyTorch's <c>nn.RMSNorm(dimension)</c>): <c>weight</c> [dimension]
/// initialized to ones; y = x / sqrt(mean(x^2) + Epsilon) * weight.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class RmsNormAttribute : Attribute
{
    /// <summary>Normalizes rows of <paramref name="dimension"/> features.</summary>
    public RmsNormAttribute(int dimension) => Dimension = dimension;

    /// <summary>Features per row: the size of the input's last dimension.</summary>
    public int Dimension { get; }
    /// <summary>Added to the mean square (default float32's machine epsilon, 1.19e-7, as PyTorch's default).</summary>
    public float Epsilon { get; set; } = 1.1920929e-07f;
}

/// <summary>Batch normalization of channel axis 0 (PyTorch's <c>nn.BatchNorm1d(channels)</c> on per-sample [C],
/// <c>nn.BatchNorm2d</c> on [C, H, W]): <c>weight</c> [channels] ones, <c>bias</c> [channels] zeros, and the buffers
/// <c>running_mean</c> [channels] zeros and <c>running_var</c> [channels] ones. Training normalizes with the batch's
/// statistics and updates the running ones (the variance unbiased); <c>Infer</c> normalizes with the running ones.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Normalizes <paramref name="channels"/> channels: the size of each sample's first dimension.</summary>
    public BatchNormAttribute(int channels) => Channels = channels;

    /// <summary>Channels: the size of the input's first per-sample dimension.</summary>
    public int Channels { get; }
    /// <summary>Added to the variance (default 1e-5, as PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-5f;
    /// <summary>How far each training batch moves the running statistics (default 0.1, as PyTorch).</summary>
    public float Momentum { get; set; } = 0.1f;
    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>Batch normalization of images (PyTorch's <c>nn.BatchNorm2d(channels)</c>): <see cref="BatchNormAttribute"/>
/// over per-sample [C, H, W] (statistics per channel over the batch and the H x W positions), refusing other ranks.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class BatchNorm2DAttribute : Attribute
{
    /// <summary>Normalizes <paramref name="channels"/> channels: C of each [C, H, W] sample.</summary>
    public BatchNorm2DAttribute(int channels) => Channels = channels;

    /// <summary>Channels: C of each [C, H, W] sample.</summary>
    public int Channels { get; }
    /// <summary>Added to the variance (default 1e-5, as PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-5f;
    /// <summary>How far each training batch moves the running statistics (default 0.1, as PyTorch).</summary>
    public float Momentum { get; set; } = 0.1f;
    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>A 2-D convolution (PyTorch's <c>nn.Conv2d</c>) over per-sample [C, H, W]: <c>weight</c>
/// [outChannels, inChannels / Groups, kernelHeight, kernelWidth] and <c>bias</c> [outChannels], both initialized
/// U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = inChannels / Groups x kernelHeight x kernelWidth, as PyTorch.
/// Output [outChannels, OH, OW], OH = floor((H + 2 Padding - Dilation (kernelHeight - 1) - 1) / Stride) + 1.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>A square <paramref name="kernel"/> x <paramref name="kernel"/> convolution.</summary>
    public Conv2DAttribute(int inChannels, int outChannels, int kernel) : this(inChannels, outChannels, kernel, kernel) { }

    /// <summary>A <paramref name="kernelHeight"/> x <paramref name="kernelWidth"/> convolution.</summary>
    public Conv2DAttribute(int inChannels, int outChannels, int kernelHeight, int kernelWidth)
    {
        InChannels = inChannels; OutChannels = outChannels; KernelHeight = kernelHeight; KernelWidth = kernelWidth;
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel rows.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel columns.</summary>
    public int KernelWidth { get; }
    /// <summary>Step between output positions, along both axes (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Zeros added on every side (default 0).</summary>
    public int Padding { get; set; }
    /// <summary>Spacing between kernel taps (default 1).</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>Channel groups: each output channel sees InChannels / Groups inputs (Groups = InChannels = OutChannels is
    /// a depthwise convolution). Both channel counts must be divisible by it (default 1).</summary>
    public int Groups { get; set; } = 1;
    /// <summary>Whether the layer has a bias (default true).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Initializer of the weight (default <see cref="Init.FanInUniform"/>, as PyTorch).</summary>
    public Init WeightInit { get; set; } = Init.FanInUniform;
    /// <summary>Initializer of the bias (default <see cref="Init.FanInUniform"/>, as PyTorch).</summary>
    public Init BiasInit { get; set; } = Init.FanInUniform;
    /// <summary>Standard deviation for <see cref="Init.Normal"/>.</summary>
    public float Std { get; set; } = 0.01f;
}

/// <summary>Dropout (PyTorch's <c>nn.Dropout(p)</c>): in training each element is zeroed with probability
/// <c>p</c> and the rest scaled by 1 / (1 - p); <c>Infer</c> passes the input through.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Drops each element with probability <paramref name="probability"/>, in [0, 1).</summary>
    public DropoutAttribute(float probability) => Probability = probability;

    /// <summary>The probability of zeroing an element in training.</summary>
    public float Probability { get; }
}

/// <summary>A raw trainable parameter tensor of the given shape.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class ParamAttribute : Attribute
{
    /// <summary>Creates a parameter of the given shape, outermost dimension first.</summary>
    public ParamAttribute(params int[] shape) => Shape = shape;

    /// <summary>The shape, outermost first.</summary>
    public int[] Shape { get; }
    /// <summary>Initializer (default <see cref="Init.Xavier"/>).</summary>
    public Init Init { get; set; } = Init.Xavier;
    /// <summary>Explicit values, row-major; overrides <see cref="Init"/>.</summary>
    public float[]? Values { get; set; }
    /// <summary>Standard deviation for <see cref="Init.Normal"/>.</summary>
    public float Std { get; set; } = 0.01f;
}

/// <summary>Declares an array field of layers or modules with independent copies
/// (named <c>field.0</c>, <c>field.1</c>, ...).</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class RepeatAttribute : Attribute
{
    /// <summary>Creates a repeat of <paramref name="count"/> copies.</summary>
    public RepeatAttribute(int count) => Count = count;

    /// <summary>Number of copies.</summary>
    public int Count { get; }
}
