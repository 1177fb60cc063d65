using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Lowering;

/// <summary>The decoder of a causal sequence network (<c>[Network(Decoder = true)]</c>): the graph of one step that
/// computes the output row of one new position from its token and a per-sequence KV cache, instead of all T rows.
/// <para>Built from the network's graph by following the sequence axis. The [T] token input is a sequence; a node whose
/// operands include a sequence is one when its op computes row t from row t of them (<see cref="OpDefinition.RowWise"/>:
/// element-wise ops, dense layers and normalization over rows, softmax along features, embeddings, slices and
/// reshapes that keep the rows), or when it is a causal attention over sequences, whose row t reads rows 0..t only.
/// Everything else (values computed from parameters and constants only) is the same in every step. Then, in the step's
/// graph, every sequence is one row ([1, ...]), a [T, ...] table added to a sequence element-wise (a learned or
/// sinusoidal position table) is read at the decoded position (<see cref="PositionRowOp"/>), and each causal attention
/// becomes an <see cref="AttentionDecodeOp"/> over the sequence's cache of its keys and values. Any other use of the
/// sequence axis (a product over it, a non-causal attention, a recurrence) would need the rows after the decoded one:
/// NC0013 at that expression.</para></summary>
internal sealed class DecodeGraph
{
    private DecodeGraph(Graph graph, int context, int cacheFloats, int tokenCount)
    {
        Graph = graph; Context = context; CacheFloats = cacheFloats; TokenCount = tokenCount;
    }

    /// <summary>One step's graph: the input is one token, the output one position's row.</summary>
    public Graph Graph { get; }

    /// <summary>T: positions a sequence may hold (the definition's input length), the KV cache's rows.</summary>
    public int Context { get; }

    /// <summary>Floats of one sequence's KV cache: every attention's keys and values for <see cref="Context"/> positions.</summary>
    public int CacheFloats { get; }

    /// <summary>Token ids the embeddings accept (0 to TokenCount - 1): the smallest table the tokens select rows of.</summary>
    public int TokenCount { get; }

