using System;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Definitions;

public class TrainArgumentsTests
{
    [Fact]
    public void Parses_every_option()
    {
        var a = TrainArguments.Parse([
            "--network", "WideMlpNet", "--epochs", "3", "--batch-size", "64", "--optimizer", "AdamW", "--lr", "0.002",
            "--momentum", "0.8", "--weight-decay", "0.01", "--moments", "BFloat16", "--clip-norm", "5", "--schedule", "cosine", "--warmup", "100",
            "--data", "/d", "--seed", "-4", "--threads", "1", "--output", "/o", "--resume", "/o/c.safetensors",
            "--no-compare", "--no-grad-norms"]);
        Assert.Equal("WideMlpNet", a.Network);
        Assert.Equal(3, a.Epochs);
        Assert.Equal(64, a.BatchSize);
        Assert.Equal("adamw", a.Optimizer);
        Assert.Equal(0.002f, a.LearningRate);
        Assert.Equal(0.8f, a.Momentum);
        Assert.Equal(0.01f, a.WeightDecay);
        Assert.Equal(StatePrecision.BFloat16, a.Moments);
        Assert.Equal(5f, a.ClipNorm);
        Assert.Equal("cosine", a.Schedule);
        Assert.Equal(100, a.WarmupSteps);
        Assert.Equal("/d", a.DataDirectory);
        Assert.Equal(-4, a.Seed);
        Assert.Equal("/o", a.OutputDirectory);
        Assert.Equal("/o/c.safetensors", a.Resume);
        Assert.False(a.CompareInterpreted);
        Assert.False(a.ShowGradientNorms);
        Assert.False(a.Help);
    }

    [Fact]
    public void Defaults_leave_the_recipe_in_charge()
    {
        var a = TrainArguments.Parse([]);
        Assert.Null(a.Epochs);
        Assert.Null(a.BatchSize);
        Assert.Null(a.Optimizer);
        Assert.Null(a.LearningRate);
        Assert.Null(a.Schedule);
        Assert.Equal(StatePrecision.Float32, a.Moments);
        Assert.True(a.CompareInterpreted);
        Assert.True(TrainArguments.Parse(["--help"]).Help);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be positive")]
    [InlineData("--epochs", "x", "--epochs takes an integer")]
    [InlineData("--lr", "-1", "--lr takes a finite non-negative number")]
    [InlineData("--lr", "NaN", "--lr takes a finite non-negative number")]
    [InlineData("--schedule", "linear", "--schedule must be one of constant, step, cosine; not 'linear'")]
    [InlineData("--optimizer", "rmsprop", "--optimizer must be one of sgd, momentum, nesterov, adam, adamw; not 'rmsprop'")]
    [InlineData("--momentum", "1.5", "--momentum must be at least 0 and below 1")]
    [InlineData("--threads", "257", "--threads must be from 1 to 256")]
    [InlineData("--bogus", "1", "Unknown option '--bogus'")]
    [InlineData("--moments", "fp8", "--moments must be one of float32, bfloat16; not 'fp8'")]
    public void Bad_values_are_named(string option, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => TrainArguments.Parse([option, value]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_value_is_named() =>
        Assert.Contains("--epochs needs a value", Assert.Throws<ArgumentException>(() => TrainArguments.Parse(["--epochs"])).Message);
}
