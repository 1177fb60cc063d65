using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;

namespace NetCompiler.Generator.Lowering;

/// <summary>Where a prefix of rows ends: one past the last id of <see cref="Ids"/> (an input or target of ids, one per
/// row) that is not <see cref="Skip"/> (a padding id, or a loss's ignore index).</summary>
internal readonly record struct RowSource(int Ids, float Skip);

/// <summary>Which rows (along axis 0) of a value the loss depends on: all of them, or, per sample, a prefix that ends
/// where the last of its <see cref="Sources"/> ends (the largest of their prefixes).</summary>
internal sealed class RowDemand
{
    private RowDemand(IReadOnlyList<RowSource> sources) => Sources = sources;

    /// <summary>Every row.</summary>
    public static readonly RowDemand All = new(new RowSource[0]);

    /// <summary>The prefix <paramref name="source"/> ends.</summary>
    public static RowDemand Prefix(RowSource source) => new(new[] { source });

    public bool IsAll => Sources.Count == 0;

    /// <summary>The prefixes whose largest is the demanded one (none for <see cref="All"/>).</summary>
    public IReadOnlyList<RowSource> Sources { get; }

    /// <summary>The rows either demand.</summary>
    public RowDemand Union(RowDemand other) =>
        IsAll || other.IsAll ? All : new RowDemand(Sources.Concat(other.Sources).Distinct().OrderBy(s => s.Ids).ThenBy(s => s.Skip).ToArray());
}

/// <summary>The rows of each value a training step's loss depends on (a backward liveness analysis from the loss). A
/// sequence model trained on padded batches computes rows the loss never reads: a translation's target positions after
/// its end token (the loss ignores them), a source's positions after its last real token (every attention masks those
/// keys), and every row computed from those rows alone. Their gradients are exactly zero, so a backward product may skip
/// them (<c>SequenceGemm</c>'s live-row overloads: the same sums without their zero terms), and so may a forward product
/// whose value only reaches ops that keep finite values finite (<see cref="SkipsForward"/>: it writes zeros there).
/// <para>Starting from the loss (<see cref="Ops.OpDefinition.OperandRows"/> of its node), each node's demand on its
/// operands follows from the rows demanded of its own value: a row-wise op passes it on, an attention passes its queries'
/// on and demands of its keys and values the rows up to their last unmasked key, a cross-entropy with an ignore index
/// demands its logits' rows up to the last target it counts. A value with several consumers needs the rows any of them
/// does; any other op, and any value the loss reaches some other way, needs all rows.</para></summary>
internal sealed class LiveRows
{
    private readonly RowDemand[] _demand;
    private readonly bool[] _finiteBelow;

    private LiveRows(RowDemand[] demand, bool[] finiteBelow) => (_demand, _finiteBelow) = (demand, finiteBelow);

    /// <summary>The rows of node <paramref name="id"/>'s value the loss depends on.</summary>
    public RowDemand Of(int id) => _demand[id];

    /// <summary>Whether the forward may skip the rows of node <paramref name="id"/> the loss does not depend on, leaving
    /// zeros there: it has such rows, and everything computed from its value keeps finite values finite
    /// (<see cref="Ops.OpDefinition.KeepsFinite"/>), so the gradients of those rows stay exactly zero.</summary>
    public bool SkipsForward(int id) => !_demand[id].IsAll && _finiteBelow[id];

    public static LiveRows Of(Graph graph)
    {
        int count = graph.Nodes.Count;
        var demand = new RowDemand?[count];
        var loss = graph.Loss;
        if (loss is not null)
        {
            demand[loss.Id] = RowDemand.All;
            // Users come after their operands: in reverse order, a node's demand is complete before it is passed on.
            for (int id = count - 1; id >= 0; id--)
            {
                var node = graph[id];
                var needed = demand[id];
                if (needed is null) continue;   // the loss does not depend on it
                for (int k = 0; k < node.Inputs.Count; k++)
                {
                    int operand = node.Inputs[k];
                    var rows = node.Definition.OperandRows(graph, node, k, needed);
                    demand[operand] = demand[operand] is { } before ? before.Union(rows) : rows;
                }
            }
        }
        var finiteBelow = new bool[count];
        for (int id = count - 1; id >= 0; id--)
            finiteBelow[id] = graph.Users[id].All(u => finiteBelow[u] && graph[u].Definition.KeepsFinite(graph[u]));
        return new LiveRows(demand.Select(d => d ?? RowDemand.All).ToArray(), finiteBelow);
    }
}
