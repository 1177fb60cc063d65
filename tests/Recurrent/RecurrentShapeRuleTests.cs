using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The Recurrent op's shape rule (one node per layer and direction) against the eager layers, which are its
/// eager counterpart (it has no <c>Ops</c> method, so <c>OpCoverageTests</c>' sweep leaves it to this test): over a sweep of
/// sequence shapes and initial-state shapes, for every cell, with and without biases and initial states, the generator
/// accepts exactly what the eager one-layer layer accepts, and its node's shape is the layer's output [T, H] (an LSTM's
/// node also holds the cell states: [2, T, H]). The weights are the layer's own, shaped from its attribute in both paths.</summary>
public class RecurrentShapeRuleTests
{
    private const int Input = 3, Hidden = 4;

    private static readonly int[][] Sequences = [[], [Input], [5], [4, Input], [1, Input], [4, Input + 2], [4, 1], [2, 4, Input], [1, 1, Input]];

    /// <summary>Per-sample initial states: the one right shape [1, H] (one layer, one direction) and its near misses.</summary>
    private static readonly int[][] States = [[1, Hidden], [1, Hidden + 1], [1, 1], [Hidden], [2, Hidden], [1, 1, Hidden], [Hidden, 1]];

    [Fact]
    public void Shape_rule_of_the_Recurrent_op_agrees_with_the_eager_layers()
    {
        var disagreements = new List<string>();
        int accepted = 0, refused = 0;
        foreach (var cell in Enum.GetValues<RecurrentCell>())
            foreach (bool bias in new[] { true, false })
                foreach (int states in Enumerable.Range(0, cell == RecurrentCell.Lstm ? 3 : 2))   // none, h0, h0 and c0
                    foreach (var x in Sequences)
                        foreach (var state in states == 0 ? [[1, Hidden]] : States)
                        {
                            var spec = new RecurrentSpec(cell, Input, Hidden, Bias: bias);
                            var expected = EagerShape(spec, x, states, state);
                            var actual = CompiledShape(spec, x, states, state);
                            if (actual is null) refused++; else accepted++;
                            bool same = expected is null ? actual is null : actual is not null && expected.SequenceEqual(actual);
                            if (!same)
                                disagreements.Add($"{spec} x {ShapeQuery.Text(x)}, {states} states {ShapeQuery.Text(state)}: eager {Text(expected)}, generator {Text(actual)}");
                        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));
        Assert.True(accepted > 0 && refused > 0, $"accepted {accepted}, refused {refused}: the sweep must reach both sides of the rule");
    }

    private static string Text(int[]? shape) => shape is null ? "refuses" : ShapeQuery.Text(shape);

    /// <summary>The node's shape the eager layer implies: its output [T, H] (for an LSTM, [2, T, H]), or null when it
    /// refuses the sequence or the states (each of per-sample shape <paramref name="state"/>).</summary>
    private static int[]? EagerShape(RecurrentSpec spec, int[] x, int states, int[] state)
    {
        var layout = new List<ParameterInfo>();
        int offset = 0;
        foreach (var (name, shape) in spec.Parameters())
        {
            layout.Add(new ParameterInfo("rnn." + name, offset, shape));
            offset += shape.Aggregate(1, (a, b) => a * b);
        }
        var layer = spec.Eager(new ParameterStore(layout), "rnn");
        Tensor Zeros(int[] shape) => Tensor.FromBatch(new float[2 * shape.Aggregate(1, (a, b) => a * b)], 2, shape);
        var sequence = Zeros(x);
        try
        {
            var outputs = states switch
            {
                0 => layer.Forward(sequence),
                1 => layer.Forward(sequence, Zeros(state)),
                _ => ((Lstm)layer).Forward(sequence, Zeros(state), Zeros(state)),
            };
            return spec.Cell == RecurrentCell.Lstm ? [2, .. outputs[0].Shape] : outputs[0].Shape;
        }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The generator's shape of the node for operands x, W_ih, W_hh (and b_ih, b_hh, h0 and c0 of shape <paramref name="state"/>).</summary>
    private static int[]? CompiledShape(RecurrentSpec spec, int[] x, int states, int[] state)
    {
        var cell = (RecurrentCellKind)Enum.Parse(typeof(RecurrentCellKind), spec.Cell.ToString());
        var attributes = new RecurrentAttribute(cell, Hidden, Reverse: false, spec.Bias, InitialHidden: states > 0, InitialCell: states > 1);
        var shapes = new List<int[]> { x, new[] { spec.GateRows, Input }, new[] { spec.GateRows, Hidden } };
        if (spec.Bias) { shapes.Add([spec.GateRows]); shapes.Add([spec.GateRows]); }
        for (int s = 0; s < states; s++) shapes.Add(state);
        var node = new NodeSpec(shapes.Count, OpKind.Recurrent, Enumerable.Range(0, shapes.Count).ToEquatableArray(), attributes, "Recurrent", "rnn", null);
        return RecurrentOp.Instance.InferShape(new ShapeQuery(node, shapes, null, new List<DiagnosticInfo>()));
    }
}
