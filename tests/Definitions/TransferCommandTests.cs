using System;
using System.Collections.Generic;
using System.IO;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>The transfer command end to end on a small synthetic Fashion-MNIST-shaped directory, and its failures.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TransferCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly TempDirectory _output = new();

    public TransferCommandTests() => LearnableFashionSet.Write(_data, 400, 100);

    public void Dispose()
    {
        _data.Dispose();
        _output.Dispose();
    }

    private JobRun Transfer(params string[] args) =>
        JobRun.Start(TransferCommand.Run, ["--data", _data.Path, "--output", _output.Path, "--batch-size", "16", .. args]);

    [Fact]
    public void Pretrains_reports_the_partial_load_and_compares_the_three_runs_then_reuses_the_checkpoint()
    {
        var job = Transfer("--pretrain-epochs", "1", "--epochs", "2");

        Assert.True(job.Code == 0, job.Error);
        string checkpoint = _output.File("LeNet5Source.safetensors");
        Checkpoint.Load(checkpoint, new LeNet5Source());
        Assert.Contains("loaded (8): conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias", job.Out);
        Assert.Contains("in the file only, not read (2): fc3.weight, fc3.bias", job.Out);
        Assert.Contains("in the network only, left as they were (2): head.weight, head.bias", job.Out);
        // Only the head (84 x 5 + 5) is trained when the backbone is frozen.
        Assert.Matches(@"\(a\) feature extraction[^\n]*425 of 61,281", job.Out);
        Assert.Matches(@"\(b\) fine-tuning[^\n]*61,281 of 61,281", job.Out);
        Assert.Matches(@"\(c\) from scratch[^\n]*61,281 of 61,281", job.Out);

        job = Transfer("--pretrained", checkpoint, "--epochs", "1", "--train-samples", "50");

        Assert.True(job.Code == 0, job.Error);
        Assert.Contains($"pretraining skipped: the backbone comes from {checkpoint}", job.Out);
        Assert.Contains("after 1 epoch of 50 samples (4 steps each;", job.Out);
    }

    [Fact]
    public void A_backbone_of_another_shape_is_refused_with_the_name_and_both_shapes()
    {
        string path = _output.File("other.safetensors");
        SafeTensors.Write(path, [new NamedTensor("conv1.weight", [6, 1, 3, 3], new float[54])]);

        Transfer("--pretrained", path, "--epochs", "1").AssertFailed(1, "tensor 'conv1.weight' has shape [6, 1, 3, 3]; the parameter of LeNet5Transfer has shape [6, 1, 5, 5]");
    }

    [Fact]
    public void A_checkpoint_with_none_of_the_backbone_or_none_at_all_fails_with_one_line()
    {
        string other = _output.File("Seed001MnistNet.safetensors");
        Checkpoint.Save(other, new Seed001MnistNet());
        Transfer("--pretrained", other, "--epochs", "1").AssertFailed(1, "has none of LeNet5Transfer's parameters");

        string missing = _output.File("nowhere.safetensors");
        Transfer("--pretrained", missing, "--epochs", "1").AssertFailed(1, missing);
    }

    [Fact]
    public void Bad_options_exit_with_2_and_help_with_0()
    {
        JobRun.Start(TransferCommand.Run, "--epochs", "0").AssertFailed(2, "--epochs must be positive");
        JobRun.Start(TransferCommand.Run, "--bogus").AssertFailed(2, "Unknown option '--bogus'");
        var help = JobRun.Start(TransferCommand.Run, "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--train-samples N", help.Out);
    }

    [Fact]
    public void The_table_counts_the_steps_and_shows_the_first_and_last_epoch()
    {
        var runs = new List<TransferRun>
        {
            new(TransferCommand.Modes[0], 425, 61_281, [0.5, 0.75], 0.61234, 1.24),
            new(TransferCommand.Modes[2], 61_281, 61_281, [0.25, 0.875], 0.5, 12.5),
        };

        string table = TransferCommand.Table(runs, trainSamples: 100, batchSize: 16, epochs: 2, "recipe");

        Assert.Contains("after 2 epochs of 100 samples (14 steps each; recipe):", table);
        Assert.Matches(@"\(a\) feature extraction: backbone loaded and frozen\s+425 of 61,281\s+50\.00%\s+75\.00%\s+0\.6123\s+1\.2 s", table);
        Assert.Matches(@"\(c\) from scratch: nothing loaded\s+61,281 of 61,281\s+25\.00%\s+87\.50%\s+0\.5000\s+12\.5 s", table);
    }
}
