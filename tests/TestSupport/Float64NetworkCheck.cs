using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Checks a network against a float64 reference written with <see cref="Scalar"/>: the reference gets the
/// network's parameter values (after <see cref="PerturbParameters"/> has loaded non-trivial ones: biases nonzero,
/// LayerNorm weights away from 1) and one sample's inputs and targets, and returns that sample's outputs and loss; the
/// check compares the network's <c>Infer</c> outputs, its batch-mean loss and every parameter's gradient, compiled and
/// interpreted. Scales: outputs and the loss against their largest magnitude; a gradient against the sum of its
/// chain-rule terms' magnitudes (<see cref="Scalar.GradMagnitude"/>), since float32 rounds each term, and a gradient
/// that is mathematically 0 (a key bias under softmax) is rounding noise of that size.</summary>
internal static class Float64NetworkCheck
{
    /// <summary>One sample of the reference: its outputs (as <c>Infer</c> lays them out) and its loss.</summary>
    public delegate (Scalar[] Outputs, Scalar Loss) SampleReference(IReadOnlyDictionary<string, Scalar[]> parameters, float[] inputs, float[] targets);

    /// <summary>Loads each parameter's initial value plus uniform noise in [-<paramref name="noise"/>, <paramref name="noise"/>).</summary>
    public static void PerturbParameters(INetwork net, int seed, float noise = 0.1f)
    {
        var rng = new Random(seed);
        var values = new Dictionary<string, float[]>();
        foreach (var p in net.Parameters.Layout)
            values[p.Name] = net.Parameters.GetValues(p.Name).ToArray().Select(v => v + (float)((rng.NextDouble() * 2 - 1) * noise)).ToArray();
        net.Parameters.Load(values);
    }

    /// <summary>The compiled <paramref name="net"/> and the interpreter running it agree with <paramref name="reference"/>
    /// over <paramref name="batch"/> samples within <paramref name="tolerance"/> of each scale; returns the worst
    /// error / scale seen.</summary>
    public static double AssertMatchesReference(INetwork net, SampleReference reference, float[] inputs, float[] targets, int batch, double tolerance)
    {
        int inputSize = Size(net.InputShape), outputSize = Size(net.OutputShape), targetSize = Size(net.TargetShape);
        var parameters = net.Parameters.Layout.ToDictionary(p => p.Name,
            p => net.Parameters.GetValues(p.Name).ToArray().Select(v => new Scalar(v)).ToArray());
        var outputs = new List<double>();
        var losses = new Scalar[batch];
        for (int s = 0; s < batch; s++)
        {
            var (y, loss) = reference(parameters, inputs[(s * inputSize)..((s + 1) * inputSize)], targets[(s * targetSize)..((s + 1) * targetSize)]);
            Assert.Equal(outputSize, y.Length);
            outputs.AddRange(y.Select(v => v.Value));
            losses[s] = loss;
        }
        var total = Scalar.Sum(losses) / batch;
        total.Backward();

        double worst = 0;
        foreach (bool compiled in new[] { true, false })
        {
            string path = compiled ? "compiled" : "interpreted";
            var y = new float[batch * outputSize];
            if (compiled) net.Infer(inputs, y, batch); else Interpreter.Infer(net, inputs, y, batch);
            worst = Math.Max(worst, Check(outputs.ToArray(), null, y, $"{path} outputs", tolerance));
            float loss = compiled ? net.ComputeGradients(inputs, targets, batch) : Interpreter.ComputeGradients(net, inputs, targets, batch);
            worst = Math.Max(worst, Check([total.Value], null, [loss], $"{path} loss", tolerance));
            foreach (var p in net.Parameters.Layout)
            {
                var g = net.Parameters.GetGradients(p.Name).ToArray();
                Assert.True(g.Any(v => v != 0f), $"{path}: d loss / d {p.Name} is zero everywhere");
                var expected = parameters[p.Name];
                worst = Math.Max(worst, Check(expected.Select(v => v.Grad).ToArray(), expected.Select(v => v.GradMagnitude).ToArray(), g,
                    $"{path}: d loss / d {p.Name}", tolerance));
            }
        }
        return worst;
    }

    /// <summary>Asserts <paramref name="actual"/> within <c>tolerance scale</c> of <paramref name="expected"/>, the scale
    /// being each element's <paramref name="magnitudes"/> or else the largest |expected|; returns the worst error / scale.</summary>
    private static double Check(double[] expected, double[]? magnitudes, float[] actual, string what, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = magnitudes?[i] ?? largest, error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= tolerance * scale, $"{what}[{i}]: reference {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance * scale:G3})");
            if (scale > 0) worst = Math.Max(worst, error / scale);   // scale 0: a parameter this batch never reads
        }
        return worst;
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
