using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>Backpropagation through time on the eager path: the layers <see cref="Rnn"/> (tanh and relu),
/// <see cref="Lstm"/> and <see cref="Gru"/> (one layer, bidirectional, stacked, without biases, from initial states,
/// T = 1 and 7) give the float64 reference's output, h_n and c_n, and the gradients of a random weighted sum of them
/// with respect to every parameter, the input sequence and the initial states agree with central finite differences of
/// the reference.</summary>
public class RecurrentEagerGradientTests
{
    private const int Batch = 2;

    public static TheoryData<RecurrentCell, string, int> Cases() => RecurrentGradientCases.Data();

    [Theory, MemberData(nameof(Cases))]
    public void Eager_layer_matches_the_float64_reference_and_its_finite_differences(RecurrentCell cell, string configuration, int steps)
    {
        var (spec, states) = RecurrentGradientCases.Of(cell, configuration);
        string what = $"{spec}, T = {steps}";
        var rng = new Random(steps * 31 + (int)cell * 7 + configuration.Length);

        var layout = new List<ParameterInfo>();
        int offset = 0;
        foreach (var (name, shape) in spec.Parameters())
        {
            layout.Add(new ParameterInfo("rnn." + name, offset, shape));
            offset += shape.Aggregate(1, (a, b) => a * b);
        }
        var store = new ParameterStore(layout);
        for (int i = 0; i < store.Values.Length; i++) store.Values[i] = (float)(rng.NextDouble() - 0.5);
        var layer = spec.Eager(store, "rnn");

        // The sequence and the initial states are batched tensors on the tape, so their gradients are checked too.
        bool lstm = cell == RecurrentCell.Lstm;
        var inputs = new List<In> { new(Batch, [steps, spec.Input], Gen: GradCheck.Uniform(-1, 1)) };
        if (states) inputs.Add(new In(Batch, [spec.States, spec.Hidden], Gen: GradCheck.Uniform(-1, 1)));
        if (states && lstm) inputs.Add(new In(Batch, [spec.States, spec.Hidden], Gen: GradCheck.Uniform(-1, 1)));
        var operands = new GradCheck.Operands(inputs.ToArray(), seed: rng.Next());
        var t = operands.Tensors;
        Tensor[] outputs = !states ? layer.Forward(t[0]) : lstm ? ((Lstm)layer).Forward(t[0], t[1], t[2]) : layer.Forward(t[0], t[1]);
        Assert.Equal(lstm ? 3 : 2, outputs.Length);

        var parameters = ReferenceGradient.Parameters(store, "rnn.");
        var references = operands.References;
        RecurrentReference.Result Reference(int s) => RecurrentReference.Forward(spec, parameters, Sample(references[0], s), steps,
            states ? Sample(references[1], s) : null, states && lstm ? Sample(references[2], s) : null);

        // Forward: output, h_n (and c_n) of every sample.
        var actual = new float[Batch][];
        for (int s = 0; s < Batch; s++) actual[s] = outputs.SelectMany(o => o.Values.Slice(s * o.SampleSize, o.SampleSize).ToArray()).ToArray();
        var weights = actual[0].Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        for (int s = 0; s < Batch; s++)
        {
            var expected = Reference(s).All();
            Assert.Equal(expected.Length, actual[s].Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[s][i] - expected[i]) <= GradCheck.ForwardTolerance * Math.Max(1, Math.Abs(expected[i])),
                    $"{what}: sample {s}, output element {i} is {actual[s][i]:R}, reference {expected[i]:R}");
        }

        // Objective: the batch mean of sum(w * [output, h_n, c_n]), with the same w for every sample.
        Tensor objective = null!;
        int at = 0;
        foreach (var o in outputs)
        {
            var w = Tensor.Constant(weights[at..(at + o.SampleSize)], o.Shape);
            at += o.SampleSize;
            objective = objective is null ? Ops.Sum(o * w) : objective + Ops.Sum(o * w);
        }
        objective.Backward();
        double Objective()
        {
            double sum = 0;
            for (int s = 0; s < Batch; s++)
            {
                var y = Reference(s).All();
                for (int i = 0; i < y.Length; i++) sum += weights[i] * y[i];
            }
            return sum / Batch;
        }

        foreach (var (name, values) in parameters)
            ReferenceGradient.AssertClose(ReferenceGradient.Of(values, Objective), store.GetGradients("rnn." + name), $"{what}: d/d {name}");
        string[] operandNames = ["x", "h0", "c0"];
        for (int k = 0; k < inputs.Count; k++)
            ReferenceGradient.AssertClose(ReferenceGradient.Of(references[k].Data, Objective), operands.Gradient(k), $"{what}: d/d {operandNames[k]}");
    }

    /// <summary>Sample <paramref name="s"/> of a batched float64 operand.</summary>
    private static double[] Sample(DT x, int s) => x.Data.AsSpan(s * x.N, x.N).ToArray();
}
