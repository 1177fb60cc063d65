using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.Checkpoints;
using NetCompiler.Tests.Eager;
using NetCompiler.Tests.TestSupport;
using Xunit;
using static NetCompiler.Tests.Eager.GradCheck;

namespace NetCompiler.Tests.Convolution;

/// <summary>A LeNet-5 <c>state_dict</c> saved the way PyTorch's <c>safetensors.torch.save_file</c> writes it (built byte by
/// byte, not by the code under test) loads into the zoo's <see cref="LeNet5"/>, and its inference is LeNet-5's in float64
/// from those weights: PyTorch's names, its [out, in, kh, kw] and [out, in] layouts and its NCHW flatten order.</summary>
public class LeNet5PyTorchCheckpointTests
{
    /// <summary>Name and shape of every tensor of the <c>state_dict</c> of PyTorch's LeNet-5 (conv1, conv2, fc1, fc2, fc3).</summary>
    private static readonly (string Name, int[] Shape)[] StateDict =
    [
        ("conv1.weight", [6, 1, 5, 5]), ("conv1.bias", [6]), ("conv2.weight", [16, 6, 5, 5]), ("conv2.bias", [16]),
        ("fc1.weight", [120, 400]), ("fc1.bias", [120]), ("fc2.weight", [84, 120]), ("fc2.bias", [84]),
        ("fc3.weight", [10, 84]), ("fc3.bias", [10]),
    ];

    /// <summary>PyTorch's default initialization of each layer: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias.</summary>
    private static Dictionary<string, float[]> Weights(int seed)
    {
        var rng = new Random(seed);
        var weights = new Dictionary<string, float[]>();
        foreach (var (name, shape) in StateDict)
        {
            var layerWeight = StateDict.First(t => t.Name == name.Split('.')[0] + ".weight").Shape;
            double bound = 1 / Math.Sqrt(Size(layerWeight[1..]));
            weights[name] = Enumerable.Range(0, Size(shape)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * bound)).ToArray();
        }
        return weights;
    }

    /// <summary>The file <c>save_file</c> writes: <c>__metadata__</c> {"format": "pt"} first, then the tensors sorted by
    /// name (all F32, one dtype), data in that order, the header padded with spaces to 8 bytes.</summary>
    private static byte[] SafeTensorsFile(Dictionary<string, float[]> weights, IReadOnlyDictionary<string, int[]> shapes)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte[]>();
        long offset = 0;
        foreach (string name in weights.Keys.Order(StringComparer.Ordinal))
        {
            long end = offset + 4L * weights[name].Length;
            header.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shapes[name])}],\"data_offsets\":[{offset},{end}]}}");
            data.Add(HandBuilt.F32(weights[name]));
            offset = end;
        }
        return HandBuilt.File(header.Append('}').ToString(), HandBuilt.Concat(data.ToArray()));
    }

    [Fact]
    public void A_PyTorch_state_dict_loads_and_infers_as_LeNet5_in_float64()
    {
        using var directory = new TempDirectory();
        string path = directory.File("lenet5.safetensors");
        var weights = Weights(seed: 11);
        File.WriteAllBytes(path, SafeTensorsFile(weights, StateDict.ToDictionary(t => t.Name, t => t.Shape)));
        var net = new LeNet5(seed: 1);

        var info = Checkpoint.Load(path, net);

        Assert.Equal("pt", info.Metadata["format"]);
        Assert.Empty(info.Warnings);
        Assert.False(info.OptimizerRestored);
        foreach (var (name, _) in StateDict)
            Assert.Equal(FloatBits.Of(weights[name]), FloatBits.Of(net.Parameters.GetValues(name)));

        const int batch = 3;
        var rng = new Random(12);
        var images = Enumerable.Range(0, batch * 28 * 28).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = Reference(weights, images, batch);
        var compiled = new float[batch * 10];
        net.Infer(images, compiled, batch);
        var interpreted = new float[batch * 10];
        Interpreter.Infer(net, images, interpreted, batch);
        AssertClose(expected, compiled, "compiled Infer");
        AssertClose(expected, interpreted, "Interpreter.Infer");
    }

    [Fact]
    public void A_state_dict_in_another_layout_is_refused_by_name_and_changes_nothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("hwio.safetensors");
        var shapes = StateDict.ToDictionary(t => t.Name, t => t.Shape);
        shapes["conv2.weight"] = [5, 5, 6, 16];   // TensorFlow's [kh, kw, in, out]
        File.WriteAllBytes(path, SafeTensorsFile(Weights(seed: 13), shapes));
        var net = new LeNet5(seed: 2);
        var before = net.Parameters.Values.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, net));

        Assert.Contains("'conv2.weight' has shape [5, 5, 6, 16]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[16, 6, 5, 5]", e.Message, StringComparison.Ordinal);
        Assert.Equal(FloatBits.Of(before), FloatBits.Of(net.Parameters.Values));
    }

    /// <summary>LeNet-5's logits [batch, 10] in float64, from <see cref="ConvReference"/>'s direct loops and GradCheck's
    /// linear layer: the image standardized ((x - 0.2860) / 0.3530, torchvision's Normalize), conv1 (padding 2), ReLU, 2x2 max pool, conv2, ReLU, 2x2 max pool, flatten in [C, H, W] order, then
    /// fc1, ReLU, fc2, ReLU, fc3.</summary>
    private static double[] Reference(Dictionary<string, float[]> weights, float[] images, int batch)
    {
        DT Parameter(string name) => new(0, StateDict.First(t => t.Name == name).Shape, weights[name].Select(v => (double)v).ToArray());
        DT Relu(DT x) => Map(x, v => Math.Max(v, 0));
        var x = new DT(batch, [1, 28, 28], images.Select(v => (v - 0.2860) / 0.3530).ToArray());
        x = ConvReference.Pool2D(Relu(ConvReference.Conv2D(x, Parameter("conv1.weight"), Parameter("conv1.bias"), new ConvShape(1, 28, 28, 6, 5, 5, Padding: 2))), 2, 2, 0, max: true);
        x = ConvReference.Pool2D(Relu(ConvReference.Conv2D(x, Parameter("conv2.weight"), Parameter("conv2.bias"), new ConvShape(6, 14, 14, 16, 5, 5))), 2, 2, 0, max: true);
        x = new DT(batch, [400], x.Data);
        x = Relu(Linear(x, Parameter("fc1.weight"), Parameter("fc1.bias")));
        x = Relu(Linear(x, Parameter("fc2.weight"), Parameter("fc2.bias")));
        return Linear(x, Parameter("fc3.weight"), Parameter("fc3.bias")).Data;
    }

    /// <summary>Every logit within 1e-5 of the largest (float32 sums of up to 400 terms).</summary>
    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        double largest = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * largest, $"{what}[{i}]: {actual[i]:G9}, float64 {expected[i]:G9}");
    }
}
