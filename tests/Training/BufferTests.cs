using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Training;

/// <summary>Dropout without batch normalization: a network whose training can be split across threads.</summary>
[Network]
public partial class DropoutMlpNet
{
    [Dense(5, 16)] Dense hidden;
    [Dense(16, 3)] Dense head;

    [Forward] Tensor Forward([Shape(5)] Tensor x) => head.Forward(Dropout(Tanh(hidden.Forward(x)), 0.4f));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>Buffers (batch normalization's running statistics) live beside the parameters: checkpoints save and load
/// them (as <c>buffers/name</c>, or by plain name from a PyTorch state_dict), bulk loads take them, optimizers never
/// touch them; and the training step's randomness is the same on one thread or several.</summary>
public sealed class BufferTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (float[] X, float[] T) Batch(INetwork net, int batch, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = CompiledVsInterpretedTests.Inputs(net, batch, rng);
        return (x, Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray());
    }

    private static RegularizedMlpNet Trained(int steps)
    {
        var net = new RegularizedMlpNet(seed: 2);
        var (x, t) = Batch(net, 12, 5);
        var adam = new Adam(0.01f);
        for (int i = 0; i < steps; i++) net.TrainStep(x, t, 12, adam);
        return net;
    }

    [Fact]
    public void A_checkpoint_round_trips_buffers_and_the_random_step()
    {
        var source = Trained(steps: 4);
        Assert.NotEqual(0f, source.Parameters.GetBuffer("norm.running_mean")[0]);
        string path = _dir.File("bn.safetensors");
        Checkpoint.Save(path, source);
        using (var file = SafeTensors.Read(path))
            Assert.Equal(["buffers/norm.running_mean", "buffers/norm.running_var"], file.Tensors.Select(t => t.Name).Where(n => n.StartsWith("buffers/")).Order());

        var target = new RegularizedMlpNet(seed: 9);
        Checkpoint.Load(path, target);
        Assert.Equal(FloatBits.Of(source.Parameters.Buffers), FloatBits.Of(target.Parameters.Buffers));
        Assert.Equal(FloatBits.Of(source.Parameters.Values), FloatBits.Of(target.Parameters.Values));
        Assert.Equal(4, target.Parameters.RandomStep);
        Assert.Equal(2, target.Parameters.RandomSeed);   // the source's: a resumed run draws the masks it would have
        var (x, _) = Batch(source, 6, 8);
        float[] expected = new float[18], actual = new float[18];
        source.Infer(x, expected, 6);
        target.Infer(x, actual, 6);
        Assert.Equal(FloatBits.Of(expected), FloatBits.Of(actual));
    }

    [Fact]
    public void A_PyTorch_state_dict_with_plain_buffer_names_and_num_batches_tracked_loads()
    {
        var source = Trained(steps: 2);
        var p = source.Parameters;
        var tensors = p.Layout.Select(i => new NamedTensor(i.Name, i.Shape, p.Values.AsMemory(i.Offset, i.Length)))
            .Concat(p.BufferLayout.Select(b => new NamedTensor(b.Name, b.Shape, p.Buffers.AsMemory(b.Offset, b.Length))))
            .Append(new NamedTensor("norm.num_batches_tracked", [], new float[] { 2 })).ToList();
        string path = _dir.File("torch.safetensors");
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var target = new RegularizedMlpNet(seed: 9);
        Checkpoint.Load(path, target);
        Assert.Equal(FloatBits.Of(p.Buffers), FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void A_missing_or_misshapen_buffer_is_refused_and_nothing_changes()
    {
        var source = Trained(steps: 1);
        var p = source.Parameters;
        List<NamedTensor> Tensors(Func<ParameterInfo, NamedTensor?> buffer) =>
            p.Layout.Select(i => new NamedTensor(i.Name, i.Shape, p.Values.AsMemory(i.Offset, i.Length)))
                .Concat(p.BufferLayout.Select(buffer).Where(t => t is not null).Select(t => t!.Value)).ToList();
        var target = new RegularizedMlpNet(seed: 9);
        int[] values = FloatBits.Of(target.Parameters.Values), buffers = FloatBits.Of(target.Parameters.Buffers);

        string missing = _dir.File("missing.safetensors");
        SafeTensors.Write(missing, Tensors(b => b.Name == "norm.running_var" ? null : new NamedTensor("buffers/" + b.Name, b.Shape, p.Buffers.AsMemory(b.Offset, b.Length))));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(missing, target));
        Assert.Contains("buffers/norm.running_var", e.Message);

        string shape = _dir.File("shape.safetensors");
        SafeTensors.Write(shape, Tensors(b => new NamedTensor("buffers/" + b.Name, [2, 6], p.Buffers.AsMemory(b.Offset, b.Length))));
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(shape, target));
        Assert.Contains("[2, 6]", e.Message);
        Assert.Equal(values, FloatBits.Of(target.Parameters.Values));
        Assert.Equal(buffers, FloatBits.Of(target.Parameters.Buffers));
    }

    [Fact]
    public void Bulk_load_takes_buffers_by_either_name_and_requires_them()
    {
        var net = new RegularizedMlpNet();
        var values = net.Parameters.Layout.ToDictionary(i => i.Name, i => new float[i.Length]);
        var e = Assert.Throws<ArgumentException>(() => net.Parameters.Load(values));
        Assert.Contains("No values for the buffer 'norm.running_mean'", e.Message);
        values["norm.running_mean"] = Enumerable.Repeat(0.5f, 12).ToArray();
        values["buffers/norm.running_var"] = Enumerable.Repeat(2f, 12).ToArray();
        Assert.Equal(values.Count, net.Parameters.Load(values));
        Assert.All(net.Parameters.GetBuffer("norm.running_var").ToArray(), v => Assert.Equal(2f, v));
        values["buffers/norm.running_mean"] = new float[12];
        e = Assert.Throws<ArgumentException>(() => net.Parameters.Load(values));
        Assert.Contains("given twice", e.Message);
    }

    [Fact]
    public void Optimizers_never_touch_buffers()
    {
        // Same batches: a network stepped by AdamW with weight decay and one that only computes gradients end with the
        // same running statistics (the forward passes update them; the optimizer does not).
        var stepped = new RegularizedMlpNet(seed: 3);
        var computed = new RegularizedMlpNet(seed: 3);
        var (x, t) = Batch(stepped, 10, 4);
        var optimizer = new AdamW(0.05f) { WeightDecay = 0.5f };
        stepped.TrainStep(x, t, 10, optimizer);
        computed.ComputeGradients(x, t, 10);
        Assert.Equal(FloatBits.Of(computed.Parameters.Buffers), FloatBits.Of(stepped.Parameters.Buffers));
        Assert.NotEqual(FloatBits.Of(computed.Parameters.Values), FloatBits.Of(stepped.Parameters.Values));
    }

    [Theory]
    [InlineData(ExecutionPath.Compiled)]
    [InlineData(ExecutionPath.Interpreted)]
    public void Dropout_draws_the_same_masks_on_one_thread_or_several(ExecutionPath path)
    {
        var single = new DropoutMlpNet(seed: 5);
        var split = new DropoutMlpNet(seed: 5);
        var (x, t) = Batch(single, 11, 3);
        var parallel = new DataParallelGradients(split, path);
        for (int step = 0; step < 2; step++)
        {
            float expected = single.ComputeGradients(path, x, t, 11);
            float loss = parallel.ComputeGradients(x, t, 11, 3);
            Assert.Equal(expected, loss, 1e-5f);
            for (int i = 0; i < single.Parameters.Count; i++)
                Assert.True(Math.Abs(single.Parameters.Gradients[i] - split.Parameters.Gradients[i]) <= 1e-6f + 1e-5f * Math.Abs(single.Parameters.Gradients[i]),
                    $"step {step}, gradient {i}: {single.Parameters.Gradients[i]} vs {split.Parameters.Gradients[i]}");
            Assert.Equal(single.Parameters.RandomStep, split.Parameters.RandomStep);
        }
    }

    [Fact]
    public void Masks_change_from_step_to_step_and_replay_when_the_step_is_set_back()
    {
        var net = new DropoutMlpNet(seed: 1);
        var (x, t) = Batch(net, 8, 2);
        net.ComputeGradients(x, t, 8);
        var first = net.Parameters.Gradients.ToArray();
        net.ComputeGradients(x, t, 8);
        Assert.NotEqual(first, net.Parameters.Gradients);
        net.Parameters.RandomStep = 0;
        net.ComputeGradients(x, t, 8);
        Assert.Equal(FloatBits.Of(first), FloatBits.Of(net.Parameters.Gradients));
    }
}
