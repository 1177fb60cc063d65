using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Ops;

/// <summary>Everything the generator knows about one op, in one place: how the definition language writes it, its
/// attributes, its shape rule and diagnostics, its traits, its gradient rule and its ordered lowering strategies. Every
/// stage that needs op knowledge asks <see cref="OpRegistry"/>; none keeps a list of ops of its own. Adding an op is one
/// definition here (plus its eager counterpart in <c>runtime/Eager/Ops/</c> and its tests).</summary>
internal abstract class OpDefinition
{
    protected OpDefinition(OpKind kind, OpTraits traits, params string[] dslNames)
    {
        Kind = kind; Traits = traits; DslNames = dslNames;
    }

    public OpKind Kind { get; }

    public OpTraits Traits { get; }

    /// <summary>The <c>NetCompiler.Ops</c> methods that build this op (several for aliases, e.g. Swish and Silu; none
    /// for leaves and for ops written as C# operators).</summary>
    public IReadOnlyList<string> DslNames { get; }

    public bool Is(OpTraits trait) => (Traits & trait) == trait;

    /// <summary>The op's traits in <paramref name="mode"/>: its <see cref="Traits"/>, unless its inference form is
    /// another thing (dropout passes its operand through: a <see cref="OpTraits.View"/>).</summary>
    public virtual OpTraits TraitsIn(Lowering.ExecutionMode mode) => Traits;

    /// <summary>How the op is written in a definition, for the README's op table (e.g. <c>Tanh(x)</c>, <c>a + b</c>).</summary>
    public abstract string Syntax { get; }

    /// <summary>The shape rule in words, for the README's op table.</summary>
    public abstract string ShapeRule { get; }

    /// <summary>The gradient rule, for the README's op table (e.g. <c>dx += dy (1 - y^2)</c>).</summary>
    public abstract string GradientRule { get; }

    /// <summary>The lowering strategies, most specialized first: lowering runs a node with the first one that applies.
    /// The last one must apply to every node the shape rule accepts.</summary>
    public abstract IReadOnlyList<LoweringStrategy> Strategies { get; }

    /// <summary>Adds the node for <c>Ops.<see cref="OpCall.Name"/>(...)</c>. The default takes
    /// <see cref="TensorOperands"/> tensors and no attributes.</summary>
    public virtual TraceValue Build(OpCall call)
    {
        var operands = new int[TensorOperands];
        for (int i = 0; i < operands.Length; i++) operands[i] = call.Tensor(i, $"argument {i + 1} of {call.Name}");
        return call.Node(Kind, operands, OpAttributes.None);
    }

    /// <summary>How many tensor operands <see cref="Build"/> takes by default.</summary>
    protected virtual int TensorOperands => 1;

    /// <summary>Whether operand <paramref name="operand"/> may be ids (a <c>Tokens</c> value). Shape inference refuses a
    /// node whose operands are of a kind it does not take.</summary>
    public virtual bool TakesIds(NodeSpec node, int operand) => false;

    /// <summary>Whether operand <paramref name="operand"/> may be values (a <c>Tensor</c>): every operand that does not
    /// take ids, unless the op takes both (CrossEntropy's target).</summary>
    public virtual bool TakesValues(NodeSpec node, int operand) => !TakesIds(node, operand);

    /// <summary>For an operand that holds ids: how many distinct ids the node accepts there (0 to n - 1: the rows of
    /// Gather's table, the classes of CrossEntropy's logits); 0 when it does not read ids there.</summary>
    public virtual int IdCount(Graph graph, Node node, int operand) => 0;

    /// <summary>Floats per sample the node's forward saves for its backward (layer norm's mean and rstd per row), in a
    /// slot of the value workspace named by <c>KernelContext.S</c>; 0 for ops that recompute or need nothing.</summary>
    public virtual int SavedFloats(Node node) => 0;

    /// <summary>Whether the op's backward reads the value of operand <paramref name="operand"/> (Linear's input, for dW;
    /// not Add's operands). The training memory plan keeps every value some backward reads and lets forward reuse the
    /// slots of the rest once their last forward reader has run; the backward emitter checks each backward block's reads
    /// against this, so a wrong declaration is an internal error (NC9001), never a silently overwritten value. Default:
    /// every operand.</summary>
    public virtual bool BackwardReadsOperand(Node node, int operand) => true;

