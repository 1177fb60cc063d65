using System;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Seeds;

/// <summary>Seed 000's worked example (000_df014767fe2796ea.txt): the values the lecture gives, reproduced to
/// 1e-6 by the compiled code and by the interpreted path.</summary>
public class Seed000Tests
{
    private static readonly float[] X = { 0.7f, 0.8f }, Y = { 1f };
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Paths => new() { "compiled", "interpreted" };

    private static float Gradients(Seed000Net net, string path) =>
        path == "compiled" ? net.ComputeGradients(X, Y, 1) : Interpreter.ComputeGradients(net, X, Y, 1);

    private static void Step(Seed000Net net, string path)
    {
        if (path == "compiled") net.TrainStep(X, Y, 1, 0.1f);
        else Interpreter.TrainStep(net, X, Y, 1, 0.1f);
    }

    [Theory, MemberData(nameof(Paths))]
    public void LossAndGradientsMatchTheLecture(string path)
    {
        var net = new Seed000Net();
        float loss = Gradients(net, path);
        Assert.Equal(0.494005, loss, Tolerance);
        AssertClose(new[] { -0.128871, -0.147281, -0.122709, -0.140239 }, net.Parameters.GetGradients("hidden.weight"));
        AssertClose(new[] { -0.184102, -0.175298 }, net.Parameters.GetGradients("hidden.bias"));
        AssertClose(new[] { -0.091801, -0.195114 }, net.Parameters.GetGradients("output.weight"));
        AssertClose(new[] { -0.389822 }, net.Parameters.GetGradients("output.bias"));
    }

    [Theory, MemberData(nameof(Paths))]
    public void OneSgdStepMatchesTheLecture(string path)
    {
        var net = new Seed000Net();
        Step(net, path);
        AssertClose(new[] { 0.112887, 0.214728, 0.312271, 0.414024 }, net.Parameters.GetValues("hidden.weight"));
        AssertClose(new[] { 0.509180, 0.619511 }, net.Parameters.GetValues("output.weight"));
        AssertClose(new[] { 0.068982 }, net.Parameters.GetValues("output.bias"));
        // b1 is not printed in the lecture; it follows from b1 - eta * db1.
        AssertClose(new[] { 0.01 + 0.1 * 0.184102, 0.02 + 0.1 * 0.175298 }, net.Parameters.GetValues("hidden.bias"));
    }

    [Fact]
    public void ForwardMatchesAFloat64Computation()
    {
        // h = tanh(W1 x + b1), y = sigmoid(W2 h + b2), computed here in double.
        double h0 = Math.Tanh(0.1 * 0.7 + 0.2 * 0.8 + 0.01), h1 = Math.Tanh(0.3 * 0.7 + 0.4 * 0.8 + 0.02);
        double y = 1 / (1 + Math.Exp(-(0.5 * h0 + 0.6 * h1 + 0.03)));
        var output = new float[1];
        new Seed000Net().Infer(X, output, 1);
        Assert.Equal(y, output[0], Tolerance);
        Assert.Equal(0.494005, -Math.Log(y), 1e-6);
    }

    internal static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]:F6}, got {actual[i]:F6}");
    }
}
