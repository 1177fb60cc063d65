using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Dropout(x, p)</c> (PyTorch's <c>F.dropout</c>; the layer is <c>[Dropout(p)] Dropout d</c>): in training
/// each element is zeroed with probability p and the rest scaled by 1 / (1 - p); in inference it passes x through (a
/// view: no code, no slot). The mask is not stored: <c>DropoutMasks</c> draws it from the step's key, the op's number
/// and the element's place in the batch, in forward and again in backward, and the interpreter calls the same
/// methods.</summary>
internal sealed class DropoutOp : OpDefinition
{
    private DropoutOp() : base(OpKind.Dropout, OpTraits.Stochastic, "Dropout") { }

    public static readonly DropoutOp Instance = new();

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`[Dropout(p)] Dropout d; d.Forward(x)`, `Dropout(x, p)`";
    public override string ShapeRule => "`x`'s shape; `p` in [0, 1)";
    public override string GradientRule => "`dx += dy mask / (1 - p)` (the mask drawn again); inference: none, x itself";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[]
    {
        new CodeStrategy("counter-based mask (training)", Forward, Backward, ExecutionMode.Training),
    };

    public override bool RowWise(Graph graph, Node node, bool[] sequence) => true;

    public override OpTraits TraitsIn(ExecutionMode mode) => mode == ExecutionMode.Inference ? Traits | OpTraits.View : Traits;

    public override Parse.TraceValue Build(Parse.OpCall call) =>
        call.Node(Kind, new[] { call.Tensor(0, "the input of Dropout") }, new ScalarAttribute(call.Number(1, "the probability of Dropout")));

    /// <summary>The mask is drawn again from the step's key.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        float p = Probability(query.Node);
        if (!(p >= 0f && p < 1f)) return query.Mismatch($"Dropout's probability must be in [0, 1), got {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return query.In(0);
    }

    private static float Probability(NodeSpec node) => ((ScalarAttribute)node.Attributes).Value;

    /// <summary>The node's key within a step: the nodes that draw masks (<see cref="OpDefinition.DrawsMasks"/>) are
    /// numbered in definition order, as the interpreter meets them.</summary>
    internal static string Key(KernelContext c, Node node)
    {
        int number = 0;
        foreach (var other in c.Graph.Nodes)
            if (other.Id < node.Id && other.Definition.DrawsMasks(other)) number++;
        return $"DropoutMasks.OpKey(key, {number})";
    }

    /// <summary>The mask counter of this sample's first element: its place in the whole batch times the sample size.</summary>
    private static string First(KernelContext c, Node node) => $"unchecked((uint)({c.SampleIndex}) * {node.Size}u)";

    private static string P(Node node) => Emit.SourceWriter.Float(Probability(node.Spec));

    private static void Forward(KernelContext c, Node node) =>
        c.W.Line($"DropoutMasks.Forward(ref {c.V(node.Inputs[0])}, ref {c.V(node.Id)}, {node.Size}, {Key(c, node)}, {First(c, node)}, {P(node)});");

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        c.W.Line($"DropoutMasks.Backward(ref {c.D(node.Id)}, ref {c.D(node.Inputs[0])}, {node.Size}, {Key(c, node)}, {First(c, node)}, {P(node)});");
    }
}
