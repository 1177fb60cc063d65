using System;
using System.Linq;
using NetCompiler;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Eager;

/// <summary>A hand-written <see cref="INetwork"/> (what the generator will emit for the 2-2-1 seed network):
/// Sigmoid(output(Tanh(hidden(x)))) with binary cross-entropy, run through the <see cref="Interpreter"/>.</summary>
internal sealed class SeedNet : INetwork
{
    private readonly Dense _hidden, _output;

    public SeedNet()
    {
        Parameters = new ParameterStore(new[]
        {
            new ParameterInfo("hidden.weight", 0, [2, 2]),
            new ParameterInfo("hidden.bias", 4, [2]),
            new ParameterInfo("output.weight", 6, [1, 2]),
            new ParameterInfo("output.bias", 8, [1]),
        });
        // The worked example of seed 000.
        new[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.01f, 0.02f, 0.5f, 0.6f, 0.03f }.CopyTo(Parameters.Values, 0);
        _hidden = new Dense(Parameters["hidden.weight"], Parameters["hidden.bias"]);
        _output = new Dense(Parameters["output.weight"], Parameters["output.bias"]);
    }

    public Func<Tensor, Tensor, Tensor> Loss { get; set; } = BinaryCrossEntropy;
    public ParameterStore Parameters { get; }
    public int[] InputShape => [2];
    public System.Collections.Generic.IReadOnlyList<NetworkInput> Inputs => [new("x", [2], InputKind.Values, 0)];
    public int[] OutputShape => [1];
    public int[] TargetShape => [1];

    public Tensor InterpretForward(System.Collections.Generic.IReadOnlyList<object> inputs) =>
        Sigmoid(_output.Forward(Tanh(_hidden.Forward((Tensor)inputs[0]))));
    public Tensor InterpretLoss(Tensor output, Tensor target) => Loss(output, target);

    public void Infer(ReadOnlySpan<float> inputs, Span<float> outputs, int batch) => Interpreter.Infer(this, inputs, outputs, batch);
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch) => Interpreter.ComputeGradients(this, inputs, targets, batch);
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float learningRate) => Interpreter.TrainStep(this, inputs, targets, batch, learningRate);
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, Optimizer optimizer) => Interpreter.TrainStep(this, inputs, targets, batch, optimizer);
    public INetwork CreateReplica() => throw new NotSupportedException("This hand-written test network has no replicas.");
}

public class InterpreterTests
{
    /// <summary>The seed's formulas in float64: output, loss and the gradient [dW1, db1, dW2, db2] for one sample.</summary>
    private static (double Y, double Loss, double[] Gradient) ByHand(double[] p, double x0, double x1, double t)
    {
        double a0 = p[0] * x0 + p[1] * x1 + p[4], a1 = p[2] * x0 + p[3] * x1 + p[5];
        double h0 = Math.Tanh(a0), h1 = Math.Tanh(a1);
        double y = 1 / (1 + Math.Exp(-(p[6] * h0 + p[7] * h1 + p[8])));
        double loss = -t * Math.Log(y) - (1 - t) * Math.Log(1 - y);
        double d2 = y - t;                                              // dL/d(output pre-activation)
        double d0 = p[6] * d2 * (1 - h0 * h0), d1 = p[7] * d2 * (1 - h1 * h1);
        return (y, loss, [d0 * x0, d0 * x1, d1 * x0, d1 * x1, d0, d1, d2 * h0, d2 * h1, d2]);
    }

    [Fact]
    public void SeedWorkedExampleGradientsMatchTheHandFormulas()
    {
        var net = new SeedNet();
        var p = net.Parameters.Values.Select(v => (double)v).ToArray();
        var (_, loss, gradient) = ByHand(p, 0.7f, 0.8f, 1);
        net.Parameters.Gradients.AsSpan().Fill(123f);      // overwritten, not accumulated
        float l = net.ComputeGradients([0.7f, 0.8f], [1f], 1);
        Assert.Equal(loss, l, 1e-6);
        for (int i = 0; i < gradient.Length; i++) Assert.Equal(gradient[i], net.Parameters.Gradients[i], 1e-6);
    }

