using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Lowering;

/// <summary>The decoder of a causal sequence network (<c>[Network(Decoder = true)]</c>): the graph of one step that
/// computes the output row of one new position from its token and a per-sequence KV cache, instead of all T rows; for an
/// encoder-decoder (a source and a target input), also the graph of the encoder that runs once per sequence.
/// <para>Built from the network's graph by following the sequence axis. The [T] token input (the last input) is a
/// sequence; a node whose operands include a sequence is one when its op computes row t from row t of them
/// (<see cref="OpDefinition.RowWise"/>: element-wise ops, dense layers and normalization over rows, softmax along
/// features, embeddings, slices and reshapes that keep the rows), when it is a causal attention over sequences, whose
/// row t reads rows 0..t only, or when it is an attention of sequence queries over keys and values that are not (a
/// cross-attention: row t reads its own query). A node computed from the source input (an encoder-decoder's first input)
/// and not the tokens is the same in every step of a sequence: the encoder graph computes those a step reads once, in
/// <c>Encode</c>, and writes them into the sequence's cache slot (<see cref="CacheWriteOp"/>), where the step reads them
/// (<see cref="CachedValueOp"/>). Everything else (values computed from parameters and constants only) is the same in
/// every step. Then, in the step's graph, every sequence is one row ([1, ...]), a [T, ...] table added to a sequence
/// element-wise (a learned or sinusoidal position table) is read at the decoded position (<see cref="PositionRowOp"/>),
/// and each causal attention becomes an <see cref="AttentionDecodeOp"/> over the sequence's cache of its keys and values
/// (its score bias, T5's relative position bias, read at the decoded row). Any other use of the sequence axis (a product
/// over it, a non-causal self-attention, a recurrence) would need the rows after the decoded one: NC0013 at that
/// expression.</para></summary>
internal sealed class DecodeGraph
{
    private DecodeGraph(Graph graph, Graph? encoder, int context, int cacheFloats, int tokenCount, int sourceLength, int sourceTokenCount)
    {
        Graph = graph; Encoder = encoder; Context = context; CacheFloats = cacheFloats; TokenCount = tokenCount;
        SourceLength = sourceLength; SourceTokenCount = sourceTokenCount;
    }

    /// <summary>One step's graph: the input is one token, the output one position's row.</summary>
    public Graph Graph { get; }

    /// <summary>An encoder-decoder's encoder: the source ids in, the source values a step reads written into the
    /// sequence's cache slot (its output, a <see cref="CacheWriteOp"/>); null for a decoder-only network.</summary>
    public Graph? Encoder { get; }

    /// <summary>T: positions a sequence may hold (the definition's input length), the KV cache's rows.</summary>
    public int Context { get; }

    /// <summary>Floats of one sequence's KV cache: every attention's keys and values for <see cref="Context"/> positions,
    /// then the encoded source's values.</summary>
    public int CacheFloats { get; }

    /// <summary>Token ids the embeddings accept (0 to TokenCount - 1): the smallest table the tokens select rows of.</summary>
    public int TokenCount { get; }

    /// <summary>S: the source's ids per sequence (0 without a source).</summary>
    public int SourceLength { get; }

    /// <summary>Source ids the network accepts (0 to SourceTokenCount - 1).</summary>
    public int SourceTokenCount { get; }

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
        foreach (var input in spec.Inputs)
            if (spec.Inputs.Count > 2 || input.DType != DType.Int32 || input.Shape.Count != 1)
                return Fail(input.Location, "a decoder reads token ids: the [Forward] must take one [Shape(T)] Tokens input (the sequence it decodes), " +
                    "or two (a [Shape(S)] Tokens source, then the [Shape(T)] Tokens target it decodes)");
        if (spec.Inputs.Count == 0) return Fail(null, "its [Forward] takes no input");
        int target = spec.Inputs.Count - 1, T = spec.Inputs[target].Shape[0];
        int InputIndex(Node n) => ((InputAttribute)n.Attributes).Index;

