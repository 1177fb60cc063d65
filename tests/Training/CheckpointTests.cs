using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NetCompiler.Definitions.Zoo;
using Xunit;
using NetCompiler.Tests.Checkpoints;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Training;

/// <summary>Training checkpoints on top of the safetensors layer: exact round trips of parameters, optimizer state,
/// step count and training state; a resumed run bit-identical to an uninterrupted one; refusal of every mismatch
/// with the network and optimizer left untouched; and plain weight files as PyTorch writes them.</summary>
public sealed class CheckpointTests : IDisposable
{
    private static readonly Dataset Train = TrainingFixtures.Blobs("blobs train", 301, seed: 41);
    private static readonly Dataset Test = TrainingFixtures.Blobs("blobs test", 60, seed: 42);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Kinds() => new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f) { WeightDecay = 1e-3f },
        "momentum" => new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 1e-3f },
        "nesterov" => new Sgd(0.03f, momentum: 0.8f, nesterov: true),
        "adam" => new Adam(new CosineSchedule(0.01f, 30, 0.001f)),
        "adamw" => new AdamW(new WarmupSchedule(5, 0.01f)) { WeightDecay = 0.01f, MaxGradientNorm = 1f },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A network and optimizer with non-trivial state: a few steps on the blobs.</summary>
    private static (ResidualMlpNet Net, Optimizer Optimizer) Trained(string kind, int seed, int steps = 3)
    {
        var net = new ResidualMlpNet(seed);
        var optimizer = Make(kind);
        var x = Train.Features.AsSpan(0, 16 * 4).ToArray();
        var t = Train.Labels!.Take(16).Select(l => (float)l).ToArray();
        for (int i = 0; i < steps; i++) net.TrainStep(x, t, 16, optimizer);
        return (net, optimizer);
    }

    private static int[][] StateBits(Optimizer optimizer) =>
        Enumerable.Range(0, optimizer.StateSlots.Count).Select(s => FloatBits.Of(optimizer.GetState(s))).ToArray();

    [Theory, MemberData(nameof(Kinds))]
    public void ParametersOptimizerStateAndTrainingStateRoundTripExactly(string kind)
    {
        var (net, optimizer) = Trained(kind, seed: 1);
        // An epoch loss sum whose last bits would be lost in a decimal round trip.
        var state = new TrainingState(3, 7, BitConverter.Int64BitsToDouble(0x40A3_8A3D_70A3_D70BL), 224);
        string path = _dir.File("round.safetensors");
        Checkpoint.Save(path, net, optimizer, state, new Dictionary<string, string> { ["note"] = "hello" });

        var loadedNet = new ResidualMlpNet(seed: 2);
        var loadedOptimizer = Make(kind);
        Assert.NotEqual(FloatBits.Of(net.Parameters.Values), FloatBits.Of(loadedNet.Parameters.Values));
        var info = Checkpoint.Load(path, loadedNet, loadedOptimizer);

        Assert.Equal(FloatBits.Of(net.Parameters.Values), FloatBits.Of(loadedNet.Parameters.Values));
        Assert.True(info.OptimizerRestored);
        Assert.Equal(optimizer.StepCount, loadedOptimizer.StepCount);
        Assert.Equal(3, loadedOptimizer.StepCount);
        Assert.Equal(StateBits(optimizer), StateBits(loadedOptimizer));
        if (optimizer.StateSlots.Count > 0) Assert.Contains(optimizer.GetState(0), v => v != 0f);
        Assert.NotNull(info.State);
        Assert.Equal(state, info.State);
        Assert.Equal(BitConverter.DoubleToInt64Bits(state.EpochLossSum), BitConverter.DoubleToInt64Bits(info.State!.EpochLossSum));
        Assert.Equal("hello", info.Metadata["note"]);
        Assert.Empty(info.Warnings);
        Assert.Equal("pt", info.Metadata["format"]);

        // The tensors in the file are the parameters under their names, then the state as optimizer/<slot>/<name>.
        using var file = SafeTensors.Read(path);
        var expected = net.Parameters.Layout.Select(p => p.Name)
            .Concat(optimizer.StateSlots.SelectMany(s => net.Parameters.Layout.Select(p => $"optimizer/{s}/{p.Name}")));
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), file.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.All(file.Tensors, t => Assert.Equal("F32", t.DType));
    }

    [Fact]
    public void ParametersAloneRoundTripAndOptimizerStateIsOptionalOnLoad()
    {
        var (net, optimizer) = Trained("adam", seed: 1);
        string weights = _dir.File("weights.safetensors");
        Checkpoint.Save(weights, net);
        var other = new ResidualMlpNet(seed: 3);
        var untouched = new Adam(0.01f);
        var info = Checkpoint.Load(weights, other, untouched);
        Assert.Equal(FloatBits.Of(net.Parameters.Values), FloatBits.Of(other.Parameters.Values));
        Assert.False(info.OptimizerRestored);
        Assert.Null(info.State);
        Assert.Equal(0, untouched.StepCount);

        // A full checkpoint loads into a network alone (the optimizer tensors are then ignored).
        string full = _dir.File("full.safetensors");
        Checkpoint.Save(full, net, optimizer, new TrainingState(1, 2, 3.5, 4));
        var third = new ResidualMlpNet(seed: 4);
        info = Checkpoint.Load(full, third);
        Assert.False(info.OptimizerRestored);
        Assert.Equal(new TrainingState(1, 2, 3.5, 4), info.State);
        Assert.Equal(FloatBits.Of(net.Parameters.Values), FloatBits.Of(third.Parameters.Values));
    }

    public static TheoryData<string, int, int> ResumeCases() => new()
    {
        { "adam", 2, 6 },
        { "momentum", 2, 6 },
        { "adamw", 1, 10 },   // cancelled on the last batch of epoch 1: resumes at the start of epoch 2
        { "nesterov", 3, 1 },
    };

    [Theory, MemberData(nameof(ResumeCases))]
    public void AResumedRunIsBitIdenticalToAnUninterruptedOne(string kind, int cancelEpoch, int cancelBatch)
    {
        var options = new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 5 };

        var straightNet = new ResidualMlpNet(seed: 1);
        var straight = new Trainer(straightNet, Make(kind), options);
        var straightReports = straight.Fit(Train, Test).Epochs;
        Assert.Equal(30, straight.Optimizer.StepCount);

        var firstNet = new ResidualMlpNet(seed: 1);
        var first = new Trainer(firstNet, Make(kind), options);
        using var cts = new CancellationTokenSource();
        first.BatchCompleted += p => { if (p.Epoch == cancelEpoch && p.Batch == cancelBatch) cts.Cancel(); };
        var firstResult = first.Fit(Train, Test, cts.Token);
        Assert.True(firstResult.Cancelled);
        string path = _dir.File($"resume-{kind}.safetensors");
        Checkpoint.Save(path, firstNet, first.Optimizer, first.State);

        // Everything new: network (other initial values), optimizer, trainer.
        var resumedNet = new ResidualMlpNet(seed: 99);
        var resumedOptimizer = Make(kind);
        var info = Checkpoint.Load(path, resumedNet, resumedOptimizer);
        Assert.True(info.OptimizerRestored);
        Assert.Equal(first.State, info.State);
        var resumed = new Trainer(resumedNet, resumedOptimizer, options);
        resumed.Restore(info.State!);
        var resumedReports = resumed.Fit(Train, Test).Epochs;

        Assert.Equal(FloatBits.Of(straightNet.Parameters.Values), FloatBits.Of(resumedNet.Parameters.Values));
        Assert.Equal(straight.Optimizer.StepCount, resumedOptimizer.StepCount);
        Assert.Equal(StateBits(straight.Optimizer), StateBits(resumedOptimizer));
        // The epochs reported across the two sessions are the uninterrupted run's, loss bits included.
        var combined = firstResult.Epochs.Concat(resumedReports).ToList();
        Assert.Equal(straightReports.Select(r => r.Epoch), combined.Select(r => r.Epoch));
        for (int i = 0; i < combined.Count; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(straightReports[i].TrainLoss), BitConverter.DoubleToInt64Bits(combined[i].TrainLoss));
            Assert.Equal(straightReports[i].Test, combined[i].Test);
        }
    }

    [Fact]
    public void AResumedEpochReportsTheGradientNormsOfTheStepsItRan()
    {
        var options = new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 5 };
        var firstNet = new ResidualMlpNet(seed: 1);
        var first = new Trainer(firstNet, Make("momentum"), options);
        using var cts = new CancellationTokenSource();
        first.BatchCompleted += p => { if (p.Batch == 6) cts.Cancel(); };
        first.Fit(Train, null, cts.Token);
        string path = _dir.File("norms.safetensors");
        Checkpoint.Save(path, firstNet, first.Optimizer, first.State);

        var resumedNet = new ResidualMlpNet(seed: 1);
        var resumedOptimizer = Make("momentum");
        var resumed = new Trainer(resumedNet, resumedOptimizer, options);
        resumed.Restore(Checkpoint.Load(path, resumedNet, resumedOptimizer).State!);
        // The optimizer leaves the gradients in place, so each batch's norms can be read when it completes.
        var seen = new List<float[]>();
        resumed.BatchCompleted += _ =>
        {
            var norms = new float[resumedNet.Parameters.Layout.Count];
            GradientNorms.PerParameter(resumedNet.Parameters, norms);
            seen.Add(norms);
        };
        var report = resumed.Fit(Train).Epochs.Single();

        Assert.Equal(4, seen.Count);   // 301 samples in batches of 32: 10 batches, 6 done before the resume
        for (int i = 0; i < report.GradientNorms.Count; i++)
        {
            double mean = seen.Average(n => (double)n[i]);
            Assert.True(Math.Abs(mean - report.GradientNorms[i].Mean) <= 1e-6 * mean, $"{report.GradientNorms[i].Name}: {report.GradientNorms[i].Mean} vs {mean}");
            Assert.Equal(seen.Max(n => n[i]), report.GradientNorms[i].Max);
        }
    }

    [Fact]
    public void AnOptimizerOfAnotherNetworkIsRefusedBeforeAnythingChanges()
    {
        var (source, adam) = Trained("adam", seed: 1);
        string path = _dir.File("attached.safetensors");
        Checkpoint.Save(path, source, adam);

        var net = new ResidualMlpNet(seed: 7);
        var values = FloatBits.Of(net.Parameters.Values);
        var foreign = new Adam(0.01f);
        var small = TrainingFixtures.Store(("w", [5]));
        small.Gradients.AsSpan().Fill(1f);
        foreign.Step(small);   // now holds state for 5 values

        var e = Record.Exception(() => Checkpoint.Load(path, net, foreign));
        Assert.NotNull(e);
        Assert.Equal(values, FloatBits.Of(net.Parameters.Values));
        Assert.Equal(1, foreign.StepCount);
    }

    // ---- Refusals: each leaves the network and optimizer exactly as they were. ----

    private sealed record Target(ResidualMlpNet Net, Optimizer Optimizer, int[] Values, int[][] State, long Steps)
    {
        public void AssertUnchanged()
        {
            Assert.Equal(Values, FloatBits.Of(Net.Parameters.Values));
            Assert.Equal(State, StateBits(Optimizer));
            Assert.Equal(Steps, Optimizer.StepCount);
        }
    }

    private static Target NewTarget(string kind = "adam")
    {
        var (net, optimizer) = Trained(kind, seed: 7, steps: 2);
        return new Target(net, optimizer, FloatBits.Of(net.Parameters.Values), StateBits(optimizer), optimizer.StepCount);
    }

    /// <summary>The tensors a checkpoint of <paramref name="net"/> with <paramref name="optimizer"/> holds, in order.</summary>
    private static List<NamedTensor> TensorsOf(ResidualMlpNet net, Optimizer? optimizer = null)
    {
        var store = net.Parameters;
        var list = store.Layout.Select(p => new NamedTensor(p.Name, p.Shape, store.Values.AsMemory(p.Offset, p.Length))).ToList();
        if (optimizer is not null)
            for (int s = 0; s < optimizer.StateSlots.Count; s++)
                list.AddRange(store.Layout.Select(p => new NamedTensor($"optimizer/{optimizer.StateSlots[s]}/{p.Name}", p.Shape,
                    optimizer.GetState(s).AsMemory(p.Offset, p.Length))));
        return list;
    }

    private static Dictionary<string, string> OptimizerMetadata(string name, string steps) => new()
    {
        ["format"] = "pt",
        ["netcompiler.optimizer"] = name,
        ["netcompiler.optimizer.steps"] = steps,
    };

    private void AssertRefused(string path, Target target, Optimizer? optimizer, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target.Net, optimizer));
        foreach (string fragment in fragments) Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        target.AssertUnchanged();
    }

    [Fact]
    public void AMissingParameterIsRefused()
    {
        var source = new ResidualMlpNet(seed: 1);
        var target = NewTarget();
        string path = _dir.File("missing.safetensors");
        SafeTensors.Write(path, TensorsOf(source).Where(t => t.Name != "blocks.1.gate").ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        AssertRefused(path, target, null, "blocks.1.gate");
        AssertRefused(path, target, target.Optimizer, "blocks.1.gate");
    }

    [Fact]
    public void AnExtraTensorIsRefused()
    {
        var source = new ResidualMlpNet(seed: 1);
        var target = NewTarget();
        string path = _dir.File("extra.safetensors");
        var tensors = TensorsOf(source);
        tensors.Add(new NamedTensor("head2.weight", [3, 8], new float[24]));
        SafeTensors.Write(path, tensors);
        AssertRefused(path, target, target.Optimizer, "head2.weight");
    }

    [Fact]
    public void AWrongShapeIsRefused()
    {
        var source = new ResidualMlpNet(seed: 1);
        var target = NewTarget();
        string path = _dir.File("shape.safetensors");
        var tensors = TensorsOf(source).Select(t => t.Name == "head.weight" ? t with { Shape = [8, 3] } : t).ToList();
        SafeTensors.Write(path, tensors);
        AssertRefused(path, target, target.Optimizer, "head.weight", "[8, 3]", "[3, 8]");

        // Same element count, different rank.
        tensors = TensorsOf(source).Select(t => t.Name == "head.bias" ? t with { Shape = [1, 3] } : t).ToList();
        SafeTensors.Write(path, tensors);
        AssertRefused(path, target, target.Optimizer, "head.bias", "[1, 3]");
    }

    [Fact]
    public void AnIntegerDtypeIsRefused()
    {
        var source = new ResidualMlpNet(seed: 1);
        var target = NewTarget();
        string path = _dir.File("dtype.safetensors");
        SafeTensors.Write(path, TensorsOf(source));
        PatchHeader(path, "\"input.bias\":{\"dtype\":\"F32\"", "\"input.bias\":{\"dtype\":\"I32\"");
        using (var file = SafeTensors.Read(path)) Assert.Equal("I32", file.Get("input.bias").DType);
        AssertRefused(path, target, target.Optimizer, "input.bias", "I32");
    }

    [Fact]
    public void AnotherOptimizersStateIsRefused()
    {
        var (source, adam) = Trained("adam", seed: 1);
        string path = _dir.File("adam.safetensors");
        Checkpoint.Save(path, source, adam, new TrainingState(0, 1, 1.0, 16));

        var momentum = NewTarget("momentum");
        AssertRefused(path, momentum, momentum.Optimizer, "'adam'", "'momentum'");
        var adamw = NewTarget("adamw");
        AssertRefused(path, adamw, adamw.Optimizer, "'adam'", "'adamw'");
        var sgd = NewTarget("sgd");
        AssertRefused(path, sgd, sgd.Optimizer, "'adam'", "'sgd'");
    }

    [Fact]
    public void MissingOrMisshapenOptimizerStateIsRefused()
    {
        var (source, adam) = Trained("adam", seed: 1);
        var target = NewTarget();
        string path = _dir.File("state.safetensors");

        SafeTensors.Write(path, TensorsOf(source, adam).Where(t => t.Name != "optimizer/v/head.bias").ToList(), OptimizerMetadata("adam", "3"));
        AssertRefused(path, target, target.Optimizer, "optimizer/v/head.bias");

        SafeTensors.Write(path, TensorsOf(source, adam).Select(t => t.Name == "optimizer/m/input.weight" ? t with { Shape = [4, 8] } : t).ToList(),
            OptimizerMetadata("adam", "3"));
        AssertRefused(path, target, target.Optimizer, "optimizer/m/input.weight", "[4, 8]");

        SafeTensors.Write(path, TensorsOf(source, adam), OptimizerMetadata("adam", "three"));
        AssertRefused(path, target, target.Optimizer, "optimizer.steps");

        var noSteps = OptimizerMetadata("adam", "3");
        noSteps.Remove("netcompiler.optimizer.steps");
        SafeTensors.Write(path, TensorsOf(source, adam), noSteps);
        AssertRefused(path, target, target.Optimizer, "optimizer.steps");
    }

    [Fact]
    public void MalformedTrainingStateIsRefused()
    {
        var (source, adam) = Trained("adam", seed: 1);
        var target = NewTarget();
        string path = _dir.File("training-state.safetensors");
        var metadata = OptimizerMetadata("adam", "3");
        metadata["netcompiler.epoch"] = "1";
        metadata["netcompiler.batch"] = "2";
        metadata["netcompiler.epoch_samples"] = "64";   // epoch_loss_sum missing
        SafeTensors.Write(path, TensorsOf(source, adam), metadata);
        AssertRefused(path, target, target.Optimizer, "epoch");
        AssertRefused(path, target, null, "epoch");
    }

    public static TheoryData<string, string, float> ImpossibleStates() => new()
    {
        { "adam", "v", float.NaN },
        { "adam", "v", -1e-30f },                   // a second moment is a mean of squares
        { "adamw", "v", float.NegativeInfinity },
        { "adam", "m", float.NaN },
        { "momentum", "momentum", float.NaN },
    };

    [Theory, MemberData(nameof(ImpossibleStates))]
    public void OptimizerStateThatNoStepCanProduceIsRefused(string kind, string slot, float value)
    {
        var (source, optimizer) = Trained(kind, seed: 1);
        var head = source.Parameters.Layout.Single(p => p.Name == "head.weight");
        optimizer.GetState(optimizer.StateSlots.ToList().IndexOf(slot))[head.Offset + 5] = value;
        string path = _dir.File("state-values.safetensors");
        Checkpoint.Save(path, source, optimizer, new TrainingState(0, 3, 3.0, 48));

        var target = NewTarget(kind);
        AssertRefused(path, target, target.Optimizer, $"'optimizer/{slot}/head.weight'", "index 5");
    }

    [Fact]
    public void NonFiniteParametersLoadAsSavedWithAWarningNamingThem()
    {
        var source = new ResidualMlpNet(seed: 1);
        source.Parameters.GetValues("head.bias")[1] = float.NaN;
        var weight = source.Parameters.GetValues("input.weight");
        weight[0] = float.PositiveInfinity;
        weight[7] = float.NegativeInfinity;
        string path = _dir.File("non-finite.safetensors");
        Checkpoint.Save(path, source);

        var target = NewTarget();
        var info = Checkpoint.Load(path, target.Net, target.Optimizer);

        Assert.Equal(FloatBits.Of(source.Parameters.Values), FloatBits.Of(target.Net.Parameters.Values));
        Assert.Equal(2, info.Warnings.Count);
        Assert.Contains(info.Warnings, w => w.Contains("parameter 'head.bias' has 1 of 3 values NaN or infinite", StringComparison.Ordinal));
        Assert.Contains(info.Warnings, w => w.Contains("parameter 'input.weight' has 2 of 32 values NaN or infinite", StringComparison.Ordinal));
    }

    [Fact]
    public void AnInfiniteSecondMomentLoads()
    {
        // g * g overflows for a finite gradient above 1.8e19, so v = +inf is a state Adam can reach (its update is then 0).
        var (source, adam) = Trained("adam", seed: 1);
        adam.GetState(1)[3] = float.PositiveInfinity;
        string path = _dir.File("inf-v.safetensors");
        Checkpoint.Save(path, source, adam);
        var target = NewTarget();
        Checkpoint.Load(path, target.Net, target.Optimizer);
        Assert.Equal(float.PositiveInfinity, target.Optimizer.GetState(1)[3]);
    }

    [Theory]
    [InlineData("9223372036854775807")]   // 2^63 - 1: the next step's count overflows
    [InlineData("9007199254740993")]      // 2^53 + 1: no longer exact as the double schedules and Adam compute with
    public void AnAbsurdStepCountIsRefused(string steps)
    {
        var (source, adam) = Trained("adam", seed: 1);
        var target = NewTarget();
        string path = _dir.File("steps.safetensors");
        SafeTensors.Write(path, TensorsOf(source, adam), OptimizerMetadata("adam", steps));
        AssertRefused(path, target, target.Optimizer, "'netcompiler.optimizer.steps'", steps);
        Assert.Throws<ArgumentOutOfRangeException>(() => target.Optimizer.RestoreStepCount(long.Parse(steps, CultureInfo.InvariantCulture)));
    }

    [Theory]
    // epoch, batch, epoch_samples, epoch_loss_sum bits, the key the message must name
    [InlineData("2147483647", "0", "0", "0", "netcompiler.epoch")]     // its number, epoch + 1, overflows
    [InlineData("0", "2147483647", "2147483647", "0", "netcompiler.batch")]
    [InlineData("0", "1", "9223372036854775807", "0", "netcompiler.epoch_samples")]
    [InlineData("0", "2", "1", "0", "netcompiler.epoch_samples")]     // two batches cannot hold one sample
    [InlineData("0", "0", "16", "0", "netcompiler.epoch_samples")]    // no batch yet, yet samples
    [InlineData("0", "1", "16", "7FF8000000000000", "netcompiler.epoch_loss_sum")]   // NaN
    [InlineData("0", "1", "16", "FFF0000000000000", "netcompiler.epoch_loss_sum")]   // -inf
    public void ATrainingStateNoRunCanReachIsRefused(string epoch, string batch, string samples, string lossBits, string key)
    {
        var (source, adam) = Trained("adam", seed: 1);
        var target = NewTarget();
        string path = _dir.File("training-state-values.safetensors");
        var metadata = OptimizerMetadata("adam", "3");
        metadata["netcompiler.epoch"] = epoch;
        metadata["netcompiler.batch"] = batch;
        metadata["netcompiler.epoch_samples"] = samples;
        metadata["netcompiler.epoch_loss_sum"] = lossBits;
        SafeTensors.Write(path, TensorsOf(source, adam), metadata);
        AssertRefused(path, target, target.Optimizer, $"'{key}'");
        AssertRefused(path, target, null, $"'{key}'");
    }

    [Fact]
    public void ACheckpointOver2GBLoadsWhatItNeedsAndNothingMore()
    {
        // The parameters, then 2.2 GB of optimizer state that loading the parameters alone skips (sparse: never written).
        var source = new ResidualMlpNet(seed: 1);
        var header = new StringBuilder("{");
        var data = new List<byte>();
        foreach (var p in source.Parameters.Layout)
        {
            header.Append(CultureInfo.InvariantCulture, $"\"{p.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", p.Shape)}],\"data_offsets\":[{data.Count},{data.Count + 4 * p.Length}]}},");
            data.AddRange(HandBuilt.F32(source.Parameters.GetValues(p.Name).ToArray()));
        }
        const long Pad = 2_200_000_000;
        header.Append(CultureInfo.InvariantCulture, $"\"optimizer/m/pad\":{{\"dtype\":\"U8\",\"shape\":[{Pad}],\"data_offsets\":[{data.Count},{data.Count + Pad}]}}}}");
        byte[] head = HandBuilt.File(header.ToString(), data.ToArray());
        string path = _dir.WriteSparse("big.safetensors", head.Length + Pad, (0, head));

        var target = new ResidualMlpNet(seed: 2);
        long allocated = Allocated.By(() => Checkpoint.Load(path, target));

        Assert.Equal(FloatBits.Of(source.Parameters.Values), FloatBits.Of(target.Parameters.Values));
        Assert.True(allocated < 1 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        var (source, adam) = Trained("adam", seed: 1);
        var target = NewTarget();
        string path = _dir.File("truncated.safetensors");
        Checkpoint.Save(path, source, adam, new TrainingState(0, 1, 1.0, 16));
        byte[] bytes = File.ReadAllBytes(path);
        foreach (int keep in new[] { bytes.Length - 4, bytes.Length / 2, 100, 8, 3, 0 })
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, keep).ToArray());
            Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target.Net, target.Optimizer));
            target.AssertUnchanged();
        }
    }

    [Fact]
    public void AMissingFileThrowsFileNotFound()
    {
        var target = NewTarget();
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(_dir.File("nowhere.safetensors"), target.Net, target.Optimizer));
        target.AssertUnchanged();
    }

    [Fact]
    public void AWeightsFileWrittenLikePyTorchLoadsParametersOnly()
    {
        // What safetensors.torch.save_file(model.state_dict()) writes: only the parameters, sorted by name, F32,
        // metadata {"format": "pt"}; built here byte by byte.
        var layout = new ResidualMlpNet().Parameters.Layout;
        var sorted = layout.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        var expected = new Dictionary<string, float[]>();
        int salt = 0;
        foreach (var p in sorted)
        {
            var values = TrainingFixtures.Pattern(p.Length, 500 + salt++);
            expected[p.Name] = values;
            header.Append(CultureInfo.InvariantCulture, $",\"{p.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", p.Shape)}],\"data_offsets\":[{data.Count},{data.Count + 4 * p.Length}]}}");
            foreach (float v in values)
            {
                var b = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(b, v);
                data.AddRange(b);
            }
        }
        header.Append('}');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var file = new byte[8 + headerBytes.Length + data.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        string path = _dir.File("pytorch.safetensors");
        File.WriteAllBytes(path, file);

        var target = NewTarget();
        var info = Checkpoint.Load(path, target.Net, target.Optimizer);

        Assert.Null(info.State);
        Assert.False(info.OptimizerRestored);
        Assert.Equal("pt", info.Metadata["format"]);
        foreach (var p in layout)
            Assert.Equal(FloatBits.Of(expected[p.Name]), FloatBits.Of(target.Net.Parameters.GetValues(p.Name)));
        Assert.Equal(target.State, StateBits(target.Optimizer));
        Assert.Equal(target.Steps, target.Optimizer.StepCount);
    }

    /// <summary>Replaces <paramref name="from"/> by <paramref name="to"/> (same length) in the file's JSON header.</summary>
    private static void PatchHeader(string path, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        int at = header.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{from}' not in header {header}");
        Encoding.UTF8.GetBytes(to).CopyTo(bytes, 8 + Encoding.UTF8.GetByteCount(header.AsSpan(0, at)));
        File.WriteAllBytes(path, bytes);
    }
}
