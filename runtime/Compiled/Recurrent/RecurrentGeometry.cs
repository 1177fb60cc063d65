namespace NetCompiler;

/// <summary>The constant shape of one recurrent layer and direction, as generated code passes it to
/// <see cref="RecurrentSequence"/>: the cell, T steps of <see cref="Input"/> features into <see cref="Hidden"/> states,
/// the direction, and which optional operands exist.
/// <para>Per-sample layouts: the value is the hidden state of every step [T, H] (an LSTM's is followed by its cell
/// state of every step, [2, T, H] in all), in time order for both directions; the saved buffer of an LSTM or GRU holds
/// 4H floats per step (LSTM: the gates i, f, g, o after their activations; GRU: r, z, n and W_hn h + b_hn), which
/// backward overwrites with the gates' gradients.</para></summary>
public readonly struct RecurrentGeometry
{
    /// <summary>Creates the geometry (called by generated code with constants).</summary>
    public RecurrentGeometry(RecurrentCell cell, int steps, int input, int hidden, bool reverse, bool bias, bool initialHidden, bool initialCell)
    {
        Cell = cell; Steps = steps; Input = input; Hidden = hidden; Reverse = reverse; Bias = bias;
        InitialHidden = initialHidden; InitialCell = initialCell;
    }

    /// <summary>The cell.</summary>
    public RecurrentCell Cell { get; }
    /// <summary>Time steps T.</summary>
    public int Steps { get; }
    /// <summary>Features per step of the input.</summary>
    public int Input { get; }
    /// <summary>Features of the hidden state H.</summary>
    public int Hidden { get; }
    /// <summary>Whether the layer runs from step T - 1 down to 0.</summary>
    public bool Reverse { get; }
    /// <summary>Whether b_ih and b_hh exist.</summary>
    public bool Bias { get; }
    /// <summary>Whether an initial hidden state is an operand (else it is zero).</summary>
    public bool InitialHidden { get; }
    /// <summary>Whether an initial cell state is an operand (LSTM; else it is zero).</summary>
    public bool InitialCell { get; }

    /// <summary>Rows of W_ih and W_hh: 4H (LSTM), 3H (GRU) or H.</summary>
    public int GateWidth => RecurrentLayer.Gates(Cell) * Hidden;

    /// <summary>Floats saved per step for backward: 4H for an LSTM or a GRU, none for a plain RNN (its derivative reads
    /// its output).</summary>
    public int SavedStep => Cell is RecurrentCell.Lstm or RecurrentCell.Gru ? 4 * Hidden : 0;

    /// <summary>Floats per sample of the value: T H, or 2 T H for an LSTM.</summary>
    public int ValueFloats => (Cell == RecurrentCell.Lstm ? 2 : 1) * Steps * Hidden;

    /// <summary>Floats per sample of the saved buffer.</summary>
    public int SavedFloats => Steps * SavedStep;

    /// <summary>The step processed <paramref name="i"/>-th (time order, or reversed).</summary>
    internal int StepAt(int i) => Reverse ? Steps - 1 - i : i;

    /// <summary>The step before step <paramref name="t"/> in processing order.</summary>
    internal int Previous(int t) => Reverse ? t + 1 : t - 1;
}
