using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The layer configurations the gradient checks run for every cell and both sequence lengths (T = 1: one step,
/// no recurrence; T = 7: backward through time): one layer, bidirectional, stacked and stacked bidirectional without
/// biases, the last three from initial states h0 (and c0) that the check differentiates too. Small (3 inputs, 3 hidden)
/// so that finite differences of the float64 reference over every parameter stay cheap.</summary>
internal static class RecurrentGradientCases
{
    public static readonly RecurrentCell[] Cells = [RecurrentCell.RnnTanh, RecurrentCell.RnnRelu, RecurrentCell.Lstm, RecurrentCell.Gru];

    public static readonly string[] Configurations = ["one layer", "bidirectional from h0", "stacked from h0", "stacked bidirectional without bias from h0"];

    public static readonly int[] Steps = [1, 7];

    /// <summary>The layer of <paramref name="configuration"/> and whether it starts from given initial states.</summary>
    public static (RecurrentSpec Spec, bool States) Of(RecurrentCell cell, string configuration) => configuration switch
    {
        "one layer" => (new RecurrentSpec(cell, 3, 3), false),
        "bidirectional from h0" => (new RecurrentSpec(cell, 3, 3, Bidirectional: true), true),
        "stacked from h0" => (new RecurrentSpec(cell, 3, 3, Layers: 2), true),
        _ => (new RecurrentSpec(cell, 3, 3, Layers: 2, Bidirectional: true, Bias: false), true),
    };

    /// <summary>Every (cell, configuration, T).</summary>
    public static IEnumerable<(RecurrentCell Cell, string Configuration, int Steps)> All() =>
        from cell in Cells from configuration in Configurations from steps in Steps select (cell, configuration, steps);

    public static TheoryData<RecurrentCell, string, int> Data()
    {
        var data = new TheoryData<RecurrentCell, string, int>();
        foreach (var (cell, configuration, steps) in All()) data.Add(cell, configuration, steps);
        return data;
    }
}
