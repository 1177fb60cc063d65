using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Checkpoints;

/// <summary><see cref="RegularizedMlpNet"/>'s backbone (hidden, norm and its running statistics) under a new 5-class
/// head with another name: what transfer learning loads into.</summary>
[Network]
public partial class RenamedHeadMlpNet
{
    [Dense(6, 12, Bias = false)] Dense hidden;
    [BatchNorm(12)] BatchNorm norm;
    [Dense(12, 5)] Dense classifier;

    [Forward] Tensor Forward([Shape(6)] Tensor x) => classifier.Forward(Relu(norm.Forward(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>The same backbone under a 5-class head that keeps the old head's name: <c>head.weight</c> is [5, 12] here and
/// [3, 12] in <see cref="RegularizedMlpNet"/>.</summary>
[Network]
public partial class WiderHeadMlpNet
{
    [Dense(6, 12, Bias = false)] Dense hidden;
    [BatchNorm(12)] BatchNorm norm;
    [Dense(12, 5)] Dense head;

    [Forward] Tensor Forward([Shape(6)] Tensor x) => head.Forward(Relu(norm.Forward(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary><see cref="Checkpoint.LoadMatching"/>: copies what matches by name and shape (parameters and buffers),
/// reports what it skipped on both sides, refuses a matching name with another shape, and changes nothing when it
/// refuses.</summary>
public sealed class PartialLoadTests : IDisposable
{
    private static readonly string[] Backbone =
        ["hidden.weight", "norm.weight", "norm.bias", "buffers/norm.running_mean", "buffers/norm.running_var"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A trained source (buffers away from their initial values) saved with its Adam state.</summary>
    private (RegularizedMlpNet Net, string Path) Pretrained()
    {
        var net = new RegularizedMlpNet(seed: 2);
        var rng = new Rng(5);
        var x = CompiledVsInterpretedTests.Inputs(net, 12, rng);
        var t = Enumerable.Range(0, 12).Select(_ => (float)rng.NextInt(3)).ToArray();
        var adam = new Adam(0.01f);
        for (int i = 0; i < 3; i++) net.TrainStep(x, t, 12, adam);
        string path = _dir.File("pretrained.safetensors");
        Checkpoint.Save(path, net, adam);
        return (net, path);
    }

    private static float[] Values(INetwork net, string name) => net.Parameters.GetValues(name).ToArray();

    [Fact]
    public void Loads_the_matching_backbone_and_buffers_and_reports_what_it_skipped_on_both_sides()
    {
        var (source, path) = Pretrained();
        var target = new RenamedHeadMlpNet(seed: 9);
        float[] classifier = Values(target, "classifier.weight");
        target.Parameters.RandomStep = 7;

        var report = Checkpoint.LoadMatching(path, target);

        Assert.Equal(Backbone, report.Loaded);
        Assert.Equal(["classifier.weight", "classifier.bias"], report.NotInFile);
        Assert.Empty(report.Excluded);
        // The old head and the optimizer's state are the file's own; neither is read.
        Assert.Equal(["head.bias", "head.weight"], report.NotInNetwork.Where(n => n.StartsWith("head.")).Order());
        Assert.All(report.NotInNetwork.Where(n => !n.StartsWith("head.")), n => Assert.StartsWith("optimizer/", n));
        Assert.Equal(FloatBits.Of(Values(source, "hidden.weight")), FloatBits.Of(Values(target, "hidden.weight")));
        Assert.Equal(FloatBits.Of(Values(source, "norm.weight")), FloatBits.Of(Values(target, "norm.weight")));
        Assert.Equal(FloatBits.Of(source.Parameters.Buffers), FloatBits.Of(target.Parameters.Buffers));
        Assert.NotEqual(0f, target.Parameters.GetBuffer("norm.running_mean")[0]);
        Assert.Equal(FloatBits.Of(classifier), FloatBits.Of(Values(target, "classifier.weight")));
        Assert.Equal(7, target.Parameters.RandomStep);   // values only: the network's randomness is its own
        Assert.Contains("in the network only, left as they were (2): classifier.weight, classifier.bias", report.ToString());
    }

    [Fact]
    public void A_matching_name_with_another_shape_is_refused_with_both_shapes_and_nothing_changes()
    {
        var (_, path) = Pretrained();
        var target = new WiderHeadMlpNet(seed: 9);
        int[] values = FloatBits.Of(target.Parameters.Values), buffers = FloatBits.Of(target.Parameters.Buffers);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadMatching(path, target));

        Assert.Contains("'head.weight' has shape [3, 12]", e.Message);
        Assert.Contains("has shape [5, 12]", e.Message);
        Assert.Contains("nothing changed", e.Message);
        Assert.Equal(values, FloatBits.Of(target.Parameters.Values));
        Assert.Equal(buffers, FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void The_filter_leaves_a_mismatched_head_out_and_reports_it_as_excluded()
    {
        var (source, path) = Pretrained();
        var target = new WiderHeadMlpNet(seed: 9);
        float[] head = Values(target, "head.weight");

        var report = Checkpoint.LoadMatching(path, target, include: name => !name.StartsWith("head.", StringComparison.Ordinal));

        Assert.Equal(Backbone, report.Loaded);
        Assert.Equal(["head.weight", "head.bias"], report.Excluded);
        Assert.Empty(report.NotInFile);
        Assert.DoesNotContain(report.NotInNetwork, n => n.StartsWith("head."));
        Assert.Equal(FloatBits.Of(head), FloatBits.Of(Values(target, "head.weight")));
        Assert.Equal(FloatBits.Of(source.Parameters.Buffers), FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void A_PyTorch_state_dict_loads_buffers_by_plain_name_and_skips_num_batches_tracked()
    {
        var (source, _) = Pretrained();
        var p = source.Parameters;
        var tensors = p.Layout.Select(i => new NamedTensor(i.Name, i.Shape, p.Values.AsMemory(i.Offset, i.Length)))
            .Concat(p.BufferLayout.Select(b => new NamedTensor(b.Name, b.Shape, p.Buffers.AsMemory(b.Offset, b.Length))))
            .Append(new NamedTensor("norm.num_batches_tracked", [], new float[] { 3 })).ToList();
        string path = _dir.File("torch.safetensors");
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var target = new RenamedHeadMlpNet(seed: 9);

        var report = Checkpoint.LoadMatching(path, target);

        Assert.Equal(["hidden.weight", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var"], report.Loaded);
        Assert.Equal(["head.bias", "head.weight", "norm.num_batches_tracked"], report.NotInNetwork.Order());
        Assert.Equal(FloatBits.Of(p.Buffers), FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void A_non_finite_value_is_refused_by_name_and_nothing_changes()
    {
        var (source, _) = Pretrained();
        var p = source.Parameters;
        // The bad tensor comes last, so the ones before it have been read when it is found.
        var tensors = p.Layout.Select(i => new NamedTensor(i.Name, i.Shape, p.Values.AsSpan(i.Offset, i.Length).ToArray()))
            .Concat(p.BufferLayout.Select(b => new NamedTensor("buffers/" + b.Name, b.Shape,
                b.Name == "norm.running_var" ? Enumerable.Repeat(float.NaN, b.Length).ToArray() : p.Buffers.AsSpan(b.Offset, b.Length).ToArray())))
            .ToList();
        string path = _dir.File("nan.safetensors");
        SafeTensors.Write(path, tensors);
        var target = new RenamedHeadMlpNet(seed: 9);
        int[] values = FloatBits.Of(target.Parameters.Values), buffers = FloatBits.Of(target.Parameters.Buffers);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadMatching(path, target));

        Assert.Contains("'buffers/norm.running_var' has 12 of 12 values NaN or infinite", e.Message);
        Assert.Equal(values, FloatBits.Of(target.Parameters.Values));
        Assert.Equal(buffers, FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void A_matching_tensor_of_integers_is_refused_with_its_dtype()
    {
        string header = """{"hidden.weight":{"dtype":"I64","shape":[12,6],"data_offsets":[0,576]}}""";
        string path = _dir.Write("ints.safetensors", HandBuilt.File(header, new byte[576]));

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadMatching(path, new RenamedHeadMlpNet(seed: 9)));

        Assert.Contains("'hidden.weight' has dtype I64", e.Message);
    }

    [Fact]
    public void A_missing_or_corrupt_file_fails_with_its_path_and_nothing_changes()
    {
        var target = new RenamedHeadMlpNet(seed: 9);
        int[] values = FloatBits.Of(target.Parameters.Values);
        string missing = _dir.File("nowhere.safetensors");
        var notFound = Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadMatching(missing, target));
        Assert.Contains(missing, notFound.Message);

        var (_, path) = Pretrained();
        byte[] bytes = File.ReadAllBytes(path);
        string truncated = _dir.Write("truncated.safetensors", bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadMatching(truncated, target));
        Assert.Contains(truncated, e.Message);
        string garbage = _dir.Write("garbage.safetensors", "not a checkpoint at all"u8.ToArray());
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadMatching(garbage, target));
        Assert.Contains(garbage, e.Message);
        Assert.Equal(values, FloatBits.Of(target.Parameters.Values));
    }
}