    /// <summary>Whether the op's backward reads its own value (Softmax's, or an activation whose derivative is written
    /// with its output), as <see cref="BackwardReadsOperand"/>. An activation fused into a layer is the layer's to
    /// declare (the memory plan keeps the pre-activation or the activation, as the derivative needs). Default: true.</summary>
    public virtual bool BackwardReadsOutput(Node node) => true;

    /// <summary>Whether the gradient flows into operand <paramref name="operand"/> (not into Where's mask). An operand it
    /// does not flow into must not depend on a parameter (NC0107): that parameter could not train through it.</summary>
    public virtual bool Differentiable(NodeSpec node, int operand) => true;

    /// <summary>Whether the node draws dropout masks in training (Dropout; an Attention with dropout): such nodes are
    /// numbered in definition order for their keys (<c>DropoutMasks.OpKey</c>), as the interpreter numbers them, and
    /// make the training plan stochastic.</summary>
    public virtual bool DrawsMasks(Node node) => Is(OpTraits.Stochastic);

    /// <summary>How messages name operand <paramref name="operand"/>, e.g. <c>the mask (argument 1)</c>.</summary>
    public virtual string OperandName(int operand) => $"argument {operand + 1}";

    /// <summary>For a decoder (<see cref="Lowering.DecodeGraph"/>): whether row t (along axis 0) of the node's output
    /// depends only on row t of its operands that are sequences (<paramref name="sequence"/>: [T, ...] values computed
    /// from the tokens) and on the whole of its other operands, so that a decoder step computes the one row it needs
    /// from one row of each sequence operand. Default: element-wise ops (broadcasting is checked by the decode graph).</summary>
    public virtual bool RowWise(Graph graph, Node node, bool[] sequence) => Is(OpTraits.ElementWise);

    /// <summary>For training (<see cref="LiveRows"/>): the rows (along axis 0) of operand <paramref name="operand"/> the node's
    /// value depends on when only the rows <paramref name="needed"/> of that value matter. Default: a row-wise op
    /// (<see cref="RowWise"/>, with its operands of the same rows as sequences) needs the same rows of those operands;
    /// everything else needs every row.</summary>
    public virtual RowDemand OperandRows(Graph graph, Node node, int operand, RowDemand needed)
    {
        if (needed.IsAll) return RowDemand.All;
        var aligned = new bool[node.Inputs.Count];
        for (int k = 0; k < aligned.Length; k++) aligned[k] = SameRows(node, graph[node.Inputs[k]]);
        return aligned[operand] && RowWise(graph, node, aligned) ? needed : RowDemand.All;
    }

    /// <summary>Whether finite operands always give a finite value, and finite derivatives (no division by the data, no
    /// exponential, logarithm or root of it). The rows a training forward skips (<see cref="LiveRows"/>) hold zeros, and
    /// what is computed from them downstream must stay finite: their gradients are then exactly zero, which the skipped
    /// backward terms rely on. Default: false.</summary>
    public virtual bool KeepsFinite(Node node) => false;

    /// <summary>Whether <paramref name="operand"/> is computed per sample with the rows of <paramref name="node"/>: the
    /// same rank and first axis (a broadcast operand, a parameter or a constant is read whole).</summary>
    protected static bool SameRows(Node node, Node operand) =>
        node.Shape.Length >= 1 && operand.Shape.Length == node.Shape.Length && operand.Shape[0] == node.Shape[0]
        && operand.Op is not (OpKind.Param or OpKind.Constant or OpKind.Buffer);

    /// <summary>Whether operand <paramref name="operand"/> is the only sequence among a node's operands.</summary>
    protected static bool OnlySequence(bool[] sequence, int operand)
    {
        for (int k = 0; k < sequence.Length; k++)
            if (sequence[k] != (k == operand)) return false;
        return true;
    }

    /// <summary><paramref name="axis"/> counted from the front of a rank-<paramref name="rank"/> shape.</summary>
    protected static int FromFront(int axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>The node's per-sample shape from its operands' shapes; null after reporting why not.</summary>
    public abstract int[]? InferShape(ShapeQuery query);
}
