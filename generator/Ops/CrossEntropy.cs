using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>CrossEntropy(logits, t)</c>: softmax cross-entropy from logits, per row, with log-sum-exp
/// lse = max + log(sum exp(x - max)). A class-index target c gives loss lse - x[c] and gradient softmax - onehot(c); a
/// probability target p gives sum(p) lse - dot(p, x) and gradient sum(p) softmax - p. The sample's loss is the mean over
/// its rows. Class indices are floats of shape [..., 1], or ids (a <c>Tokens</c> target of shape [...], as PyTorch's
/// <c>cross_entropy(logits[T, V], target[T])</c>); both travel as floats holding integers and are checked as they are
/// read. Softmax + cross-entropy needs no fusion pass: the op takes logits. A class index equal to the ignore index
/// (<see cref="CrossEntropyAttribute"/>) skips its row, and the sample's loss is the mean over the rows kept (0 when
/// none is), counted as the rows are read.</summary>
internal sealed class CrossEntropyOp : OpDefinition
{
    private CrossEntropyOp() : base(OpKind.CrossEntropy, OpTraits.Loss, "CrossEntropy") { }

    public static readonly CrossEntropyOp Instance = new();

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`CrossEntropy(logits, t)`, `CrossEntropy(logits, t, ignoreIndex: pad)`";
    public override string ShapeRule => "`[]`; `t` of the logits' shape (probabilities) or with last dimension 1 (class indices); `Tokens` `t` of the logits' shape without the last (class ids)";
    public override string GradientRule => "`dlogits += dl (softmax sum(t) - t) / rows` (rows kept: class index not the ignore index; none to ignored rows)";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row loops", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override bool TakesIds(NodeSpec node, int operand) => operand == 1;

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int logits = call.Tensor(0, "the logits of CrossEntropy"), target = call.Tensor(1, "the target of CrossEntropy");
        float ignore = call.Arguments.Count > 2 ? call.Number(2, "the ignore index of CrossEntropy") : -100f;
        return call.Node(Kind, new[] { logits, target }, new CrossEntropyAttribute((int)ignore));
    }

    /// <summary>Whether a row's class index can be the ignore index: a float class index can hold any integer, ids
    /// only non-negative ones (so the default -100 never matches them).</summary>
    private static bool Ignores(Node node, Node target) =>
        node.Attributes is CrossEntropyAttribute a && (target.DType != DType.Int32 || a.IgnoreIndex >= 0);

    public override bool TakesValues(NodeSpec node, int operand) => true;

    /// <summary>Logits [T, classes] against T ids with an ignore index: only the rows up to the last counted id matter
    /// (the others add nothing to the loss), whatever is asked of the loss.</summary>
    public override RowDemand OperandRows(Graph graph, Node node, int operand, RowDemand needed)
    {
        var (y, t) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
        bool prefix = operand == 0 && y.Shape.Length == 2 && t.DType == DType.Int32 && t.Shape.Length == 1 && Ignores(node, t)
            && t.Op is OpKind.Target or OpKind.Input;
        return prefix ? RowDemand.Prefix(new RowSource(t.Id, ((CrossEntropyAttribute)node.Attributes).IgnoreIndex)) : RowDemand.All;
    }

    public override int IdCount(Graph graph, Node node, int operand) => operand == 1 ? graph[node.Inputs[0]].Last : 0;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] y = query.In(0), t = query.In(1);
        if (y.Length == 0) return query.LossMismatch("CrossEntropy needs logits with a class dimension, got a scalar");
        if (query.IsIds(1))
        {
            // One id per row: the logits' shape without the class dimension (or with it as 1, as float class indices).
            int[] rows = y.Take(y.Length - 1).ToArray();
            if (t.SequenceEqual(rows) || t.SequenceEqual(rows.Concat(new[] { 1 })))
                return ShapeQuery.Scalar;
            return query.LossMismatch($"CrossEntropy of logits {ShapeQuery.Text(y)} needs one class id per row, Tokens of shape " +
                $"{ShapeQuery.Text(rows.Length > 0 ? rows : new[] { 1 })}, got {ShapeQuery.Text(t)}");
        }
        bool indices = t.Length == y.Length && t.Take(t.Length - 1).SequenceEqual(y.Take(y.Length - 1)) && t[t.Length - 1] == 1;
        int[] indexShape = y.Take(y.Length - 1).Concat(new[] { 1 }).ToArray();
        if (!y.SequenceEqual(t) && !indices)
            return query.LossMismatch($"CrossEntropy of logits {ShapeQuery.Text(y)} needs a target of probabilities {ShapeQuery.Text(y)} or of class indices " +
                ShapeQuery.Text(indexShape) + $", got {ShapeQuery.Text(t)}");
        // Without a [Shape], the target takes the output's shape, so a user who meant class indices gets probabilities.
        if (!indices && y[y.Length - 1] > 1 && query.Network is { TargetShapeExplicit: false } network
            && network.Nodes[query.Node.Inputs[1]] is { Op: OpKind.Target } target)
            query.Report(DiagnosticInfo.Create(DiagnosticDescriptors.CrossEntropyProbabilities, target.Location ?? query.Node.Location,
                query.Node.Source, ShapeQuery.Text(y), target.Label, y[y.Length - 1], string.Join(", ", indexShape), string.Join(", ", y)));
        return ShapeQuery.Scalar;
    }

    private static void Forward(KernelContext c, Node node) => Rows(c, node, backward: false);

    private static void Backward(KernelContext c, Node node)
    {
        if (c.HasGradient(node.Inputs[0])) Rows(c, node, backward: true);
    }

    private static void Rows(KernelContext c, Node node, bool backward)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int classes = y.Last, rows = y.Size / classes;
        bool indices = t.DType == DType.Int32 || t.Size != y.Size;   // ids or [.., 1] class indices rather than [.., C] probabilities
        bool ignores = indices && Ignores(node, t);
        string vy = c.V(y.Id), vt = c.V(t.Id);
        string ignore = ignores ? SourceWriter.Float(((CrossEntropyAttribute)node.Attributes).IgnoreIndex) : "";
        c.W.Open("");
        if (ignores)
        {
            // The sample's loss is the mean over the rows whose class index is not the ignore index.
            if (rows == 1) c.W.Line($"int kept = Unsafe.Add(ref {vt}, 0) != {ignore} ? 1 : 0;");
            else
            {
                c.W.Line("int kept = 0;");
                c.W.Line($"for (int r = 0; r < {rows}; r++) if (Unsafe.Add(ref {vt}, r) != {ignore}) kept++;");
            }
        }
        string inverseRows = ignores ? "(kept > 0 ? 1f / kept : 0f)" : SourceWriter.Float(1f / rows);
        if (!backward) c.W.Line("float total = 0f;");
        else c.W.Line($"float scale = {c.D(node.Id)} * {inverseRows};");
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        if (ignores) c.W.Line($"if (Unsafe.Add(ref {vt}, r) == {ignore}) continue;");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {vy}, r * {classes});");
        SoftmaxOp.RowMax(c.W, "xRow", classes, "max");
        VectorLoops.Reduce(c.W, classes, "sumExp", (isa, i, acc) => $"{acc} + {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})");
        if (indices)
        {
            // label != value also refuses NaN (which converts to 0) and fractions, before anything is updated.
            c.W.Line($"int label = (int)Unsafe.Add(ref {vt}, r);");
            c.W.Line($"if ((uint)label >= {classes}u || label != Unsafe.Add(ref {vt}, r)) CompiledSupport.ThrowClassIndex(Unsafe.Add(ref {vt}, r), {classes});");
        }
        else
        {
            c.W.Line($"ref float tRow = ref Unsafe.Add(ref {vt}, r * {classes});");
            VectorLoops.Reduce(c.W, classes, "mass", (isa, i, acc) => $"{acc} + {isa.Load("tRow", i)}");
        }
        if (!backward)
        {
            c.W.Line("float lse = max + ScalarMath.Log(sumExp);");
            if (indices) c.W.Line("total += lse - Unsafe.Add(ref xRow, label);");
            else
            {
                VectorLoops.Reduce(c.W, classes, "dot", (isa, i, acc) => isa.Fma(isa.Load("tRow", i), isa.Load("xRow", i), acc));
                c.W.Line("total += mass * lse - dot;");
            }
        }
        else
        {
            string dy = c.D(y.Id);
            c.W.Line($"ref float dRow = ref Unsafe.Add(ref {dy}, r * {classes});");
            c.W.Line(indices ? "float factor = scale / sumExp;" : "float factor = scale * mass / sumExp;");
            VectorLoops.Map(c.W, classes, "dRow", true, (isa, i) => indices
                ? $"{isa.Broadcast("factor")} * {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})"
                : $"{isa.Broadcast("factor")} * {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")}) - {isa.Broadcast("scale")} * {isa.Load("tRow", i)}");
            if (indices) c.W.Line("Unsafe.Add(ref dRow, label) -= scale;");
        }
        c.W.Close();
        if (!backward) c.W.Line($"{c.V(node.Id)} = total * {inverseRows};");
        c.W.Close();
    }
}

/// <summary>CrossEntropy's ignore index (PyTorch's <c>ignore_index</c>, -100 unless given): a row whose class index
/// equals it does not count.</summary>
internal sealed record CrossEntropyAttribute(int IgnoreIndex) : OpAttributes;
