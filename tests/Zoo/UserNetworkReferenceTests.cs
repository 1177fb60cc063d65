using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Zoo;

/// <summary><see cref="UserTokenNet"/>, a network with every layer of a Transformer classifier, against its float64
/// reference <see cref="UserTokenNetReference"/>: the compiled training pass (loss, every gradient, running statistics,
/// random step), the interpreter, the inference form (no dropout, running statistics), training and checkpoints.</summary>
public class UserNetworkReferenceTests(ITestOutputHelper output)
{
    private const int T = UserTokenNet.T, InputSize = 2 * T;

    /// <summary>Float32 against float64: each float32 op rounds its result to about 6e-8 (eps) of its size, so a result
    /// is known to a few eps of the size of what it was computed from, not of itself: a gradient is a sum over the
    /// batch and over paths whose terms can cancel (a bias of the head gets the batch mean of softmax - onehot, 1e-3
    /// out of terms adding up to 0.5). For a gradient that scale is the sum of its terms' magnitudes, which the
    /// reference computes (<see cref="Scalar.GradMagnitude"/>); for the loss, the running statistics and the logits
    /// it is the largest magnitude in the tensor. Both are at least |reference|. Measured worst error: 2.4e-7 of the
    /// scale (4 eps) in the three ISA modes; the bound, 2e-6 (about 30 eps), leaves a margin of 8 and still rejects a
    /// wrong mask, statistic or missing term, which move results by percents.</summary>
    private const double Tolerance = 2e-6;

    [Theory]
    [InlineData(6)]
    [InlineData(40)]   // more than a 32-sample tile: BatchNorm makes the whole batch one tile
    public void Compiled_training_pass_matches_the_float64_reference(int batch)
    {
        var net = new UserTokenNet(seed: 3);
        WarmUp(net);   // parameters, running statistics and the random step away from their initial values
        var (x, t) = Data(batch, new Rng(21));
        long step = net.Parameters.RandomStep;
        var expected = UserTokenNetReference.Train(net.Parameters, x, t, batch);

        float loss = net.ComputeGradients(x, t, batch);

        AssertTrainingPass(expected, net, loss, step, $"compiled, batch {batch}");
    }

    [Theory]
    [InlineData(6)]
    [InlineData(40)]
    public void Interpreter_matches_the_float64_reference_as_the_compiled_pass_does(int batch)
    {
        var compiled = new UserTokenNet(seed: 5);
        var interpreted = new UserTokenNet(seed: 5);
        var (x, t) = Data(batch, new Rng(22));
        var expected = UserTokenNetReference.Train(compiled.Parameters, x, t, batch);

        float compiledLoss = compiled.ComputeGradients(x, t, batch);
        float interpretedLoss = Interpreter.ComputeGradients(interpreted, x, t, batch);

        // Both against the reference, rather than one against the other within 1e-5 of the largest gradient
        // (CompiledVsInterpretedTests.AssertSameAsInterpreter): they round a cancelling sum each its own way (the head's
        // bias gradients here), which only the reference's magnitudes measure.
        AssertTrainingPass(expected, compiled, compiledLoss, 0, $"compiled, batch {batch}");
        AssertTrainingPass(expected, interpreted, interpretedLoss, 0, $"interpreted, batch {batch}");
    }

    [Fact]
    public void Infer_ignores_dropout_and_uses_the_running_statistics()
    {
        var net = new UserTokenNet(seed: 6);
        WarmUp(net);
        Assert.Contains(net.Parameters.GetBuffer("pooledNorm.running_mean").ToArray(), v => v != 0f);
        Assert.Contains(net.Parameters.GetBuffer("pooledNorm.running_var").ToArray(), v => v != 1f);
        const int batch = 40;
        var (x, _) = Data(batch, new Rng(23));
        var expected = UserTokenNetReference.Infer(net.Parameters, x, batch);
        var buffers = net.Parameters.Buffers.ToArray();
        long step = net.Parameters.RandomStep;

        var y = Infer(net, x, batch);
        double worst = Check(expected, null, y, "compiled Infer");
        var interpreted = new float[y.Length];
        Interpreter.Infer(net, x, interpreted, batch);
        worst = Math.Max(worst, Check(expected, null, interpreted, "Interpreter.Infer"));
        Assert.Equal(FloatBits.Of(y), FloatBits.Of(Infer(net, x, batch)));
        net.Parameters.RandomStep += 1000;   // another step's masks, were any drawn
        Assert.Equal(FloatBits.Of(y), FloatBits.Of(Infer(net, x, batch)));
        Assert.Equal(step + 1000, net.Parameters.RandomStep);
        Assert.Equal(FloatBits.Of(buffers), FloatBits.Of(net.Parameters.Buffers));
        output.WriteLine($"worst |Infer - reference| / largest |reference| {worst:G3}");
    }

    [Fact]
    public void Learns_whether_token_3_occurs()
    {
        var net = new UserTokenNet(seed: 7);
        const int batch = 64;
        var rng = new Rng(24);
        var (x, _) = Data(batch, rng);
        var t = Enumerable.Range(0, batch).Select(s => x.AsSpan(s * InputSize, T).Contains(3f) ? 1f : 0f).ToArray();
        Assert.InRange(t.Sum(), 10, 54);   // both classes present
        double before = InferenceLoss(net, x, t, batch);
        var adam = new Adam(1e-2f);
        for (int i = 0; i < 40; i++) net.TrainStep(x, t, batch, adam);
        double after = InferenceLoss(net, x, t, batch);
        output.WriteLine($"inference loss {before:G4} -> {after:G4}");
        Assert.True(after < 0.3 * before, $"inference loss {before} -> {after}");
    }