    /// <summary>The decoder of <paramref name="graph"/>, or null after reporting NC0013 at what prevents it.</summary>
    public static DecodeGraph? Build(Graph graph, List<DiagnosticInfo> diagnostics)
    {
        var spec = graph.Spec;
        var classLocation = spec.Nodes.FirstOrDefault(n => n.Op == OpKind.Input)?.Location;
        DecodeGraph? Fail(LocationInfo? location, string why)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotDecodable, location ?? classLocation, spec.Class.Name, why));
            return null;
        }
        if (spec.Inputs.Count != 1 || spec.Inputs[0].DType != DType.Int32 || spec.Inputs[0].Shape.Count != 1)
            return Fail(spec.Inputs.Count > 0 ? spec.Inputs[0].Location : null,
                "a decoder reads one sequence of token ids: the [Forward] must take exactly one [Shape(T)] Tokens input");
        int T = spec.Inputs[0].Shape[0];

        // What the output depends on, and which of it is a sequence.
        var needed = new bool[graph.Nodes.Count];
        needed[graph.Output.Id] = true;
        for (int id = graph.Output.Id; id >= 0; id--)
            if (needed[id]) foreach (int input in graph[id].Inputs) needed[input] = true;
        var sequence = new bool[graph.Nodes.Count];
        var positionTables = new HashSet<(int Node, int Operand)>();
        bool attends = false;
        foreach (var node in graph.Nodes)
        {
            if (!needed[node.Id]) continue;
            if (node.Op == OpKind.Input) { sequence[node.Id] = true; continue; }
            var operands = node.Inputs.Select(i => sequence[i]).ToArray();
            if (!operands.Any(s => s)) continue;   // the same in every step
            string what = $"'{node.Spec.Source}' ({node.Op} {node.ShapeText})";
            if (node.Op == OpKind.Attention)
            {
                if (!((AttentionAttribute)node.Attributes).Causal)
                    return Fail(node.Spec.Location, $"{what} is not causal: each position attends later ones, which a decoder has not seen yet (use Causal = true)");
                if (!operands.All(s => s))
                    return Fail(node.Spec.Location, $"{what} attends keys or values that are not the token sequence; a decoder caches only keys and values computed from it");
                if (node.Inputs.Count > 3)
                    return Fail(node.Spec.Location, $"{what} masks padded keys (key padding ids), which a decoder step does not apply: it would attend them where the full forward does not. Decode with a network without the key padding mask; a decoder's prompts each have their own length and need no padding");
                attends = true;
            }
            else if (!node.Definition.RowWise(graph, node, operands))
                return Fail(node.Spec.Location, $"{what} mixes the positions of the sequence, so one position's result would need the others; a decoder computes one position at a time from rows computed before it (write causal attention as Attention(q, k, v, heads, causal: true) or [MultiHeadAttention(Causal = true)])");
            if (node.Shape.Length == 0 || node.Shape[0] != T)
                return Fail(node.Spec.Location, $"{what} does not keep the {T} positions of the sequence in its first axis");
            if (node.Is(OpTraits.ElementWise))
                for (int k = 0; k < operands.Length; k++)
                {
                    var operand = graph[node.Inputs[k]];
                    if (operands[k] && operand.Shape.Length != node.Shape.Length)
                        return Fail(node.Spec.Location, $"{what} broadcasts the sequence '{operand.Spec.Label}' {operand.ShapeText} across its first axis");
                    if (!operands[k] && operand.Shape.Length == node.Shape.Length && T > 1 && operand.Shape[0] == T)
                        positionTables.Add((node.Id, k));   // one row per position: read at the decoded one
                }
            sequence[node.Id] = true;
        }
        if (!sequence[graph.Output.Id])
            return Fail(graph.Output.Spec.Location, "its output does not depend on the tokens");
        if (!attends)
            return Fail(graph.Output.Spec.Location, "it has no causal attention, so there is nothing to cache: each position's output depends on its own token only");

        // The step's graph: sequences are one row, position tables read at the decoded row, attentions over the cache.
        var nodes = new List<Node>();
        var map = new int[graph.Nodes.Count];
        int cache = 0;
        Node Add(NodeSpec spec, int[] shape, DType dtype)
        {
            var node = new Node(spec with { Id = nodes.Count }, shape, dtype);
            nodes.Add(node);
            return node;
        }
        foreach (var node in graph.Nodes)
        {
            if (!needed[node.Id]) continue;
            var inputs = node.Inputs.Select(i => map[i]).ToArray();
            for (int k = 0; k < inputs.Length; k++)
                if (positionTables.Contains((node.Id, k)))
                {
                    var table = nodes[inputs[k]];
                    var row = Add(new NodeSpec(0, OpKind.PositionRow, new EquatableArray<int>(new[] { table.Id }), OpAttributes.None,
                        table.Spec.Label, table.Spec.Source, table.Spec.Location), Row(table.Shape), DType.Float32);
                    inputs[k] = row.Id;
                }
            var shape = sequence[node.Id] ? Row(node.Shape) : node.Shape;
            var nodeSpec = node.Spec with { Inputs = new EquatableArray<int>(inputs) };
            if (node.Op == OpKind.Attention)
            {
                int width = graph[node.Inputs[1]].Last, valueWidth = graph[node.Inputs[2]].Last;
                int keys = cache, values = keys + Padded(T) * width;
                cache = values + T * valueWidth;
                nodeSpec = nodeSpec with { Op = OpKind.AttentionDecode, Attributes = new AttentionDecodeAttribute(((AttentionAttribute)node.Attributes).Heads, T, keys, values) };
            }
            map[node.Id] = Add(nodeSpec, shape, node.DType).Id;
        }
        var token = spec.Inputs[0] with { Shape = new EquatableArray<int>(new[] { 1 }) };
        var output = nodes[map[graph.Output.Id]];
        var stepSpec = spec with
        {
            Nodes = new EquatableArray<NodeSpec>(nodes.Select(n => n.Spec).ToArray()),
            Inputs = new EquatableArray<InputSpec>(new[] { token }),
            OutputNode = output.Id,
            LossNode = -1,
        };
        var tokenCount = graph.Nodes.Where(n => needed[n.Id]).SelectMany(n => Enumerable.Range(0, n.Inputs.Count)
            .Where(k => n.Inputs[k] == graph.Nodes.First(i => i.Op == OpKind.Input).Id)
            .Select(k => n.Definition.IdCount(graph, n, k))).Where(c => c > 0).DefaultIfEmpty(int.MaxValue).Min();
        return new DecodeGraph(new Graph(stepSpec, nodes, output.Shape), T, cache, tokenCount);
    }

    private static int[] Row(int[] shape) => new[] { 1 }.Concat(shape.Skip(1)).ToArray();

    /// <summary>The runtime's <c>AttentionDecode.Padded</c>: the transposed keys' row length.</summary>
    private static int Padded(int context) => (context + 15) & ~15;
}
