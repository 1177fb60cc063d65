using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Permute(x, a0, a1, ...)</c>: axis k of the result is axis a_k of x (PyTorch's <c>permute</c>; negative
/// axes count from the end). A copy with constant strides (the innermost contiguous run vectorized); backward copies
/// the gradient back, accumulating.</summary>
internal sealed class PermuteOp : OpDefinition
{
    private PermuteOp() : base(OpKind.Permute, OpTraits.None, "Permute") { }

    public static readonly PermuteOp Instance = new();

    /// <summary>A permutation that keeps the first axis first permutes each row on its own.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) =>
        FromFront(((DimensionsAttribute)node.Attributes).Values[0], node.Shape.Length) == 0;

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Permute(x, a0, a1, ...)` (rank 2 to 4)";
    public override string ShapeRule => "`y.shape[k] = x.shape[a_k]`";
    public override string GradientRule => "`dx += Permute(dy, inverse)`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("strided copy", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, "the tensor to permute");
        var axes = Enumerable.Range(1, call.Arguments.Count - 1).Select(i => (int)call.Number(i, $"axis {i} of Permute")).ToArray();
        return call.Node(Kind, new[] { x }, new DimensionsAttribute(axes.ToEquatableArray()));
    }

    /// <summary>Moves dy back; reads no value.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        int[]? axes = Axes(query, x.Length);
        return axes?.Select(a => x[a]).ToArray();
    }

    /// <summary>The axes, each counted from the front; null after a diagnostic when they are not a permutation of x's.</summary>
    private static int[]? Axes(ShapeQuery query, int rank)
    {
        var raw = ((DimensionsAttribute)query.Node.Attributes).Values.ToArray();
        if (raw.Length != rank)
            return Fail(query, $"Permute of a rank-{rank} shape {ShapeQuery.Text(query.In(0))} needs {rank} axes, got {ShapeQuery.Text(raw)}");
        var axes = new int[rank];
        for (int k = 0; k < rank; k++)
            if ((axes[k] = query.Axis(raw[k], rank, "Permute's axis")) < 0) return null;
        if (axes.Distinct().Count() != rank) return Fail(query, $"Permute's axes {ShapeQuery.Text(raw)} name an axis twice");
        return axes;
    }

    private static int[]? Fail(ShapeQuery query, string detail) { query.Mismatch(detail); return null; }

    /// <summary>For each output dimension, the stride in x it steps over.</summary>
    private static (int[] Dims, int[] InputStrides) Layout(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        var strides = StridedCopy.Strides(x.Shape);
        var raw = ((DimensionsAttribute)node.Attributes).Values.ToArray();
        var axes = raw.Select(a => a < 0 ? a + x.Shape.Length : a).ToArray();
        return (node.Shape, axes.Select(a => strides[a]).ToArray());
    }

    private static void Forward(KernelContext c, Node node)
    {
        var (dims, input) = Layout(c, node);
        StridedCopy.Emit(c.W, dims, c.V(node.Inputs[0]), input, 0, c.V(node.Id), StridedCopy.Strides(dims), 0, accumulate: false);
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var (dims, input) = Layout(c, node);
        StridedCopy.Emit(c.W, dims, c.D(node.Id), StridedCopy.Strides(dims), 0, c.D(node.Inputs[0]), input, 0, accumulate: true);
    }
}
