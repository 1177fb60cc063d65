using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Gather(table, ids)</c>: rows of table [V, D] picked by ids of shape S, giving S + [D] (an embedding
/// lookup). Forward copies each row; backward adds each output row's gradient into the table row it came from. An id
/// arrives as a float holding an integer; one that is not an integer in [0, V) is refused before anything changes.</summary>
internal sealed class GatherOp : OpDefinition
{
    private GatherOp() : base(OpKind.Gather, OpTraits.None, "Gather") { }

    public static readonly GatherOp Instance = new();

    /// <summary>A sequence of ids gathers each row from its own id (the table is not a sequence).</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) => OnlySequence(sequence, 1);

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Gather(table, ids)`";
    public override string ShapeRule => "`[V, D]` rows by ids `S` -> `S + [D]`";
    public override string GradientRule => "`dtable[ids[i]] += dy[i]`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row copy", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override bool TakesIds(NodeSpec node, int operand) => operand == 1;

    public override int IdCount(Graph graph, Node node, int operand) => operand == 1 ? graph[node.Inputs[0]].Shape[0] : 0;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] table = query.In(0), ids = query.In(1);
        if (table.Length != 2) return query.Mismatch($"Gather's table must be [rows, features], got {ShapeQuery.Text(table)}");
        return ids.Concat(new[] { table[1] }).ToArray();
    }

    private static (int Rows, int Width, int Count) Dims(KernelContext c, Node node)
    {
        var table = c.Graph[node.Inputs[0]];
        return (table.Shape[0], table.Shape[1], c.Graph[node.Inputs[1]].Size);
    }

    // y[pos, :] = table[id(pos), :], each id checked
    private static void Forward(KernelContext c, Node node)
    {
        var (rows, width, count) = Dims(c, node);
        string table = c.V(node.Inputs[0]), ids = c.V(node.Inputs[1]), y = c.V(node.Id);
        c.W.Open($"for (int pos = 0; pos < {count}; pos++)");
        ReadId(c, ids, rows);
        c.W.Line($"ref float row = ref Unsafe.Add(ref {table}, id * {width});");
        c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, pos * {width});");
        VectorLoops.Map(c.W, width, "yRow", false, (isa, k) => isa.Load("row", k));
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var (rows, width, count) = Dims(c, node);
        string dtable = c.D(node.Inputs[0]), ids = c.V(node.Inputs[1]), dy = c.D(node.Id);
        c.W.Open($"for (int pos = 0; pos < {count}; pos++)");
        c.W.Line($"int id = (int)Unsafe.Add(ref {ids}, pos); // checked by the forward pass");
        c.W.Line($"ref float dRow = ref Unsafe.Add(ref {dtable}, id * {width});");
        c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, pos * {width});");
        VectorLoops.Map(c.W, width, "dRow", true, (isa, k) => isa.Load("dyRow", k));
        c.W.Close();
    }

    /// <summary>Declares <c>int id</c> from the float-encoded id at <c>pos</c>; refuses NaN, fractions and ids out of range.</summary>
    private static void ReadId(KernelContext c, string ids, int rows)
    {
        c.W.Line($"float raw = Unsafe.Add(ref {ids}, pos);");
        c.W.Line("int id = (int)raw;");
        c.W.Line($"if ((uint)id >= {rows}u || id != raw) CompiledSupport.ThrowTokenId(raw, {rows});");
    }
}
