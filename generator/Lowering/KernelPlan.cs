using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Optimize;

namespace NetCompiler.Generator.Lowering;

/// <summary>Lower: every decision about how a network runs in one mode, made before anything is printed. Whether it
/// runs a tile of samples per call, the whole batch as one tile (an op needs the batch), or one sample at a time; for
/// each node that writes code, the strategy it runs with (the first of its op's ordered strategies that runs in the
/// mode and applies); which nodes each kernel (forward, loss, backward) holds and in what order; and after which
/// backward op each parameter's gradient is final (where a fused optimizer step updates it). A network has a training
/// plan and an inference plan (<c>Infer</c>'s, forward only, over its own memory plan). Emit prints the plans and
/// decides nothing.</summary>
internal sealed class KernelPlan
{
    private readonly LoweringStrategy?[] _strategies;

    private KernelPlan(Graph graph, GradientPlan gradients, Fusion fusion, MemoryPlan memory, ExecutionMode mode, bool tiled,
        LoweringStrategy?[] strategies, DecodeGraph? decoder)
    {
        Graph = graph; Gradients = gradients; Fusion = fusion; Memory = memory; Mode = mode; Tiled = tiled; _strategies = strategies; Decoder = decoder;
        bool training = mode == ExecutionMode.Training;
        Forward = graph.Nodes.Where(n => gradients.InForward[n.Id] && WritesCode(n)).ToList();
        Loss = graph.Nodes.Where(n => training && gradients.InLoss[n.Id] && WritesCode(n)).ToList();
        Backward = graph.Nodes.Where(n => training && gradients.NeedsGradient[n.Id] && WritesCode(n)).Reverse().ToList();
        WholeBatch = Forward.Concat(Loss).Any(n => StrategyOf(n).Scope == StrategyScope.Batch);
        // Any dropout of the definition, even one nothing reads: the interpreter runs it and moves RandomStep on.
        Stochastic = training && graph.Nodes.Any(n => n.Definition.DrawsMasks(n));
        LastBackwardUse = LastUses();
        OverwrittenGradients = Overwritten();
        int longest = Forward.Concat(Loss).Select(n => StrategyOf(n).RowsPerSample(graph, n)).DefaultIfEmpty(1).Max();
        TileRows = longest <= 1 && LargestTileWeights(graph) >= WideWeights ? WideTileRows
            : System.Math.Max(1, System.Math.Min(MaxTileRows, TileProductRows / System.Math.Max(1, longest)));
    }

    /// <summary>The form the kernels run: training (forward, loss, backward) or inference (forward only).</summary>
    public ExecutionMode Mode { get; }

    /// <summary>Whether some op needs the whole batch at once (batch normalization's training form): the kernels then run
    /// the whole batch as one tile (<see cref="Tiled"/> holds too), so that every op has run for every sample before the
    /// next starts, and the workspaces grow to the batch.</summary>
    public bool WholeBatch { get; }

    /// <summary>Whether the definition draws random numbers in this mode (dropout in training): the entry points take the
    /// step's key (which moves <c>RandomStep</c> on, as on the interpreted path) and the kernels get it and the batch
    /// position of their first sample.</summary>
    public bool Stochastic { get; }

    public Graph Graph { get; }

    /// <summary>For a decoder step's plan (over <see cref="DecodeGraph.Graph"/>): the decoder; its kernel takes the
    /// sequence's KV cache (<c>kv</c>) and the decoded position (<c>position</c>), one sequence at a time.</summary>
    public DecodeGraph? Decoder { get; }

    public GradientPlan Gradients { get; }
    public Fusion Fusion { get; }
    public MemoryPlan Memory { get; }

    /// <summary>Whether the kernels run a tile of up to <see cref="TileRows"/> samples per call (sample s of a tile uses
    /// workspace s * size): when some forward node's best strategy needs the whole tile (a dense layer large enough
    /// for TileGemm). Small networks keep per-sample code with no row loops at all.</summary>
    public bool Tiled { get; }

    /// <summary>Samples per tile: <see cref="MaxTileRows"/>, or <see cref="WideTileRows"/> for a network of single rows with
    /// a weight matrix of <see cref="WideWeights"/> or more, or for a network whose tile products take several rows per
    /// sample (a Transformer's tokens) as many samples as make about <see cref="TileProductRows"/> rows, at least one.</summary>
    public int TileRows { get; }

    /// <summary>Samples per tile of a network of single rows: large enough that every weight loaded is reused many
    /// times, small enough that a tile's activations stay in the L2 cache.</summary>
    public const int MaxTileRows = 32;

    /// <summary>Samples per tile of a network of single rows whose weights are too large for that (<see cref="WideWeights"/>):
    /// every tile reads W twice (forward and dX) and reads and writes dW once, from beyond L2, while its activations are a
    /// few hundred KB, so fewer, larger tiles move far less. bench -- scaling's MLPs, Zen 3 (AVX2), training step at 128 /
    /// 512 samples, 1 thread, against 32-row tiles: H = 2048 1.20x / 1.28x, 1024 1.75x / 1.48x, 512 (W3) 1.14x / 1.05x
    /// (two threads 1.21x / 1.43x, 1.29x / 1.42x, 1.08x / 1.24x); H = 256 (784 x 256 weights, under the limit) mixed
    /// within noise, 0.96-1.07x.</summary>
    public const int WideTileRows = 128;

    /// <summary>Elements of the largest weight matrix (1 MB of floats) from which a network of single rows takes
    /// <see cref="WideTileRows"/>-sample tiles.</summary>
    public const long WideWeights = 1 << 18;

