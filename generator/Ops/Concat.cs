using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Concat(a, b, axis)</c>: a then b along <c>axis</c> (PyTorch's <c>cat</c>); every other dimension must
/// agree. Two strided copies into the result; backward copies each part of the gradient back.</summary>
internal sealed class ConcatOp : OpDefinition
{
    private ConcatOp() : base(OpKind.Concat, OpTraits.None, "Concat") { }

    public static readonly ConcatOp Instance = new();

    /// <summary>Two sequences joined along any axis but the first, row by row.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) =>
        sequence.All(s => s) && node.Shape.Length >= 2 && FromFront(((AxisAttribute)node.Attributes).Axis, node.Shape.Length) != 0;

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Concat(a, b, axis)`";
    public override string ShapeRule => "a's shape with `a[axis] + b[axis]` on `axis`";
    public override string GradientRule => "`da += dy[.., :a[axis], ..]`, `db += dy[.., a[axis]:, ..]`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("strided copy", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call) =>
        call.Node(Kind, new[] { call.Tensor(0, "Concat's first tensor"), call.Tensor(1, "Concat's second tensor") },
            new AxisAttribute((int)call.Number(2, "Concat's axis")));

    /// <summary>Moves dy back; reads no value.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0), b = query.In(1);
        string both = $"{ShapeQuery.Text(a)} and {ShapeQuery.Text(b)}";
        if (a.Length == 0 || a.Length != b.Length) return query.Mismatch($"Concat needs two tensors of the same rank (1 or more), got {both}");
        int axis = query.Axis(((AxisAttribute)query.Node.Attributes).Axis, a.Length, "Concat's axis");
        if (axis < 0) return null;
        for (int k = 0; k < a.Length; k++)
            if (k != axis && a[k] != b[k])
                return query.Mismatch($"Concat along axis {axis} of {both}: every other dimension must agree, but axis {k} has {a[k]} and {b[k]}");
        var shape = (int[])a.Clone();
        shape[axis] = a[axis] + b[axis];
        return shape;
    }

    /// <summary>For operand <paramref name="part"/>: its shape, and where its block starts in the result.</summary>
    private static (int[] Dims, int Offset) Part(KernelContext c, Node node, int part)
    {
        var a = c.Graph[node.Inputs[0]];
        int axis = ((AxisAttribute)node.Attributes).Axis;
        if (axis < 0) axis += node.Shape.Length;
        var outStrides = StridedCopy.Strides(node.Shape);
        return (c.Graph[node.Inputs[part]].Shape, part == 0 ? 0 : a.Shape[axis] * outStrides[axis]);
    }

    private static void Forward(KernelContext c, Node node)
    {
        var outStrides = StridedCopy.Strides(node.Shape);
        for (int part = 0; part < 2; part++)
        {
            var (dims, offset) = Part(c, node, part);
            StridedCopy.Emit(c.W, dims, c.V(node.Inputs[part]), StridedCopy.Strides(dims), 0, c.V(node.Id), outStrides, offset, accumulate: false);
        }
    }

    private static void Backward(KernelContext c, Node node)
    {
        var outStrides = StridedCopy.Strides(node.Shape);
        for (int part = 0; part < 2; part++)
        {
            if (!c.HasGradient(node.Inputs[part])) continue;   // Concat(x, x): both parts add into one gradient
            var (dims, offset) = Part(c, node, part);
            StridedCopy.Emit(c.W, dims, c.D(node.Id), outStrides, offset, c.D(node.Inputs[part]), StridedCopy.Strides(dims), 0, accumulate: true);
        }
    }
}
