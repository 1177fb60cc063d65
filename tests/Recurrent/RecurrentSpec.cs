using System.Collections.Generic;

namespace NetCompiler.Tests.Recurrent;

/// <summary>One recurrent layer configuration as the tests declare it: the cell, the sizes, the stacking, the direction
/// and the biases; its PyTorch parameter names and shapes (written here from PyTorch's documentation of
/// <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c>, not from the project's code) and the attribute that declares it.</summary>
internal sealed record RecurrentSpec(RecurrentCell Cell, int Input, int Hidden, int Layers = 1, bool Bidirectional = false, bool Bias = true)
{
    /// <summary>2 when bidirectional, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Rows of every weight: 4 H (i, f, g, o), 3 H (r, z, n) or H.</summary>
    public int GateRows => (Cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 }) * Hidden;

    /// <summary>Rows of h_n (and c_n): layer-major, the forward direction before the reverse one.</summary>
    public int States => Layers * Directions;

    /// <summary>PyTorch's <c>state_dict</c> of the layer, in its order: per layer, the forward direction's weight_ih_lk,
    /// weight_hh_lk, bias_ih_lk, bias_hh_lk, then the same with <c>_reverse</c>. Layer k &gt; 0 reads D H features.</summary>
    public IEnumerable<(string Name, int[] Shape)> Parameters()
    {
        for (int layer = 0; layer < Layers; layer++)
            foreach (string direction in Bidirectional ? new[] { "", "_reverse" } : new[] { "" })
            {
                int width = layer == 0 ? Input : Directions * Hidden;
                yield return ($"weight_ih_l{layer}{direction}", new[] { GateRows, width });
                yield return ($"weight_hh_l{layer}{direction}", new[] { GateRows, Hidden });
                if (!Bias) continue;
                yield return ($"bias_ih_l{layer}{direction}", new[] { GateRows });
                yield return ($"bias_hh_l{layer}{direction}", new[] { GateRows });
            }
    }

    /// <summary>The layer's C# type name: Rnn, Lstm or Gru.</summary>
    public string TypeName => Cell switch { RecurrentCell.Lstm => "Lstm", RecurrentCell.Gru => "Gru", _ => "Rnn" };

    /// <summary>The field declaration, e.g. <c>[Lstm(3, 4, Layers = 2, Bidirectional = true)] Lstm rnn;</c>.</summary>
    public string Field(string name)
    {
        var named = new List<string>();
        if (Layers != 1) named.Add($"Layers = {Layers}");
        if (Bidirectional) named.Add("Bidirectional = true");
        if (!Bias) named.Add("Bias = false");
        if (Cell == RecurrentCell.RnnRelu) named.Add("Nonlinearity = RnnNonlinearity.Relu");
        string arguments = string.Join("", named.ConvertAll(n => ", " + n));
        return $"[{TypeName}({Input}, {Hidden}{arguments})] {TypeName} {name};";
    }

    /// <summary>The eager layer over <paramref name="store"/>'s parameters named <c>{name}.weight_ih_l0</c>, ...</summary>
    public RecurrentLayer Eager(ParameterStore store, string name) => Cell switch
    {
        RecurrentCell.Lstm => new Lstm(store, name, Layers, Bidirectional, Bias),
        RecurrentCell.Gru => new Gru(store, name, Layers, Bidirectional, Bias),
        RecurrentCell.RnnRelu => new Rnn(store, name, Layers, Bidirectional, Bias, RnnNonlinearity.Relu),
        _ => new Rnn(store, name, Layers, Bidirectional, Bias, RnnNonlinearity.Tanh),
    };

    /// <summary>A short name for test output, e.g. <c>Lstm(3, 4) L2 bi nobias</c>.</summary>
    public override string ToString() =>
        $"{Cell}({Input}, {Hidden}){(Layers > 1 ? $" L{Layers}" : "")}{(Bidirectional ? " bi" : "")}{(Bias ? "" : " nobias")}";
}
