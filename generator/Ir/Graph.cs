using System.Collections.Generic;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ir;

/// <summary>A node of the per-sample graph with its inferred shape.</summary>
internal sealed class Node
{
    public Node(NodeSpec spec, int[] shape, DType dtype) { Spec = spec; Shape = shape; DType = dtype; }

    public NodeSpec Spec { get; }
    public int Id => Spec.Id;
    public OpKind Op => Spec.Op;
    public EquatableArray<int> Inputs => Spec.Inputs;
    public OpAttributes Attributes => Spec.Attributes;
    public int[] Shape { get; }

    /// <summary>Values, or ids (a <c>Tokens</c> input): an id is read as an integer and has no gradient.</summary>
    public DType DType { get; }

    public int Size
    {
        get { int n = 1; foreach (int d in Shape) n *= d; return n; }
    }

    /// <summary>Last dimension (1 for a scalar).</summary>
    public int Last => Shape.Length == 0 ? 1 : Shape[Shape.Length - 1];

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The op's definition (traits, shape rule, strategies).</summary>
    public Ops.OpDefinition Definition => Ops.OpRegistry.For(Op);

    public bool Is(Ops.OpTraits trait) => Definition.Is(trait);

    /// <summary>Whether the node's op has <paramref name="trait"/> in <paramref name="mode"/> (see <see cref="Ops.OpDefinition.TraitsIn"/>).</summary>
    public bool Is(Ops.OpTraits trait, Lowering.ExecutionMode mode) => (Definition.TraitsIn(mode) & trait) == trait;
}

/// <summary>The shaped graph of one network: nodes in topological order (inputs before users).</summary>
internal sealed class Graph
{
    public Graph(NetworkSpec spec, List<Node> nodes, int[] targetShape)
    {
        Spec = spec; Nodes = nodes; TargetShape = targetShape;
        Users = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++) Users[i] = new List<int>();
        foreach (var n in nodes) foreach (int input in n.Inputs) Users[input].Add(n.Id);
    }

    public NetworkSpec Spec { get; }
    public List<Node> Nodes { get; }
    public List<int>[] Users { get; }
    public int[] TargetShape { get; }
    public Node Output => Nodes[Spec.OutputNode];
    public Node? Loss => Spec.LossNode >= 0 ? Nodes[Spec.LossNode] : null;
    public Node this[int id] => Nodes[id];
}
