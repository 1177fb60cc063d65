using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NetCompiler.Tests.Eager;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>Backpropagation through time in generated code: for every cell and configuration of
/// <see cref="RecurrentGradientCases"/>, a network whose output is the layer's output, h_n and c_n flattened, from initial
/// states given as network inputs, and whose loss is a weighted sum of the output (the weights are the target), is
/// compiled in-test; its <c>Infer</c> gives the float64 reference's values and its parameter gradients agree with
/// central finite differences of the reference.</summary>
public class RecurrentCompiledGradientTests
{
    private const int Batch = 3;

    private static readonly Lazy<GeneratorRun> Networks = new(() =>
    {
        var source = new StringBuilder("using NetCompiler;\nusing static NetCompiler.Ops;\nnamespace RecurrentGradientCases;\n");
        foreach (var (cell, configuration, steps) in RecurrentGradientCases.All())
            source.Append(Definition(cell, configuration, steps));
        var run = GeneratorHarness.Run(source.ToString());
        run.AssertNoErrors();
        return run;
    });

    private static string Name(RecurrentCell cell, string configuration, int steps) =>
        $"{cell}{Array.IndexOf(RecurrentGradientCases.Configurations, configuration)}T{steps}";

    /// <summary>The network of one case: <c>Forward(x[, h0[, c0]])</c> returns [output, h_n(, c_n)] flattened.</summary>
    private static string Definition(RecurrentCell cell, string configuration, int steps)
    {
        var (spec, states) = RecurrentGradientCases.Of(cell, configuration);
        bool lstm = cell == RecurrentCell.Lstm;
        string inputs = $"[Shape({steps}, {spec.Input})] Tensor x";
        string call = "rnn.Forward(x)";
        if (states)
        {
            inputs += $", [Shape({spec.States}, {spec.Hidden})] Tensor h0";
            call = "rnn.Forward(x, h0)";
            if (lstm) { inputs += $", [Shape({spec.States}, {spec.Hidden})] Tensor c0"; call = "rnn.Forward(x, h0, c0)"; }
        }
        int size = steps * spec.Directions * spec.Hidden + (lstm ? 2 : 1) * spec.States * spec.Hidden;
        string result = lstm
            ? "var (y, h, c) = " + call + ";\n        return Concat(Concat(Reshape(y, -1), Reshape(h, -1), 0), Reshape(c, -1), 0);"
            : "var (y, h) = " + call + ";\n        return Concat(Reshape(y, -1), Reshape(h, -1), 0);";
        return $$"""

            [Network]
            public partial class {{Name(cell, configuration, steps)}}
            {
                {{spec.Field("rnn")}}
                [Forward] Tensor Forward({{inputs}})
                {
                    {{result}}
                }
                [Loss] static Tensor Loss(Tensor y, [Shape({{size}})] Tensor w) => Sum(y * w);
            }

            """;
    }

    public static TheoryData<RecurrentCell, string, int> Cases() => RecurrentGradientCases.Data();

    [Theory, MemberData(nameof(Cases))]
    public void Compiled_layer_matches_the_float64_reference_and_its_finite_differences(RecurrentCell cell, string configuration, int steps)
    {
        var (spec, states) = RecurrentGradientCases.Of(cell, configuration);
        string what = $"compiled {spec}, T = {steps}";
        var net = Networks.Value.Create("RecurrentGradientCases." + Name(cell, configuration, steps), seed: steps + (int)cell);
        bool lstm = cell == RecurrentCell.Lstm;
        var rng = new Random(steps * 17 + (int)cell);
        int inputSize = net.InputShape.Aggregate(1, (a, b) => a * b), outputSize = net.OutputShape[0];
        var x = Enumerable.Range(0, Batch * inputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var w = Enumerable.Range(0, Batch * outputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var xd = Array.ConvertAll(x, v => (double)v);
        var parameters = ReferenceGradient.Parameters(net.Parameters, "rnn.");
        Assert.Equal(spec.Parameters().Count(), parameters.Count);

        // Each sample's flat input holds x [T, I], then h0 and c0 [Layers D, H] when they are inputs.
        int sequence = steps * spec.Input, state = spec.States * spec.Hidden;
        RecurrentReference.Result Reference(int s) => RecurrentReference.Forward(spec, parameters, xd[(s * inputSize)..(s * inputSize + sequence)], steps,
            states ? xd[(s * inputSize + sequence)..(s * inputSize + sequence + state)] : null,
            states && lstm ? xd[(s * inputSize + sequence + state)..(s * inputSize + sequence + 2 * state)] : null);

        var y = new float[Batch * outputSize];
        net.Infer(x, y, Batch);
        for (int s = 0; s < Batch; s++)
        {
            var expected = Reference(s).All();
            Assert.Equal(outputSize, expected.Length);
            for (int i = 0; i < outputSize; i++)
                Assert.True(Math.Abs(y[s * outputSize + i] - expected[i]) <= GradCheck.ForwardTolerance * Math.Max(1, Math.Abs(expected[i])),
                    $"{what}: sample {s}, output element {i} is {y[s * outputSize + i]:R}, reference {expected[i]:R}");
        }

        double Objective()
        {
            double sum = 0;
            for (int s = 0; s < Batch; s++)
            {
                var all = Reference(s).All();
                for (int i = 0; i < all.Length; i++) sum += w[s * outputSize + i] * all[i];
            }
            return sum / Batch;
        }
        float loss = net.ComputeGradients(x, w, Batch);
        Assert.True(Math.Abs(loss - Objective()) <= GradCheck.ForwardTolerance * Math.Max(1, Math.Abs(Objective())), $"{what}: loss {loss}, reference {Objective()}");
        foreach (var (name, values) in parameters)
            ReferenceGradient.AssertClose(ReferenceGradient.Of(values, Objective), net.Parameters.GetGradients("rnn." + name), $"{what}: d loss / d {name}");
    }
}
