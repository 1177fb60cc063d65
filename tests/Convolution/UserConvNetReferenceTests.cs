using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Convolution;

/// <summary><see cref="UserConvNet"/>, a convolutional network a user would write, against its float64 reference
/// <see cref="UserConvNetReference"/>: the compiled training pass (loss, every gradient, running statistics) over a
/// batch below and above a tile, the interpreter's, and the inference form. CI runs it in the three ISA modes.</summary>
public class UserConvNetReferenceTests(ITestOutputHelper output)
{
    private const int InputSize = UserConvNet.C * UserConvNet.H * UserConvNet.W;

    /// <summary>Float32 against float64, each tensor (a gradient, the logits, the running statistics) within this much of
    /// its largest |reference|. Not of each element's own size: the float32 forward rounds an activation to eps of the
    /// sum of its terms' magnitudes (a convolution output sums 72 products that can cancel), and that error reaches the
    /// gradients read from it. Measured worst: 6.7e-7 (the three ISA modes); the bound, 5e-6, still rejects a wrong tap,
    /// window or statistic, which moves results by percents of the largest.</summary>
    private const double Tolerance = 5e-6;

    [Theory]
    [InlineData(6)]
    [InlineData(34)]   // more than a 32-sample tile: BatchNorm2D makes the whole batch one tile
    public void Compiled_training_pass_matches_the_float64_reference(int batch)
    {
        var net = new UserConvNet(seed: 3);
        WarmUp(net);   // parameters and running statistics away from their initial values
        var (x, t) = Data(batch, new Rng(31));
        var expected = UserConvNetReference.Train(net.Parameters, x, t, batch);

        float loss = net.ComputeGradients(x, t, batch);

        AssertTrainingPass(expected, net, loss, $"compiled, batch {batch}");
    }

    [Fact]
    public void Interpreter_matches_the_float64_reference_as_the_compiled_pass_does()
    {
        var net = new UserConvNet(seed: 4);
        WarmUp(net);
        var (x, t) = Data(7, new Rng(32));
        var expected = UserConvNetReference.Train(net.Parameters, x, t, 7);

        float loss = Interpreter.ComputeGradients(net, x, t, 7);

        AssertTrainingPass(expected, net, loss, "interpreted, batch 7");
    }

    [Fact]
    public void Infer_uses_the_running_statistics()
    {
        var net = new UserConvNet(seed: 5);
        WarmUp(net);
        Assert.Contains(net.Parameters.GetBuffer("stemNorm.running_mean").ToArray(), v => v != 0f);
        Assert.Contains(net.Parameters.GetBuffer("stemNorm.running_var").ToArray(), v => v != 1f);
        const int batch = 5;
        var (x, _) = Data(batch, new Rng(33));
        var expected = UserConvNetReference.Infer(net.Parameters, x, batch);
        var buffers = net.Parameters.Buffers.ToArray();

        var y = new float[batch * UserConvNet.Classes];
        net.Infer(x, y, batch);
        var interpreted = new float[y.Length];
        Interpreter.Infer(net, x, interpreted, batch);

        double worst = Math.Max(Check(expected, y, "compiled Infer"), Check(expected, interpreted, "Interpreter.Infer"));
        Assert.Equal(FloatBits.Of(buffers), FloatBits.Of(net.Parameters.Buffers));
        output.WriteLine($"worst |Infer - reference| / largest |reference| {worst:G3}");
    }

    /// <summary>Three SGD steps with momentum on a batch of 16: the parameters and running statistics move.</summary>
    private static void WarmUp(UserConvNet net)
    {
        var (x, t) = Data(16, new Rng(30));
        var sgd = new Sgd(0.05f, momentum: 0.9f);
        for (int i = 0; i < 3; i++) net.TrainStep(x, t, 16, sgd);
    }

    /// <summary>Images uniform in [-1, 1) and random class indices.</summary>
    private static (float[] Images, float[] Labels) Data(int batch, Rng rng)
    {
        var x = Enumerable.Range(0, batch * InputSize).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(UserConvNet.Classes)).ToArray();
        return (x, t);
    }

    /// <summary>Asserts <paramref name="net"/>'s pass gave <paramref name="expected"/>'s loss, gradients (each nonzero
    /// somewhere: one that never flows would agree trivially) and running statistics; reports the worst errors.</summary>
    private void AssertTrainingPass(UserConvNetReference.TrainingPass expected, UserConvNet net, float loss, string what)
    {
        double worst = Check([expected.Loss], [loss], what + ": loss"), worstGradient = 0;
        foreach (var p in net.Parameters.Layout)
        {
            var g = net.Parameters.GetGradients(p.Name).ToArray();
            Assert.True(g.Any(v => v != 0f), $"{what}: d loss / d {p.Name} is zero everywhere");
            worstGradient = Math.Max(worstGradient, Check(expected.Gradients[p.Name], g, $"{what}: d loss / d {p.Name}"));
        }
        worst = Math.Max(worst, Check(expected.RunningMean, net.Parameters.GetBuffer("stemNorm.running_mean").ToArray(), what + ": running_mean"));
        worst = Math.Max(worst, Check(expected.RunningVar, net.Parameters.GetBuffer("stemNorm.running_var").ToArray(), what + ": running_var"));
        output.WriteLine($"{what}: loss {loss}; worst error / scale: gradients {worstGradient:G3}, loss and running statistics {worst:G3}");
    }

    /// <summary>Asserts <paramref name="actual"/> within <see cref="Tolerance"/> of the largest |expected| of
    /// <paramref name="expected"/>, and returns the worst |actual - expected| / that.</summary>
    private static double Check(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= Tolerance * largest, $"{what}[{i}]: reference {expected[i]:G9}, got {actual[i]:G9} (tolerance {Tolerance * largest:G3})");
            worst = Math.Max(worst, error / largest);
        }
        return worst;
    }
}
