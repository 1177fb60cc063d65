using System;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Definitions;

public class TransferArgumentsTests
{
    [Fact]
    public void Parses_every_option()
    {
        var a = TransferArguments.Parse([
            "--pretrain-epochs", "2", "--epochs", "4", "--train-samples", "500", "--pretrained", "/o/s.safetensors",
            "--batch-size", "32", "--lr", "0.02", "--data", "/d", "--seed", "-3", "--threads", "2", "--output", "/o"]);
        Assert.Equal(2, a.PretrainEpochs);
        Assert.Equal(4, a.Epochs);
        Assert.Equal(500, a.TrainSamples);
        Assert.Equal("/o/s.safetensors", a.Pretrained);
        Assert.Equal(32, a.BatchSize);
        Assert.Equal(0.02f, a.LearningRate);
        Assert.Equal("/d", a.DataDirectory);
        Assert.Equal(-3, a.Seed);
        Assert.Equal(2, a.Threads);
        Assert.Equal("/o", a.OutputDirectory);
        Assert.False(a.Help);
    }

    [Fact]
    public void Defaults_pretrain_and_use_every_sample_with_LeNet5s_recipe()
    {
        var a = TransferArguments.Parse([]);
        Assert.Equal(5, a.PretrainEpochs);
        Assert.Equal(3, a.Epochs);
        Assert.Null(a.TrainSamples);
        Assert.Null(a.Pretrained);
        Assert.Null(a.BatchSize);
        Assert.Null(a.LearningRate);
        Assert.Equal("out", a.OutputDirectory);
        Assert.True(TransferArguments.Parse(["-h"]).Help);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be positive")]
    [InlineData("--pretrain-epochs", "two", "--pretrain-epochs takes an integer")]
    [InlineData("--train-samples", "-5", "--train-samples must be positive")]
    [InlineData("--lr", "Infinity", "--lr takes a finite non-negative number")]
    [InlineData("--threads", "0", "--threads must be from 1 to 256")]
    [InlineData("--network", "LeNet5", "Unknown option '--network'")]
    public void Bad_values_are_named(string option, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => TransferArguments.Parse([option, value]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_value_is_named() =>
        Assert.Contains("--pretrained needs a value, not the option '--epochs'",
            Assert.Throws<ArgumentException>(() => TransferArguments.Parse(["--pretrained", "--epochs", "1"])).Message);
}