        // What the output depends on, which of it is a sequence, and which is computed from the source alone.
        var needed = Ancestors(graph, new[] { graph.Output.Id }, stop: null);
        var sequence = new bool[graph.Nodes.Count];
        var source = new bool[graph.Nodes.Count];
        var positionTables = new HashSet<(int Node, int Operand)>();
        bool attends = false;
        foreach (var node in graph.Nodes)
        {
            if (!needed[node.Id]) continue;
            if (node.Op == OpKind.Input) { (InputIndex(node) == target ? sequence : source)[node.Id] = true; continue; }
            var operands = node.Inputs.Select(i => sequence[i]).ToArray();
            if (!operands.Any(s => s))
            {
                source[node.Id] = node.Inputs.Any(i => source[i]);   // the same in every step of a sequence (or of all)
                continue;
            }
            string what = $"'{node.Spec.Source}' ({node.Op} {node.ShapeText})";
            if (node.Op == OpKind.Attention)
            {
                var a = (AttentionAttribute)node.Attributes;
                if (operands.Take(3).All(s => s))
                {
                    if (!a.Causal)
                        return Fail(node.Spec.Location, $"{what} is not causal: each position attends later ones, which a decoder has not seen yet (use Causal = true)");
                    if (node.Inputs.Count > (a.Bias ? 4 : 3))
                        return Fail(node.Spec.Location, $"{what} masks padded keys (key padding ids), which a decoder step does not apply: it would attend them where the full forward does not. Decode with a network without the key padding mask; a decoder's prompts each have their own length and need no padding");
                    if (a.Bias && (operands[node.Inputs.Count - 1] || source[node.Inputs[node.Inputs.Count - 1]]))
                        return Fail(node.Spec.Location, $"{what} adds a score bias computed from the tokens or the source; a decoder step reads a bias computed from parameters alone (RelativePositionBias of a table)");
                    attends = true;
                }
                else if (operands[0] && !operands.Skip(1).Any(s => s))
                {
                    // A cross-attention: row t reads its own query and keys and values that every step shares.
                    if (a.Causal)
                        return Fail(node.Spec.Location, $"{what} is causal over keys that are not the token sequence; a decoder's causal attentions are self-attentions of the tokens");
                    if (a.Bias)
                        return Fail(node.Spec.Location, $"{what} adds a score bias to a cross-attention; a decoder step reads biases of causal self-attentions only");
                }
                else
                    return Fail(node.Spec.Location, $"{what} attends keys or values computed from the tokens with queries that are not; a decoder caches only the keys and values of a causal self-attention of the tokens");
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
        if (!attends && target == 0)
            return Fail(graph.Output.Spec.Location, "it has no causal attention, so there is nothing to cache: each position's output depends on its own token only");

        // The source values a step reads: computed by the encoder, kept in the cache slot after the attentions' caches.
        var exported = new bool[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
            if (needed[node.Id] && sequence[node.Id])
                foreach (int i in node.Inputs) exported[i] |= source[i];
        var inStep = Ancestors(graph, new[] { graph.Output.Id }, stop: exported);
        var cacheOffset = new int[graph.Nodes.Count];
        int cache = 0;
        foreach (var node in graph.Nodes)
            if (inStep[node.Id] && node.Op == OpKind.Attention && sequence[node.Id] && sequence[node.Inputs[1]])
            {
                cacheOffset[node.Id] = cache;
                cache += Padded(T) * graph[node.Inputs[1]].Last + T * graph[node.Inputs[2]].Last;
            }
        foreach (var node in graph.Nodes)
            if (exported[node.Id] && inStep[node.Id])
            {
                cacheOffset[node.Id] = cache;
                cache += (node.Size + 15) & ~15;   // each on a cache line of its own
            }

        // The step's graph: sequences are one row, position tables read at the decoded row, causal attentions over the
        // cache, source values read from the cache slot.
        var nodes = new List<Node>();
        var map = new int[graph.Nodes.Count];
        Node Add(NodeSpec spec, int[] shape, DType dtype)
        {
            var node = new Node(spec with { Id = nodes.Count }, shape, dtype);
            nodes.Add(node);
            return node;
        }
        foreach (var node in graph.Nodes)
        {
            if (!inStep[node.Id]) continue;
            if (exported[node.Id])
            {
                map[node.Id] = Add(new NodeSpec(0, OpKind.CachedValue, default, new CachedValueAttribute(cacheOffset[node.Id]),
                    node.Spec.Label, node.Spec.Source, node.Spec.Location), node.Shape, node.DType).Id;
                continue;
            }
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
            if (node.Op == OpKind.Input) nodeSpec = nodeSpec with { Attributes = new InputAttribute(0) };
            if (node.Op == OpKind.Attention && sequence[node.Inputs[1]])
            {
                var a = (AttentionAttribute)node.Attributes;
                int keys = cacheOffset[node.Id], values = keys + Padded(T) * graph[node.Inputs[1]].Last;
                int biasHeads = !a.Bias ? 0 : graph[node.Inputs[3]].Shape.Length == 3 ? graph[node.Inputs[3]].Shape[0] : 1;
                nodeSpec = nodeSpec with { Op = OpKind.AttentionDecode, Attributes = new AttentionDecodeAttribute(a.Heads, T, keys, values, a.Scale, biasHeads) };
            }
            map[node.Id] = Add(nodeSpec, shape, node.DType).Id;
        }
        var token = spec.Inputs[target] with { Shape = new EquatableArray<int>(new[] { 1 }), Offset = 0 };
        var output = nodes[map[graph.Output.Id]];
        var stepSpec = spec with
        {
            Nodes = new EquatableArray<NodeSpec>(nodes.Select(n => n.Spec).ToArray()),
            Inputs = new EquatableArray<InputSpec>(new[] { token }),
            OutputNode = output.Id,
            LossNode = -1,
        };
        var step = new Graph(stepSpec, nodes, output.Shape);
        var encoder = target == 0 ? null : BuildEncoder(graph, exported, cacheOffset, spec.Inputs[0]);
        return new DecodeGraph(step, encoder, T, cache, IdCount(graph, needed, target), target == 0 ? 0 : spec.Inputs[0].Shape[0],
            target == 0 ? 0 : IdCount(graph, needed, 0));
    }

    /// <summary>The encoder: every node the exported source values depend on, and a <see cref="CacheWriteOp"/> of them
    /// as its output; the source ids its only input.</summary>
    private static Graph BuildEncoder(Graph graph, bool[] exported, int[] cacheOffset, InputSpec sourceInput)
    {
        var roots = graph.Nodes.Where(n => exported[n.Id]).Select(n => n.Id).ToArray();
        var needed = Ancestors(graph, roots, stop: null);
        var nodes = new List<Node>();
        var map = new int[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
        {
            if (!needed[node.Id]) continue;
            var nodeSpec = node.Spec with { Id = nodes.Count, Inputs = new EquatableArray<int>(node.Inputs.Select(i => map[i]).ToArray()) };
            if (node.Op == OpKind.Input) nodeSpec = nodeSpec with { Attributes = new InputAttribute(0) };
            map[node.Id] = nodes.Count;
            nodes.Add(new Node(nodeSpec, node.Shape, node.DType));
        }
        var write = new Node(new NodeSpec(nodes.Count, OpKind.CacheWrite, new EquatableArray<int>(roots.Select(r => map[r]).ToArray()),
            new CacheWriteAttribute(new EquatableArray<int>(roots.Select(r => cacheOffset[r]).ToArray())), "encoded source", "Encode", null), new[] { 1 }, DType.Float32);
        nodes.Add(write);
        var encoderSpec = graph.Spec with
        {
            Nodes = new EquatableArray<NodeSpec>(nodes.Select(n => n.Spec).ToArray()),
            Inputs = new EquatableArray<InputSpec>(new[] { sourceInput with { Offset = 0 } }),
            OutputNode = write.Id,
            LossNode = -1,
        };
        return new Graph(encoderSpec, nodes, write.Shape);
    }

    /// <summary>The nodes <paramref name="roots"/> depend on (themselves included), not looking past the nodes
    /// <paramref name="stop"/> marks.</summary>
    private static bool[] Ancestors(Graph graph, int[] roots, bool[]? stop)
    {
        var seen = new bool[graph.Nodes.Count];
        foreach (int r in roots) seen[r] = true;
        for (int id = graph.Nodes.Count - 1; id >= 0; id--)
            if (seen[id] && (stop is null || !stop[id]))
                foreach (int input in graph[id].Inputs) seen[input] = true;
        return seen;
    }

    /// <summary>Ids input <paramref name="input"/> accepts: the fewest any op reading it accepts (int.MaxValue if none says).</summary>
    private static int IdCount(Graph graph, bool[] needed, int input)
    {
        int leaf = graph.Nodes.First(n => n.Op == OpKind.Input && ((InputAttribute)n.Attributes).Index == input).Id;
        return graph.Nodes.Where(n => needed[n.Id]).SelectMany(n => Enumerable.Range(0, n.Inputs.Count)
            .Where(k => n.Inputs[k] == leaf).Select(k => n.Definition.IdCount(graph, n, k))).Where(c => c > 0).DefaultIfEmpty(int.MaxValue).Min();
    }

    private static int[] Row(int[] shape) => new[] { 1 }.Concat(shape.Skip(1)).ToArray();

    /// <summary>The runtime's <c>AttentionDecode.Padded</c>: the transposed keys' row length.</summary>
    internal static int Padded(int context) => (context + 15) & ~15;
}