    /// <summary>Elements of the largest weight matrix a dense layer of the forward pass multiplies a whole tile by (its
    /// weights are read once per tile); 0 when none does (embedding tables, per-sample products).</summary>
    private long LargestTileWeights(Graph graph) =>
        Forward.Where(n => n.Op == OpKind.Linear && StrategyOf(n).Scope == StrategyScope.Tile && graph[n.Inputs[1]].Op == OpKind.Param)
            .Select(n => (long)graph[n.Inputs[1]].Size).DefaultIfEmpty(0).Max();

    /// <summary>Rows per tile product a network of sequences aims at: enough to fill TileGemm's register blocks and to
    /// sum dW over many rows in registers, while the tile's values (a few MB for T5 at 10 samples) stay in cache.</summary>
    public const int TileProductRows = 256;

    /// <summary>Nodes the forward kernel computes, in order.</summary>
    public IReadOnlyList<Node> Forward { get; }

    /// <summary>Nodes only the loss depends on, computed after the forward kernel, in order.</summary>
    public IReadOnlyList<Node> Loss { get; }

    /// <summary>Nodes whose backward code runs, in reverse order.</summary>
    public IReadOnlyList<Node> Backward { get; }

    /// <summary>For each parameter (index into the spec's parameters), the backward node after which nothing reads its
    /// value or adds to its gradient: the user with the lowest node id, since backward runs in decreasing id order.
    /// -1 when no backward op touches it.</summary>
    public int[] LastBackwardUse { get; }

    /// <summary>The strategy <paramref name="node"/> runs with.</summary>
    public LoweringStrategy StrategyOf(Node node) => _strategies[node.Id] ?? throw new System.InvalidOperationException($"{node.Op} {node.Id} writes no code");

    /// <summary>Whether a node writes code of its own: leaves are read in place, a view is its operand's storage, and a
    /// fused activation is computed in its host's epilogue.</summary>
    public bool WritesCode(Node node) => WritesCode(node, Fusion, Mode);

    private static bool WritesCode(Node node, Fusion fusion, ExecutionMode mode) =>
        !node.Is(OpTraits.Leaf) && !node.Is(OpTraits.View, mode) && fusion.FusedInto[node.Id] < 0;

    /// <param name="decoder">The decoder whose step <paramref name="graph"/> is (an inference plan, never tiled: each
    /// sequence has its own position and cache); null for the network's own plans.</param>
    public static KernelPlan Build(Graph graph, GradientPlan gradients, Fusion fusion, MemoryPlan memory, ExecutionMode mode, DecodeGraph? decoder = null)
    {
        bool Runs(Node n) => (gradients.InForward[n.Id] || (mode == ExecutionMode.Training && gradients.InLoss[n.Id])) && WritesCode(n, fusion, mode);
        bool tiled = decoder is null && graph.Nodes.Any(n => Runs(n) && Choose(graph, n, tileAllowed: true, mode).Scope != StrategyScope.Sample);
        var strategies = new LoweringStrategy?[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
            if (Runs(node)) strategies[node.Id] = Choose(graph, node, tiled, mode);
        return new KernelPlan(graph, gradients, fusion, memory, mode, tiled, strategies, decoder);
    }

    /// <summary>The first of the node's strategies that runs in <paramref name="mode"/> and applies (a tile strategy only
    /// when the network may run in tiles; a whole-batch one always, since it makes the network run the batch as a tile).</summary>
    private static LoweringStrategy Choose(Graph graph, Node node, bool tileAllowed, ExecutionMode mode)
    {
        foreach (var strategy in node.Definition.Strategies)
            if (strategy.RunsIn(mode) && (tileAllowed || strategy.Scope != StrategyScope.Tile) && strategy.Applies(graph, node)) return strategy;
        throw new System.InvalidOperationException($"no lowering strategy of {node.Op} runs in {mode} and applies to node {node.Id}");
    }

    /// <summary>For each parameter (index into the spec's parameters), whether backward's first tile writes its whole
    /// gradient rather than adding to it, so that the training step need not clear it first: a dense layer's weight and
    /// bias run by a strategy that can (<see cref="LoweringStrategy.CanOverwriteParameterGradients"/>), when no other
    /// node reads them (tied weights, views) and both the weight's gradient and, if it has one, the bias's come from
    /// that one call. Saves writing, and in the first tile reading, every such gradient once per step (2.7 MB for W3).</summary>
    public bool[] OverwrittenGradients { get; }

    private bool[] Overwritten()
    {
        var result = new bool[Graph.Spec.Parameters.Count];
        if (Mode != ExecutionMode.Training || !Tiled) return result;
        var readers = new int[Graph.Nodes.Count];
        foreach (var node in Graph.Nodes)
            foreach (int input in node.Inputs) readers[Memory.Root[input]]++;
        bool Sole(int id) => Graph[id].Op == Model.OpKind.Param && Memory.Root[id] == id && readers[id] == 1 && Gradients.NeedsGradient[id];
        foreach (var node in Backward)
        {
            if (!StrategyOf(node).CanOverwriteParameterGradients || node.Inputs.Count < 2) continue;
            int weight = node.Inputs[1], bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            bool biasGradient = bias >= 0 && Gradients.NeedsGradient[bias];
            if (!Sole(weight) || biasGradient && !Sole(bias)) continue;
            result[Graph[weight].Spec.Parameter] = true;
            if (biasGradient) result[Graph[bias].Spec.Parameter] = true;
        }
        return result;
    }

    private int[] LastUses()
    {
        var last = Enumerable.Repeat(-1, Graph.Spec.Parameters.Count).ToArray();
        foreach (var node in Backward)   // decreasing id: the last write wins
            foreach (int input in node.Inputs)
                if (Graph[Memory.Root[input]] is { Op: Model.OpKind.Param } parameter) last[parameter.Spec.Parameter] = node.Id;
        return last;
    }
}
