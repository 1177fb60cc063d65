using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Slice(x, axis, start, length)</c>: <paramref name="length"/> entries of x from <c>start</c> along
/// <c>axis</c> (PyTorch's <c>narrow</c>; a negative start counts from the end, so <c>Slice(h, 0, -1, 1)</c> is the last
/// row). A strided copy; backward adds the gradient into that range of dx.
/// <c>Split(x, axis, sizes...)</c> (PyTorch's <c>split</c> with a list of sizes) is one Slice per piece, consecutive
/// ranges that must cover the axis; its value in a body is the list of pieces (a <c>Tensor[]</c>).</summary>
internal sealed class SliceOp : OpDefinition
{
    private SliceOp() : base(OpKind.Slice, OpTraits.None, "Slice", "Split") { }

    public static readonly SliceOp Instance = new();

    /// <summary>A slice along any axis but the first keeps each row's part.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) =>
        node.Shape.Length >= 2 && FromFront(((SliceAttribute)node.Attributes).Axis, node.Shape.Length) != 0;

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Slice(x, axis, start, length)`; `Split(x, axis, sizes...)` (a `Tensor[]`, one Slice per piece)";
    public override string ShapeRule => "x's shape with `length` on `axis`; Split's sizes add up to `x[axis]`";
    public override string GradientRule => "`dx[.., start:start+length, ..] += dy`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("strided copy", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, call.Name == "Split" ? "the tensor to split" : "the tensor to slice");
        if (call.Name == "Split") return BuildSplit(call, x);
        var range = new SliceAttribute((int)call.Number(1, "Slice's axis"), (int)call.Number(2, "Slice's start"), (int)call.Number(3, "Slice's length"));
        return call.Node(Kind, new[] { x }, range);
    }

    /// <summary>A Slice node per size, each from where the previous one ends.</summary>
    private Parse.TraceValue BuildSplit(Parse.OpCall call, int x)
    {
        int axis = (int)call.Number(1, "Split's axis");
        var sizes = new int[call.Arguments.Count - 2];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = (int)call.Number(i + 2, $"size {i + 1} of Split");
        if (sizes.Length == 0) throw call.Unsupported("Split without sizes", "give the size of each piece, e.g. Split(x, 0, 8, 8, 8)");
        var pieces = new int[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++)
            pieces[i] = ((Parse.TensorValue)call.Node(Kind, new[] { x }, new SliceAttribute(axis, start, sizes[i], sizes.ToEquatableArray()))).Node;
        return new Parse.TensorListValue(pieces);
    }

    /// <summary>Moves dy back; reads no value.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        var range = (SliceAttribute)query.Node.Attributes;
        string op = range.Split.Count > 0 ? "Split" : "Slice";
        if (x.Length == 0) return query.Mismatch($"{op} needs a tensor of rank 1 or more, got a scalar");
        int axis = query.Axis(range.Axis, x.Length, $"{op}'s axis");
        if (axis < 0) return null;
        if (range.Split.Count > 0)
        {
            // The first piece reports; shape inference stops there, so the others never do.
            string sizes = string.Join(" + ", range.Split);
            long total = range.Split.Sum(s => (long)s);
            if (range.Split.Any(s => s < 1))
                return query.Mismatch($"Split of {ShapeQuery.Text(x)} along axis {range.Axis} into {sizes}: every size must be at least 1");
            if (total != x[axis])
                return query.Mismatch($"Split of {ShapeQuery.Text(x)} along axis {range.Axis} into {sizes} = {total}: the sizes must add up to {x[axis]}" +
                    (range.Split.Count == 1 ? " (one size is one piece, not a chunk size as in torch.split: list the size of every piece)" : ""));
        }
        else if (range.Start < -x[axis] || range.Length <= 0 || (long)Start(range.Start, x[axis]) + range.Length > x[axis])
            return query.Mismatch($"Slice of {ShapeQuery.Text(x)} takes {range.Length} entries from {range.Start} along axis {range.Axis}, " +
                $"which has {x[axis]}: start must be -{x[axis]} or more (a negative start counts from the end), length 1 or more, and start + length at most {x[axis]}");
        var shape = (int[])x.Clone();
        shape[axis] = range.Length;
        return shape;
    }

    private static (int[] Dims, int[] InputStrides, int Start) Layout(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        var range = (SliceAttribute)node.Attributes;
        int axis = range.Axis < 0 ? range.Axis + x.Shape.Length : range.Axis;
        var strides = StridedCopy.Strides(x.Shape);
        return (node.Shape, strides, Start(range.Start, x.Shape[axis]) * strides[axis]);
    }

    /// <summary>A start as an index: a negative one counts from the end (PyTorch's <c>narrow</c>).</summary>
    private static int Start(int start, int size) => start < 0 ? start + size : start;

    private static void Forward(KernelContext c, Node node)
    {
        var (dims, input, start) = Layout(c, node);
        StridedCopy.Emit(c.W, dims, c.V(node.Inputs[0]), input, start, c.V(node.Id), StridedCopy.Strides(dims), 0, accumulate: false);
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var (dims, input, start) = Layout(c, node);
        StridedCopy.Emit(c.W, dims, c.D(node.Id), StridedCopy.Strides(dims), 0, c.D(node.Inputs[0]), input, start, accumulate: true);
    }
}
