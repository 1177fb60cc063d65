using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>The cell of a recurrent node; the names of the runtime's <c>RecurrentCell</c>.</summary>
internal enum RecurrentCellKind
{
    RnnTanh,
    RnnRelu,
    Lstm,
    Gru,
}

/// <summary>One layer and direction of a recurrent layer: its cell, hidden size, direction and which optional operands
/// (biases, initial states) it has. An initial state is the layer's whole [<paramref name="StateRows"/>, H] per sample (one
/// row per layer and direction, as PyTorch's h0 and c0), of which this node reads row <paramref name="StateRow"/>.</summary>
internal sealed record RecurrentAttribute(RecurrentCellKind Cell, int Hidden, bool Reverse, bool Bias, bool InitialHidden, bool InitialCell,
    int StateRows = 1, int StateRow = 0) : OpAttributes
{
    /// <summary>Gate blocks in the weights: 4 (LSTM), 3 (GRU) or 1.</summary>
    public int Gates => GatesOf(Cell);

    /// <summary>Gate blocks in the weights of a <paramref name="cell"/> (the runtime's <c>RecurrentLayer.Gates</c>).</summary>
    public static int GatesOf(RecurrentCellKind cell) => cell switch { RecurrentCellKind.Lstm => 4, RecurrentCellKind.Gru => 3, _ => 1 };

    /// <summary>Floats saved per step for backward (the runtime's <c>RecurrentGeometry.SavedStep</c>).</summary>
    public int SavedStep => Cell is RecurrentCellKind.Lstm or RecurrentCellKind.Gru ? 4 * Hidden : 0;

    /// <summary>Operand positions: x, W_ih, W_hh, then b_ih and b_hh, h0 and c0 when present.</summary>
    public int BiasIh => Bias ? 3 : -1;
    public int BiasHh => Bias ? 4 : -1;
    public int Hidden0 => InitialHidden ? (Bias ? 5 : 3) : -1;
    public int Cell0 => InitialCell ? (Bias ? 5 : 3) + (InitialHidden ? 1 : 0) : -1;
    public int Operands => 3 + (Bias ? 2 : 0) + (InitialHidden ? 1 : 0) + (InitialCell ? 1 : 0);
}

/// <summary>One layer and one direction of <c>[Rnn]</c>, <c>[Lstm]</c> or <c>[Gru]</c> over a per-sample sequence x [T, I]
/// (the layers of <c>Layers/RecurrentLayers.cs</c> build one node per layer and direction, and the slices and
/// concatenations of their outputs). Its value is the hidden state of every step [T, H], in time order for both
/// directions; an LSTM's is [2, T, H], the hidden states then the cell states.
/// <para>Lowered through the runtime's <c>RecurrentSequence</c>: the input projection of all steps as one product per
/// sample, then per step the recurrent product of the whole tile and one fused pass over the gates; backward through time
/// in reverse with the same two parts, then the weight gradients as whole-sequence products. The gates (4H floats per
/// step for an LSTM or a GRU) are saved for backward, which overwrites them with their gradients.</para></summary>
internal sealed class RecurrentOp : OpDefinition
{
    private RecurrentOp() : base(OpKind.Recurrent, OpTraits.None) { }

    public static readonly RecurrentOp Instance = new();

    public override string Syntax => "`r.Forward(x)`, `r.Forward(x, h0)`, `lstm.Forward(x, h0, c0)` (`[Rnn]`, `[Lstm]`, `[Gru]`; one node per layer and direction)";
    public override string ShapeRule => "`[T, I] -> [T, H]` (LSTM: `[2, T, H]`, hidden then cell states); `W_ih` `[G H, I]`, `W_hh` `[G H, H]`, biases `[G H]`, `h0`, `c0` `[layers * directions, H]` (the node reads its row); G = 4 (LSTM), 3 (GRU), 1";
    public override string GradientRule => "through time: `dG = cell'(dh, dc)`, `dh(t-1) += dG W_hh`; `dW_ih += dG^T x`, `dW_hh += dG^T h(t-1)`, `db += sum dG`, `dx += dG W_ih`";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new LoweringStrategy[] { new SequenceStrategy(StrategyScope.Tile), new SequenceStrategy(StrategyScope.Sample) };

    public override string OperandName(int operand) => operand switch
    {
        0 => "the input sequence",
        1 => "weight_ih",
        2 => "weight_hh",
        _ => "a bias or initial state",
    };

    public override int SavedFloats(Node node)
    {
        var a = (RecurrentAttribute)node.Attributes;
        return a.SavedStep * StepsOf(node);
    }

    private static int StepsOf(Node node) => ((RecurrentAttribute)node.Attributes).Cell == RecurrentCellKind.Lstm ? node.Shape[1] : node.Shape[0];