    [Fact]
    public void Checkpoint_round_trips_parameters_buffers_and_the_random_step()
    {
        using var directory = new TempDirectory();
        var net = new UserTokenNet(seed: 8);
        WarmUp(net);
        var restored = new UserTokenNet(seed: 9);
        Assert.NotEqual(FloatBits.Of(net.Parameters.Buffers), FloatBits.Of(restored.Parameters.Buffers));
        string path = directory.File("user.safetensors");

        Checkpoint.Save(path, net);
        Checkpoint.Load(path, restored);

        Assert.Equal(FloatBits.Of(net.Parameters.Values), FloatBits.Of(restored.Parameters.Values));
        Assert.Equal(FloatBits.Of(net.Parameters.Buffers), FloatBits.Of(restored.Parameters.Buffers));
        Assert.Equal(net.Parameters.RandomStep, restored.Parameters.RandomStep);
        var (x, _) = Data(10, new Rng(25));
        Assert.Equal(FloatBits.Of(Infer(net, x, 10)), FloatBits.Of(Infer(restored, x, 10)));
    }

    /// <summary>Three Adam steps on a batch of 16: the running statistics move and <c>RandomStep</c> becomes 3.</summary>
    private static void WarmUp(UserTokenNet net)
    {
        var (x, t) = Data(16, new Rng(20));
        var adam = new Adam(1e-2f);
        for (int i = 0; i < 3; i++) net.TrainStep(x, t, 16, adam);
        Assert.Equal(3, net.Parameters.RandomStep);
    }

    /// <summary>Random token ids with positions 0..T-1 (each sample: ids, then positions) and random class indices.</summary>
    private static (float[] Inputs, float[] Labels) Data(int batch, Rng rng)
    {
        var x = new float[batch * InputSize];
        for (int s = 0; s < batch; s++)
            for (int i = 0; i < T; i++) { x[s * InputSize + i] = rng.NextInt(UserTokenNet.Vocabulary); x[s * InputSize + T + i] = i; }
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(UserTokenNet.Classes)).ToArray();
        return (x, t);
    }

    private static float[] Infer(UserTokenNet net, float[] x, int batch)
    {
        var y = new float[batch * UserTokenNet.Classes];
        net.Infer(x, y, batch);
        return y;
    }

    // The batch-mean cross-entropy of Infer's logits, in double: the inference form, so no dropout noise.
    private static double InferenceLoss(UserTokenNet net, float[] x, float[] t, int batch)
    {
        var y = Infer(net, x, batch);
        double total = 0;
        for (int s = 0; s < batch; s++)
        {
            var logits = y.AsSpan(s * UserTokenNet.Classes, UserTokenNet.Classes).ToArray();
            double max = logits.Max();
            total += max + Math.Log(logits.Sum(l => Math.Exp(l - max))) - logits[(int)t[s]];
        }
        return total / batch;
    }

    /// <summary>Asserts that <paramref name="net"/>'s pass from random step <paramref name="step"/> gave
    /// <paramref name="expected"/>'s loss, gradients (each nonzero somewhere: one that never flows would agree
    /// trivially) and running statistics, and moved the random step on by one; reports the worst errors.</summary>
    private void AssertTrainingPass(UserTokenNetReference.TrainingPass expected, UserTokenNet net, float loss, long step, string what)
    {
        double worst = Check([expected.Loss], null, [loss], what + ": loss"), worstGradient = 0;
        foreach (var p in net.Parameters.Layout)
        {
            var g = net.Parameters.GetGradients(p.Name).ToArray();
            Assert.True(g.Any(v => v != 0f), $"{what}: d loss / d {p.Name} is zero everywhere");
            worstGradient = Math.Max(worstGradient, Check(expected.Gradients[p.Name], expected.Magnitudes[p.Name], g, $"{what}: d loss / d {p.Name}"));
        }
        worst = Math.Max(worst, Check(expected.RunningMean, null, net.Parameters.GetBuffer("pooledNorm.running_mean").ToArray(), what + ": running_mean"));
        worst = Math.Max(worst, Check(expected.RunningVar, null, net.Parameters.GetBuffer("pooledNorm.running_var").ToArray(), what + ": running_var"));
        Assert.Equal(step + 1, net.Parameters.RandomStep);
        output.WriteLine($"{what}: loss {loss}; worst error / scale: gradients {worstGradient:G3}, loss and running statistics {worst:G3}");
    }

    /// <summary>Asserts <paramref name="actual"/> within <c>Tolerance scale</c> of <paramref name="expected"/>, the scale
    /// being each element's <paramref name="magnitudes"/> or else the largest |expected|, and returns the worst
    /// |actual - expected| / scale.</summary>
    private static double Check(double[] expected, double[]? magnitudes, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = magnitudes?[i] ?? largest, error = Math.Abs(actual[i] - expected[i]), tolerance = Tolerance * scale;
            Assert.True(error <= tolerance, $"{what}[{i}]: reference {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance:G3})");
            if (scale > 0) worst = Math.Max(worst, error / scale);   // scale 0: an unused embedding row, exactly 0
        }
        return worst;
    }
}
