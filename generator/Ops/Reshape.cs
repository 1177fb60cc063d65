using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Reshape(x, d0, d1, ...)</c>: the same elements in the same order with another per-sample shape; one
/// dimension may be -1 (inferred). A view: it shares its operand's value and gradient storage, so it costs nothing.</summary>
internal sealed class ReshapeOp : OpDefinition
{
    private ReshapeOp() : base(OpKind.Reshape, OpTraits.View, "Reshape", "Flatten") { }

    public static readonly ReshapeOp Instance = new();

    /// <summary>A reshape that keeps the first axis reshapes each row on its own.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence)
    {
        int[] x = graph[node.Inputs[0]].Shape;
        return x.Length >= 2 && node.Shape.Length >= 2 && x[0] == node.Shape[0];
    }

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Reshape(x, d0, ...)` (up to 4 dimensions, one may be -1); `Flatten(x)` is `Reshape(x, -1)`";
    public override string ShapeRule => "the given shape, same number of elements";
    public override string GradientRule => "`dx` is `dy` (shared storage)";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { CodeStrategy.InPlace };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, "the tensor to reshape");
        if (call.Name == "Flatten") return call.Node(Kind, new[] { x }, new DimensionsAttribute(new[] { -1 }.ToEquatableArray()));
        var dims = Enumerable.Range(1, call.Arguments.Count - 1).Select(i => (int)call.Number(i, $"dimension {i} of Reshape")).ToArray();
        return call.Node(Kind, new[] { x }, new DimensionsAttribute(dims.ToEquatableArray()));
    }

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        int[] dims = ((DimensionsAttribute)query.Node.Attributes).Values.ToArray();
        long size = x.Aggregate(1L, (a, b) => a * b);
        int inferred = System.Array.IndexOf(dims, -1);
        if (dims.Count(d => d == -1) > 1 || dims.Any(d => d == 0 || d < -1))
            return query.Mismatch($"Reshape to {ShapeQuery.Text(dims)}: dimensions must be positive, with at most one -1 (inferred)");
        long known = dims.Where(d => d > 0).Aggregate(1L, (a, b) => a * b);
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0)
                return query.Mismatch($"Reshape of {ShapeQuery.Text(x)} ({size} elements) to {ShapeQuery.Text(dims)}: {size} is not a multiple of {known}");
            dims[inferred] = (int)(size / known);
        }
        else if (known != size)
            return query.Mismatch($"Reshape of {ShapeQuery.Text(x)} ({size} elements) to {ShapeQuery.Text(dims)} ({known} elements): the number of elements must stay the same");
        return dims;
    }
}