    /// <summary>dW_ih reads x, dx reads W_ih, dh(t-1) reads W_hh, dW_hh reads h0, an LSTM's df reads c0; the biases are only summed into.</summary>
    public override bool BackwardReadsOperand(Node node, int operand)
    {
        var a = (RecurrentAttribute)node.Attributes;
        return operand != a.BiasIh && operand != a.BiasHh;
    }

    public override int[]? InferShape(ShapeQuery query)
    {
        var a = (RecurrentAttribute)query.Node.Attributes;
        string layer = query.Node.Label is { Length: > 0 } label ? $"{Describe(a.Cell)} '{label}'" : Describe(a.Cell);
        int[] x = query.In(0), wih = query.In(1), whh = query.In(2);
        if (x.Length != 2)
            return query.Mismatch($"{layer} needs a per-sample sequence [T, features], got {ShapeQuery.Text(x)}");
        int g = a.Gates * a.Hidden;
        if (wih.Length != 2 || wih[0] != g)
            return query.Mismatch($"weight_ih of {layer} must be [{g}, input], got {ShapeQuery.Text(wih)}");
        if (wih[1] != x[1])
            return query.Mismatch($"{layer} expects {wih[1]} features per step but its input has shape {ShapeQuery.Text(x)}");
        if (whh.Length != 2 || whh[0] != g || whh[1] != a.Hidden)
            return query.Mismatch($"weight_hh of {layer} must be [{g}, {a.Hidden}], got {ShapeQuery.Text(whh)}");
        foreach (var (operand, what) in new[] { (a.BiasIh, "bias_ih"), (a.BiasHh, "bias_hh") })
            if (operand >= 0 && (query.In(operand).Length != 1 || query.In(operand)[0] != g))
                return query.Mismatch($"{what} of {layer} must be [{g}], got {ShapeQuery.Text(query.In(operand))}");
        foreach (var (operand, what) in new[] { (a.Hidden0, "the initial hidden state"), (a.Cell0, "the initial cell state") })
            if (operand >= 0 && !IsState(query.In(operand), a))
                return query.Mismatch($"{what} of {layer} must be [{a.StateRows}, {a.Hidden}] per sample (layers * directions, hidden), got {ShapeQuery.Text(query.In(operand))}");
        return a.Cell == RecurrentCellKind.Lstm ? new[] { 2, x[0], a.Hidden } : new[] { x[0], a.Hidden };
    }

    private static bool IsState(int[] shape, RecurrentAttribute a) => shape.Length == 2 && shape[0] == a.StateRows && shape[1] == a.Hidden;

    public static string Describe(RecurrentCellKind cell) => cell switch { RecurrentCellKind.Lstm => "Lstm", RecurrentCellKind.Gru => "Gru", _ => "Rnn" };

    /// <summary>The C# expression of the node's constant geometry (a <c>RecurrentGeometry</c>).</summary>
    private static string Geometry(Graph graph, Node node)
    {
        var a = (RecurrentAttribute)node.Attributes;
        int[] x = graph[node.Inputs[0]].Shape;
        string Flag(bool value) => value ? "true" : "false";
        return $"new RecurrentGeometry(RecurrentCell.{a.Cell}, {x[0]}, {x[1]}, {a.Hidden}, reverse: {Flag(a.Reverse)}, bias: {Flag(a.Bias)}, " +
               $"initialHidden: {Flag(a.InitialHidden)}, initialCell: {Flag(a.InitialCell)})";
    }

    /// <summary>The sequence kernels over a whole tile (parameters shared by every sample, so each step's recurrent
    /// product is one product over the tile's rows), or over one sample.</summary>
    private sealed class SequenceStrategy : LoweringStrategy
    {
        private readonly StrategyScope _scope;

        public SequenceStrategy(StrategyScope scope) => _scope = scope;

        public override string Name => _scope == StrategyScope.Tile ? "recurrent sequence (tile)" : "recurrent sequence (sample)";

        public override StrategyScope Scope => _scope;

        public override bool Applies(Graph graph, Node node)
        {
            if (_scope == StrategyScope.Sample) return true;
            var a = (RecurrentAttribute)node.Attributes;
            for (int i = 1; i < 3; i++) if (graph[node.Inputs[i]].Op != OpKind.Param) return false;
            if (a.Bias && (graph[node.Inputs[a.BiasIh]].Op != OpKind.Param || graph[node.Inputs[a.BiasHh]].Op != OpKind.Param)) return false;
            foreach (int operand in new[] { 0, a.Hidden0, a.Cell0 })
                if (operand >= 0 && graph[node.Inputs[operand]].Op is OpKind.Param or OpKind.Constant or OpKind.Target) return false;
            return true;
        }

        private bool Tile => _scope == StrategyScope.Tile;

        private string ValueStride(KernelContext c, int id) => Tile ? c.ValueStride(id) : "0";

        private string SavedStride(KernelContext c) => Tile ? c.WorkspaceStride : "0";

        private string GradientStride => Tile ? "GradientWorkspaceSize" : "0";

        private string Rows => Tile ? "rows" : "1";

