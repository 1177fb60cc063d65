using System.Collections.Generic;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ir;

/// <summary>What an op's shape rule sees: its node, its operands' shapes, the network's declared shapes (for leaves),
/// and the diagnostics a rejected shape is reported with, at the node's expression and with both shapes in the
/// message.</summary>
internal sealed class ShapeQuery
{
    private readonly IReadOnlyList<int[]> _inputs;
    private readonly List<DiagnosticInfo> _diagnostics;

    public ShapeQuery(NodeSpec node, IReadOnlyList<int[]> inputs, NetworkSpec? network, List<DiagnosticInfo> diagnostics)
    {
        Node = node; _inputs = inputs; Network = network; _diagnostics = diagnostics;
    }

    public NodeSpec Node { get; }

    /// <summary>The network being shaped (null when a rule is asked on its own, as the op tests do): leaves read
    /// their declared shapes from it.</summary>
    public NetworkSpec? Network { get; }

    /// <summary>The shape of a leaf that is given by another node (an implicit target is shaped like the output).</summary>
    public System.Func<int, int[]>? ShapeOf { get; set; }

    /// <summary>What a node holds, by id (values unless set: a rule asked on its own sees values).</summary>
    public System.Func<int, DType>? TypeOf { get; set; }

    public int Count => _inputs.Count;

    /// <summary>The shape of operand <paramref name="i"/>.</summary>
    public int[] In(int i) => _inputs[i];

    /// <summary>Whether operand <paramref name="i"/> holds ids (a <c>Tokens</c> value) rather than values.</summary>
    public bool IsIds(int i) => TypeOf?.Invoke(Node.Inputs[i]) == DType.Int32;

    /// <summary>Reports NC0101 (the operands' shapes do not fit the op) and returns null.</summary>
    public int[]? Mismatch(string detail)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeMismatch, Node.Location, $"'{Node.Source}'", detail));
        return null;
    }

    /// <summary>Reports NC0103 (a loss whose output and target do not fit) and returns null.</summary>
    public int[]? LossMismatch(string message)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossShape, Node.Location, message));
        return null;
    }

    /// <summary>Adds a diagnostic (a warning, say) without rejecting the shape.</summary>
    public void Report(DiagnosticInfo diagnostic) => _diagnostics.Add(diagnostic);

    /// <summary><paramref name="axis"/> of a rank-<paramref name="rank"/> shape counted from the front (negative counts from
    /// the end, as in PyTorch); -1 after reporting NC0101 when it is out of range.</summary>
    public int Axis(int axis, int rank, string what)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        if (normalized >= 0 && normalized < rank) return normalized;
        Mismatch($"{what} {axis} is not an axis of a rank-{rank} shape (use 0 to {rank - 1}, or -{rank} to -1 from the end)");
        return -1;
    }

    /// <summary>A shape as text, e.g. <c>[2, 3]</c>.</summary>
    public static string Text(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The scalar shape [].</summary>
    public static readonly int[] Scalar = new int[0];
}
