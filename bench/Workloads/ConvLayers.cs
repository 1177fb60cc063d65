using System;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Bench;

/// <summary>One convolution of a network: its parameter name (<c>conv2</c>, read as <c>conv2.weight</c>), its
/// constant shape as the generated code builds it, and whether backward computes its input gradient (not for the
/// first convolution, whose input is the image).</summary>
internal sealed record ConvLayer(string Name, ConvGeometry Geometry, bool InputGradient)
{
    /// <summary>Multiply-adds of one sample's forward convolution (bias not counted).</summary>
    public long MultiplyAdds => Geometry.MultiplyAdds;
}

/// <summary>The convolutions of a zoo network, written out with the shapes of its definition, for FLOP counts and
/// for timing the convolutions alone. <see cref="Verify"/> checks them against the network's parameters, so a changed
/// definition fails loudly instead of being counted wrong.
/// Counting: forward 2 FLOPs per multiply-add; training adds the weight gradient (as many again) and, where backward
/// computes it, the input gradient (as many again): 6x forward multiply-adds per layer, 4x for the first one.</summary>
internal sealed class ConvLayers(IReadOnlyList<ConvLayer> layers)
{
    /// <summary>LeNet-5 on 28x28 images: conv1 1 -> 6, 5x5, padding 2 (28x28 out); conv2 6 -> 16, 5x5 over the
    /// 14x14 pooled map (10x10 out).</summary>
    public static ConvLayers LeNet5 { get; } = new(
    [
        new("conv1", Conv(1, 28, 6, 5, stride: 1, padding: 2), InputGradient: false),
        new("conv2", Conv(6, 14, 16, 5, stride: 1, padding: 0), InputGradient: true),
    ]);

    /// <summary>ResNetSmall: the 3x3 stem, four 16-channel convolutions at 28x28, the 16 -> 32 stride-2 block with its
    /// 1x1 projection, two 32-channel ones at 14x14, the 32 -> 64 stride-2 block with its projection and two 64-channel
    /// ones at 7x7.</summary>
    public static ConvLayers ResNetSmall { get; } = new(
    [
        new("stem", Conv(1, 28, 16, 3, 1, 1), InputGradient: false),
        .. Block("stage1.0", 16, 28), .. Block("stage1.1", 16, 28),
        new("stage2Down.conv1", Conv(16, 28, 32, 3, 2, 1), true),
        new("stage2Down.conv2", Conv(32, 14, 32, 3, 1, 1), true),
        new("stage2Down.projection", Conv(16, 28, 32, 1, 2, 0), true),
        .. Block("stage2", 32, 14),
        new("stage3Down.conv1", Conv(32, 14, 64, 3, 2, 1), true),
        new("stage3Down.conv2", Conv(64, 7, 64, 3, 1, 1), true),
        new("stage3Down.projection", Conv(32, 14, 64, 1, 2, 0), true),
        .. Block("stage3", 64, 7),
    ]);

    /// <summary>The layers, in forward order.</summary>
    public IReadOnlyList<ConvLayer> Layers => layers;

    /// <summary>Forward FLOPs per sample: 2 per multiply-add.</summary>
    public double ForwardFlopsPerSample => layers.Sum(l => 2.0 * l.MultiplyAdds);

    /// <summary>Training FLOPs per sample: forward, weight gradient, and input gradient where computed.</summary>
    public double TrainFlopsPerSample => layers.Sum(l => 2.0 * l.MultiplyAdds * (l.InputGradient ? 3 : 2));

    /// <summary>Throws when the network's convolution weights ([out, in / groups, kh, kw]: every 4-D parameter) are not
    /// exactly these layers with these shapes.</summary>
    public void Verify(INetwork network)
    {
        var weights = network.Parameters.Layout.Where(p => p.Shape.Length == 4).ToDictionary(p => p.Name, p => p.Shape);
        foreach (var layer in layers)
        {
            var g = layer.Geometry;
            int[] expected = [g.OutChannels, g.GroupInputs, g.KernelHeight, g.KernelWidth];
            if (!weights.Remove(layer.Name + ".weight", out var shape) || !shape.SequenceEqual(expected))
                throw new InvalidOperationException($"{network.GetType().Name}: the bench counts '{layer.Name}.weight' as [{string.Join(", ", expected)}], " +
                    $"the network has {(shape is null ? "no such parameter" : "[" + string.Join(", ", shape) + "]")}: update bench/Workloads/ConvLayers.cs.");
        }
        if (weights.Count > 0)
            throw new InvalidOperationException($"{network.GetType().Name} has convolutions the bench does not count: {string.Join(", ", weights.Keys)}; update bench/Workloads/ConvLayers.cs.");
    }

    private static ConvGeometry Conv(int inChannels, int size, int outChannels, int kernel, int stride, int padding) =>
        new(inChannels, size, size, outChannels, kernel, kernel, stride, stride, padding, padding, 1, 1, 1);

    private static ConvLayer[] Block(string name, int channels, int size) =>
    [
        new(name + ".conv1", Conv(channels, size, channels, 3, 1, 1), true),
        new(name + ".conv2", Conv(channels, size, channels, 3, 1, 1), true),
    ];
}
