using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Slice(x, axis, start, length)</c>: <paramref name="length"/> entries of x from <c>start</c> along
/// <c>axis</c> (PyTorch's <c>narrow</c>). A strided copy; backward adds the gradient into that range of dx.</summary>
internal sealed class SliceOp : OpDefinition
{
    private SliceOp() : base(OpKind.Slice, OpTraits.None, "Slice") { }

    public static readonly SliceOp Instance = new();

    public override string Syntax => "`Slice(x, axis, start, length)`";
    public override string ShapeRule => "x's shape with `length` on `axis`";
    public override string GradientRule => "`dx[.., start:start+length, ..] += dy`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("strided copy", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, "the tensor to slice");
        var range = new SliceAttribute((int)call.Number(1, "Slice's axis"), (int)call.Number(2, "Slice's start"), (int)call.Number(3, "Slice's length"));
        return call.Node(Kind, new[] { x }, range);
    }

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        var range = (SliceAttribute)query.Node.Attributes;
        if (x.Length == 0) return query.Mismatch("Slice needs a tensor of rank 1 or more, got a scalar");
        int axis = query.Axis(range.Axis, x.Length, "Slice's axis");
        if (axis < 0) return null;
        if (range.Start < 0 || range.Length <= 0 || (long)range.Start + range.Length > x[axis])
            return query.Mismatch($"Slice of {ShapeQuery.Text(x)} takes {range.Length} entries from {range.Start} along axis {range.Axis}, " +
                $"which has {x[axis]}: start must be 0 or more, length 1 or more, and start + length at most {x[axis]}");
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
        return (node.Shape, strides, range.Start * strides[axis]);
    }

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