        private void Whole(KernelContext c, System.Action body)
        {
            if (Tile) { c.Block(body); return; }
            c.W.Open("");
            body();
            c.W.Close();
        }

        /// <summary>The operand's value and row stride, or the input's (never read) when the operand is absent.</summary>
        private (string Value, string Stride) Optional(KernelContext c, Node node, int operand) =>
            operand >= 0 ? (c.V(node.Inputs[operand]), ValueStride(c, node.Inputs[operand])) : (c.V(node.Inputs[0]), "0");

        /// <summary>The node's row of an initial state (<paramref name="buffer"/>, a value or a gradient).</summary>
        private static string StateRow(Node node, int operand, string buffer)
        {
            var a = (RecurrentAttribute)node.Attributes;
            return operand >= 0 && a.StateRow > 0 ? $"Unsafe.Add(ref {buffer}, {a.StateRow * a.Hidden})" : buffer;
        }

        public override void Forward(KernelContext c, Node node)
        {
            var a = (RecurrentAttribute)node.Attributes;
            Whole(c, () =>
            {
                string x = c.V(node.Inputs[0]);
                var (bih, _) = Optional(c, node, a.BiasIh);
                var (bhh, _) = Optional(c, node, a.BiasHh);
                var (h0, h0Stride) = Optional(c, node, a.Hidden0);
                var (c0, c0Stride) = Optional(c, node, a.Cell0);
                h0 = StateRow(node, a.Hidden0, h0);
                c0 = StateRow(node, a.Cell0, c0);
                string saved = a.SavedStep > 0 ? c.S(node.Id) : c.V(node.Id);
                c.W.Line($"var g{node.Id} = {Geometry(c.Graph, node)};");
                c.W.Line($"RecurrentSequence.Forward(in g{node.Id}, ref {x}, {ValueStride(c, node.Inputs[0])}, ref {c.V(node.Inputs[1])}, ref {c.V(node.Inputs[2])}, " +
                         $"ref {bih}, ref {bhh}, ref {h0}, {h0Stride}, ref {c0}, {c0Stride}, ref {c.V(node.Id)}, {ValueStride(c, node.Id)}, " +
                         $"ref {saved}, {(a.SavedStep > 0 ? SavedStride(c) : "0")}, {Rows});");
            });
        }

        public override void Backward(KernelContext c, Node node)
        {
            var a = (RecurrentAttribute)node.Attributes;
            int x = node.Inputs[0];
            bool Needs(int operand) => operand >= 0 && c.HasGradient(node.Inputs[operand]);
            string Gradient(int operand) =>
                !Needs(operand) ? c.D(node.Id) : operand == a.Hidden0 || operand == a.Cell0 ? StateRow(node, operand, c.D(node.Inputs[operand])) : c.D(node.Inputs[operand]);
            string GradientStrideOf(int operand) => Needs(operand) ? GradientStride : "0";
            string Flag(bool value) => value ? "true" : "false";
            if (!Needs(0) && !Needs(1) && !Needs(2) && !Needs(a.BiasIh) && !Needs(a.BiasHh) && !Needs(a.Hidden0) && !Needs(a.Cell0)) return;
            Whole(c, () =>
            {
                var (h0, h0Stride) = Optional(c, node, a.Hidden0);
                var (c0, c0Stride) = Optional(c, node, a.Cell0);
                h0 = StateRow(node, a.Hidden0, h0);
                c0 = StateRow(node, a.Cell0, c0);
                string saved = a.SavedStep > 0 ? c.S(node.Id) : c.V(node.Id);
                c.W.Line($"var g{node.Id} = {Geometry(c.Graph, node)};");
                c.W.Line($"RecurrentSequence.Backward(in g{node.Id}, ref {c.V(x)}, {ValueStride(c, x)}, ref {c.V(node.Inputs[1])}, ref {c.V(node.Inputs[2])}, " +
                         $"ref {h0}, {h0Stride}, ref {c0}, {c0Stride}, ref {c.V(node.Id)}, {ValueStride(c, node.Id)}, ref {saved}, {(a.SavedStep > 0 ? SavedStride(c) : "0")},");
                c.W.Line($"    ref {c.D(node.Id)}, {GradientStride}, ref {Gradient(0)}, {GradientStrideOf(0)}, {Flag(Needs(0))},");
                c.W.Line($"    ref {Gradient(1)}, {Flag(Needs(1))}, ref {Gradient(2)}, {Flag(Needs(2))}, ref {Gradient(a.BiasIh)}, {Flag(Needs(a.BiasIh))}, ref {Gradient(a.BiasHh)}, {Flag(Needs(a.BiasHh))},");
                c.W.Line($"    ref {Gradient(a.Hidden0)}, {GradientStrideOf(a.Hidden0)}, {Flag(Needs(a.Hidden0))}, ref {Gradient(a.Cell0)}, {GradientStrideOf(a.Cell0)}, {Flag(Needs(a.Cell0))}, {Rows});");
            });
        }
    }
}
