using System;
using NetCompiler.Generator.Ir;

namespace NetCompiler.Generator.Lowering;

/// <summary>Where a strategy's code runs in a tiled network: once per sample (inside a loop over the tile's rows) or
/// once for the whole tile, with row strides.</summary>
internal enum StrategyScope
{
    Sample,
    Tile,
}

/// <summary>One way to run an op: its forward and backward code for a node. An op lists its strategies most
/// specialized first (<see cref="Ops.OpDefinition.Strategies"/>) and <see cref="KernelPlan"/> picks, per node, the first
/// that applies (Mapperly's ordered builders); Emit then prints the plan by asking each chosen strategy for its code.</summary>
internal abstract class LoweringStrategy
{
    /// <summary>A short name, for the README's op table and the plan's tests (e.g. <c>TileGemm</c>).</summary>
    public abstract string Name { get; }

    public virtual StrategyScope Scope => StrategyScope.Sample;

    /// <summary>Whether this strategy can run <paramref name="node"/>. A <see cref="StrategyScope.Tile"/> strategy is
    /// only asked when the network may run in tiles.</summary>
    public virtual bool Applies(Graph graph, Node node) => true;

    /// <summary>Writes the node's forward code (its value from its operands' values).</summary>
    public abstract void Forward(KernelContext c, Node node);

    /// <summary>Writes the node's backward code: adds d loss / d operand into each operand that has a gradient.</summary>
    public abstract void Backward(KernelContext c, Node node);
}

/// <summary>A strategy given by two methods, for ops that have one way to run (most of them).</summary>
internal sealed class CodeStrategy : LoweringStrategy
{
    private readonly Action<KernelContext, Node> _forward, _backward;

    public CodeStrategy(string name, Action<KernelContext, Node> forward, Action<KernelContext, Node> backward)
    {
        Name = name; _forward = forward; _backward = backward;
    }

    public override string Name { get; }

    public override void Forward(KernelContext c, Node node) => _forward(c, node);

    public override void Backward(KernelContext c, Node node) => _backward(c, node);

    /// <summary>The strategy of a leaf: read where it lives, nothing to write.</summary>
    public static readonly CodeStrategy InPlace = new("in place", (_, _) => { }, (_, _) => { });
}
