using System;
using NetCompiler.Generator.Ir;

namespace NetCompiler.Generator.Lowering;

/// <summary>Where a strategy's code runs in a tiled network: once per sample (inside a loop over the tile's rows),
/// once for the whole tile, with row strides, or once for the whole batch (batch normalization's statistics): a
/// network with such a node runs its training step as one tile of the whole batch, so every op before it has run for
/// every sample when it starts (the step's phases are the ops, each over the batch).</summary>
internal enum StrategyScope
{
    Sample,
    Tile,
    Batch,
}

/// <summary>Which form of the network kernels run: training (<c>ComputeGradients</c>, <c>TrainStep</c>: dropout drops,
/// batch normalization uses and updates batch statistics) or inference (<c>Infer</c>).</summary>
internal enum ExecutionMode
{
    Training,
    Inference,
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

    /// <summary>Rows one sample brings to a tile-scope product (a sequence's positions): the plan cuts a network whose
    /// products take many rows per sample into smaller tiles (<see cref="KernelPlan.TileRows"/>). 1 for most.</summary>
    public virtual int RowsPerSample(Graph graph, Node node) => 1;

    /// <summary>Whether this strategy's backward, in a tile-scope training kernel, can write its weight and bias operands'
    /// whole gradients in the step's first tile instead of adding to them (inputs 1 and 2, when they are parameters no
    /// other node reads): <see cref="KernelPlan.OverwrittenGradients"/> then leaves them out of the step's clear.</summary>
    public virtual bool CanOverwriteParameterGradients => false;

    /// <summary>Whether this strategy runs the op's form in <paramref name="mode"/> (most run both).</summary>
    public virtual bool RunsIn(ExecutionMode mode) => true;

    /// <summary>Writes the node's forward code (its value from its operands' values).</summary>
    public abstract void Forward(KernelContext c, Node node);

    /// <summary>Writes the node's backward code: adds d loss / d operand into each operand that has a gradient.</summary>
    public abstract void Backward(KernelContext c, Node node);
}

/// <summary>A strategy given by two methods, for ops that have one way to run (most of them).</summary>
internal sealed class CodeStrategy : LoweringStrategy
{
    private readonly Action<KernelContext, Node> _forward, _backward;

    private readonly ExecutionMode? _mode;
    private readonly StrategyScope _scope;

    /// <param name="mode">The one mode it runs in; null: both.</param>
    /// <param name="scope">Where its code runs (<see cref="StrategyScope.Sample"/> for most).</param>
    public CodeStrategy(string name, Action<KernelContext, Node> forward, Action<KernelContext, Node> backward,
        ExecutionMode? mode = null, StrategyScope scope = StrategyScope.Sample)
    {
        Name = name; _forward = forward; _backward = backward; _mode = mode; _scope = scope;
    }

    public override string Name { get; }

    public override StrategyScope Scope => _scope;

    public override bool RunsIn(ExecutionMode mode) => _mode is null || _mode == mode;

    public override void Forward(KernelContext c, Node node) => _forward(c, node);

    public override void Backward(KernelContext c, Node node) => _backward(c, node);

    /// <summary>The strategy of a leaf: read where it lives, nothing to write.</summary>
    public static readonly CodeStrategy InPlace = new("in place", (_, _) => { }, (_, _) => { });
}