    [Fact]
    public void BatchGradientIsTheMeanOfThePerSampleGradients()
    {
        var net = new SeedNet();
        var p = net.Parameters.Values.Select(v => (double)v).ToArray();
        float[] x = [0.7f, 0.8f, -1.2f, 0.3f, 2.0f, -0.5f];
        float[] t = [1f, 0f, 1f];
        double loss = 0;
        var expected = new double[9];
        for (int s = 0; s < 3; s++)
        {
            var (_, ls, g) = ByHand(p, x[2 * s], x[2 * s + 1], t[s]);
            loss += ls / 3;
            for (int i = 0; i < 9; i++) expected[i] += g[i] / 3;
        }
        float l = Interpreter.ComputeGradients(net, x, t, 3);
        Assert.Equal(loss, l, 1e-6);
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], net.Parameters.Gradients[i], 1e-6);
    }

    [Fact]
    public void InferMatchesTheForwardFormulaAndLeavesGradientsAlone()
    {
        var net = new SeedNet();
        var p = net.Parameters.Values.Select(v => (double)v).ToArray();
        float[] x = [0.7f, 0.8f, -1.2f, 0.3f];
        var y = new float[2];
        net.Parameters.Gradients.AsSpan().Fill(5f);
        net.Infer(x, y, 2);
        Assert.Equal(ByHand(p, x[0], x[1], 1).Y, y[0], 1e-6);
        Assert.Equal(ByHand(p, x[2], x[3], 1).Y, y[1], 1e-6);
        Assert.All(net.Parameters.Gradients, g => Assert.Equal(5f, g));
    }

    [Fact]
    public void TrainStepAppliesSgdAndReturnsTheLossBeforeTheUpdate()
    {
        var net = new SeedNet();
        var before = net.Parameters.Values.ToArray();
        float[] x = [0.7f, 0.8f], t = [1f];
        float expectedLoss = new SeedNet().ComputeGradients(x, t, 1);
        float l = net.TrainStep(x, t, 1, 0.5f);
        Assert.Equal(expectedLoss, l);
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(before[i] - 0.5f * net.Parameters.Gradients[i], net.Parameters.Values[i], 6);
        float previous = l;
        for (int step = 0; step < 20; step++) previous = net.TrainStep(x, t, 1, 0.5f);
        Assert.True(previous < l / 2, $"loss {l} -> {previous}");
    }

    [Fact]
    public void OnlyTheFirstBatchOfLongerBuffersIsUsed()
    {
        var net = new SeedNet();
        float a = Interpreter.ComputeGradients(net, [0.7f, 0.8f], [1f], 1);
        var ga = net.Parameters.Gradients.ToArray();
        float b = Interpreter.ComputeGradients(net, [0.7f, 0.8f, 9f, 9f], [1f, 0f], 1);
        Assert.Equal(a, b);
        Assert.Equal(ga, net.Parameters.Gradients);
        var y = new[] { -1f, -1f };
        Interpreter.Infer(net, [0.7f, 0.8f, 9f, 9f], y, 1);
        Assert.Equal(-1f, y[1]);
    }

    [Fact]
    public void ArgumentsAreValidatedWithClearMessages()
    {
        var net = new SeedNet();
        var ex = Assert.Throws<ArgumentException>(() => Interpreter.ComputeGradients(net, [0.7f, 0.8f, 0.1f], [1f, 0f], 2));
        Assert.Contains("inputs holds 3 values", ex.Message);
        Assert.Contains("batch 2 of [2] needs 4", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Interpreter.ComputeGradients(net, [0.7f, 0.8f], [], 1));
        Assert.Contains("targets holds 0 values", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Interpreter.Infer(net, [0.7f, 0.8f], new float[0], 1));
        Assert.Contains("outputs", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Interpreter.TrainStep(net, [0.7f, 0.8f], [1f], 0, 0.1f));
        Assert.Throws<ArgumentNullException>(() => Interpreter.Infer(null!, [0.7f, 0.8f], new float[1], 1));

        // A loss that is not one value per sample.
        net.Loss = (y, t) => y - t + Tensor.Constant([0f, 0f], 2, 1);
        ex = Assert.Throws<ArgumentException>(() => Interpreter.ComputeGradients(net, [0.7f, 0.8f], [1f], 1));
        Assert.Contains("one value per sample", ex.Message);
        Assert.Contains("[2, 1]", ex.Message);
    }

    [Fact]
    public void MeanSquaredErrorLossWithPerSampleShapeOne()
    {
        // A loss of shape [1] per sample is accepted too.
        var net = new SeedNet { Loss = (y, t) => (y - t) * (y - t) };
        var p = net.Parameters.Values.Select(v => (double)v).ToArray();
        var (y, _, g) = ByHand(p, 0.7, 0.8, 1);
        float l = net.ComputeGradients([0.7f, 0.8f], [1f], 1);
        Assert.Equal((y - 1) * (y - 1), l, 1e-6);
        // d/da2 of (y - 1)^2 = 2 (y - 1) y (1 - y); the hand gradient is for d/da2 = y - 1.
        double factor = 2 * y * (1 - y);
        for (int i = 0; i < 9; i++) Assert.Equal(g[i] * factor, net.Parameters.Gradients[i], 1e-6);
    }
}
