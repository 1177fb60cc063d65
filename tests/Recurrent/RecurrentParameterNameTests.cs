using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The generator names a recurrent layer's parameters as the runtime's eager layer reads them
/// (<see cref="RecurrentLayer.ParameterSuffix"/>) and as PyTorch's <c>state_dict</c> lists them: for stacked
/// bidirectional layers of every cell, the generated network's parameters are <c>weight_ih_l0</c>, <c>weight_hh_l0</c>,
/// <c>bias_ih_l0</c>, <c>bias_hh_l0</c>, the same with <c>_reverse</c>, then layer 1, ..., with PyTorch's shapes, and the
/// eager layer bound to them by name runs and agrees with the compiled network.</summary>
public class RecurrentParameterNameTests
{
    private static readonly RecurrentSpec[] Specs =
    [
        new(RecurrentCell.RnnRelu, 3, 4, Layers: 3, Bidirectional: true),
        new(RecurrentCell.Lstm, 3, 4, Layers: 2, Bidirectional: true),
        new(RecurrentCell.Gru, 3, 4, Layers: 3, Bidirectional: true, Bias: false),
    ];

    private static readonly Lazy<GeneratorRun> Networks = new(() =>
    {
        string source = "using NetCompiler;\nusing static NetCompiler.Ops;\nnamespace RecurrentNameCases;\n" + string.Concat(Specs.Select((spec, i) => $$"""

            [Network]
            public partial class Case{{i}}
            {
                {{spec.Field("rnn")}}
                [Forward] Tensor Forward([Shape(5, 3)] Tensor x) => Reshape(rnn.Forward(x)[1], -1);
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }

            """));
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        return run;
    });

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Generated_parameter_names_are_the_runtime_layers_and_PyTorchs(int index)
    {
        var spec = Specs[index];
        var net = Networks.Value.Create($"RecurrentNameCases.Case{index}", seed: 1);
        var names = net.Parameters.Layout.Select(p => p.Name).ToList();

        var runtime = new List<string>();
        for (int layer = 0; layer < spec.Layers; layer++)
            foreach (bool reverse in new[] { false, true })
            {
                string suffix = RecurrentLayer.ParameterSuffix(layer, reverse);
                runtime.Add("rnn.weight_ih_" + suffix);
                runtime.Add("rnn.weight_hh_" + suffix);
                if (spec.Bias) { runtime.Add("rnn.bias_ih_" + suffix); runtime.Add("rnn.bias_hh_" + suffix); }
            }
        Assert.Equal(runtime, names);
        Assert.Equal(spec.Parameters().Select(p => "rnn." + p.Name), names);
        Assert.Equal(spec.Parameters().Select(p => p.Shape), net.Parameters.Layout.Select(p => p.Shape));

        // The eager layer binds the generated storage by those names; the interpreter (which runs it) agrees with the
        // compiled network on every output.
        Assert.Equal(spec.Input, spec.Eager(net.Parameters, "rnn").InputSize);
        var x = CompiledVsInterpretedTests.Inputs(net, 4, new Rng(3));
        var compiled = new float[4 * net.OutputShape[0]];
        var interpreted = new float[compiled.Length];
        net.Infer(x, compiled, 4);
        Interpreter.Infer(net, x, interpreted, 4);
        CompiledVsInterpretedTests.AssertClose(interpreted, compiled, $"{spec} outputs");
    }
}
