using System;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Seeds;

/// <summary>Seed 002's worked examples and exercises (002_90f890f8c8ced142.repaired.txt).</summary>
public class Seed002Tests
{
    public static TheoryData<string> Paths => new() { "compiled", "interpreted" };

    private static float Gradients(INetwork net, float[] x, float[] t, string path) =>
        path == "compiled" ? net.ComputeGradients(x, t, 1) : Interpreter.ComputeGradients(net, x, t, 1);

    [Theory, MemberData(nameof(Paths))]
    public void Section346TwoLayerSigmoidChain(string path)
    {
        // x = 2, t = 1, w1 = w2 = 0.5: L = 0.083895, dL/dw2 = -0.072418, dL/dw1 = -0.019476.
        var net = new Seed002ChainNet();
        float loss = Gradients(net, new[] { 2f }, new[] { 1f }, path);
        Assert.Equal(0.083895, loss, 1e-6);
        Assert.Equal(-0.072418, net.Parameters.GetGradients("w2")[0], 1e-6);
        Assert.Equal(-0.019476, net.Parameters.GetGradients("w1")[0], 1e-6);
        if (path == "compiled") net.TrainStep(new[] { 2f }, new[] { 1f }, 1, 0.1f);
        else Interpreter.TrainStep(net, new[] { 2f }, new[] { 1f }, 1, 0.1f);
        Assert.Equal(0.501948, net.Parameters.GetValues("w1")[0], 1e-6);
        Assert.Equal(0.507242, net.Parameters.GetValues("w2")[0], 1e-6);
    }

    [Theory, MemberData(nameof(Paths))]
    public void Exercise3IdentityChain(string path)
    {
        // x = 2, t = 5, w1 = w2 = 1: L = 4.5, dL/dw1 = -6 (and dL/dw2 = -6 as well: a1 = 2).
        var net = new Seed002IdentityChainNet();
        float loss = Gradients(net, new[] { 2f }, new[] { 5f }, path);
        Assert.Equal(4.5, loss, 1e-6);
        Assert.Equal(-6.0, net.Parameters.GetGradients("w1")[0], 1e-6);
        Assert.Equal(-6.0, net.Parameters.GetGradients("w2")[0], 1e-6);
    }

    [Theory, MemberData(nameof(Paths))]
    public void Exercise4VanishingGradientRatio(string path)
    {
        // Every pre-activation is 0, so each layer scales the backward signal by s'(0) = 1/4:
        // the first layer's gradient is (1/4)^9 = 3.8e-6 of the tenth's.
        var net = new Seed002DeepSigmoidNet();
        Gradients(net, new[] { 0.5f }, new[] { 1f }, path);
        double first = net.Parameters.GetGradients("layers.0.bias")[0];
        double last = net.Parameters.GetGradients("layers.9.bias")[0];
        double expected = Math.Pow(0.25, 9);
        Assert.Equal(3.8e-6, expected, 1e-7); // the exercise's rounded answer
        Assert.True(Math.Abs(first / last - expected) <= 1e-4 * expected, $"ratio {first / last:E6}, expected {expected:E6}");
    }

    [Fact]
    public void XorIsLearnedToFullAccuracyFromASeededStart()
    {
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 }, t = { 0, 1, 1, 0 };
        var net = new XorNet(seed: 1);
        float first = net.ComputeGradients(x, t, 4), loss = first;
        for (int step = 0; step < 3000; step++) loss = net.TrainStep(x, t, 4, 1.0f);
        var y = new float[4];
        net.Infer(x, y, 4);
        for (int i = 0; i < 4; i++) Assert.True((y[i] > 0.5f) == (t[i] == 1f), $"sample {i}: output {y[i]} for target {t[i]} (loss {first} -> {loss})");
        Assert.True(loss < 0.1f, $"loss {loss}");
    }

    [Fact]
    public void StepUnitsComputeXor()
    {
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        var y = new float[4];
        new StepXorNet().Infer(x, y, 4);
        Assert.Equal(new float[] { 0, 1, 1, 0 }, y);
    }

    [Fact]
    public void PerceptronRuleConvergesOnAnd()
    {
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 }, t = { 0, 0, 0, 1 };
        var net = new PerceptronNet();
        int epochs = PerceptronRule.Train(net, x, t, eta: 0.1f, maxEpochs: 100);
        Assert.InRange(epochs, 1, 100);
        var y = new float[4];
        net.Infer(x, y, 4);
        Assert.Equal(t, y);
    }
}
