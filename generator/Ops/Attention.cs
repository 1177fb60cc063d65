using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>The heads of an attention, whether it is causal, the pad id of its key ids (read only when the node
/// has key ids, its fourth operand), the dropout probability of its weights (training only), whether its last operand is
/// an additive bias of the scores, and the factor of its dot products (0: 1 / sqrt(d_k)).</summary>
internal sealed record AttentionAttribute(int Heads, bool Causal, int PadId = 0, float Dropout = 0f, bool Bias = false, float Scale = 0f) : OpAttributes;

/// <summary><c>Attention(query, key, value, heads, causal)</c>: multi-head scaled dot-product attention over per-sample
/// query [Tq, E], key [Tk, E] and value [Tk, Ev], the heads side by side in the last dimension (the eager op composes
/// it from Reshape, Permute, MatMul, Where and Softmax). Lowered through the runtime's
/// <c>ScaledDotProductAttention</c>: per head and query row, the scores, their softmax and the weighted sum of the values
/// in one pass, no Tq x Tk matrix stored; the row's log-sum-exp is saved (heads x Tq floats per sample) and backward
/// recomputes the probabilities from it. With key ids (a fourth operand, <c>Tokens</c> [Tk], no gradient) the kernel
/// reads them directly: a key whose id is the pad id gets no weight, and a query with no key left outputs zeros. With
/// dropout, training drops the weights with <c>DropoutMasks</c> (the node numbered among the dropout ops), as the eager
/// op's <c>Dropout</c> of its probabilities does. With a bias (the last operand, [heads, Tq, Tk] or [Tq, Tk]: T5's
/// relative position bias), the kernel adds it to each head's scores before the softmax and backward adds the scores'
/// gradient into it.</summary>
internal sealed class AttentionOp : OpDefinition
{
    private AttentionOp() : base(OpKind.Attention, OpTraits.None, "Attention") { }

    public static readonly AttentionOp Instance = new();

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Attention(q, k, v, heads)`, `Attention(q, k, v, heads, causal: true)`, `Attention(q, k, v, heads, keyIds: ids, padId: 0)`, `Attention(q, k, v, heads, dropout: 0.1f)`, `Attention(q, k, v, heads, bias: b, scale: 1f)`";
    public override string ShapeRule => "`[Tq, E] x [Tk, E] x [Tk, Ev] -> [Tq, Ev]`; heads divide E and Ev; causal needs Tq = Tk; key ids `[Tk]` (Tokens); dropout in [0, 1); bias `[heads, Tq, Tk]` or `[Tq, Tk]`";
    public override string GradientRule => "per head, P = softmax(s Q K^T + B) (s = 1 / sqrt(d) unless given; 0 at padding keys; a row without keys is 0): `dS = P (dO V^T - rowsum(dO O))`, `dQ += s dS K`, `dK += s dS^T Q`, `dV += P^T dO`, `dB += dS`; none to the key ids; dropout: P's kept weights scaled by 1 / (1 - p) in the output, `dP` masked and scaled alike";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("fused attention (per head and query row)", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var operands = new List<int> { call.Tensor(0, "the query of Attention"), call.Tensor(1, "the key of Attention"), call.Tensor(2, "the value of Attention") };
        float heads = call.Number(3, "the heads of Attention");
        bool causal = call.Arguments.Count > 4 && call.Flag(4, "causal of Attention");
        if (heads != (int)heads) throw call.Unsupported($"Attention with {heads} heads", "heads must be a whole number");
        int padId = 0;
        if (call.Arguments.Count > 5 && call.Arguments[5] is not Parse.NullValue)
        {
            operands.Add(call.Tensor(5, "the key ids of Attention"));
            float pad = call.Arguments.Count > 6 ? call.Number(6, "the pad id of Attention") : 0f;
            if (pad != (int)pad || pad < 0) throw call.Unsupported($"Attention with pad id {pad}", "the pad id must be a whole number, at least 0 (ids are never negative)");
            padId = (int)pad;
        }
        float dropout = call.Arguments.Count > 7 ? call.Number(7, "the dropout of Attention") : 0f;
        bool bias = call.Arguments.Count > 8 && call.Arguments[8] is not Parse.NullValue;
        if (bias) operands.Add(call.Tensor(8, "the bias of Attention"));
        float scale = call.Arguments.Count > 9 ? call.Number(9, "the scale of Attention") : 0f;
        return call.Node(Kind, operands.ToArray(), new AttentionAttribute((int)heads, causal, padId, dropout, bias, scale));
    }

    /// <summary>Operand 3, when the node has key ids.</summary>
    public override bool TakesIds(NodeSpec node, int operand) => operand == KeyIds && HasKeyIds(node);

    public override bool Differentiable(NodeSpec node, int operand) => !TakesIds(node, operand);

    public override string OperandName(int operand) => operand switch { 0 => "the query", 1 => "the key", 2 => "the value", _ => "the key ids or the bias" };

    private const int KeyIds = 3;

    private static bool HasBias(NodeSpec node) => ((AttentionAttribute)node.Attributes).Bias;

    private static bool HasKeyIds(NodeSpec node) => node.Inputs.Count > KeyIds + (HasBias(node) ? 1 : 0);

    /// <summary>The bias operand (the last), when the node has one.</summary>
    private static int BiasOperand(NodeSpec node) => node.Inputs.Count - 1;

    public override bool DrawsMasks(Node node) => ((AttentionAttribute)node.Attributes).Dropout > 0f;

    /// <summary>Row i of the output reads row i of the queries and the keys and values it attends: with key padding ids,
    /// none past the last key that is not padding (the masked ones get no weight, in any row); causal over keys of the
    /// queries' rows, none past the last row needed; otherwise all. Key ids and the bias are read whole.</summary>
    public override RowDemand OperandRows(Graph graph, Node node, int operand, RowDemand needed)
    {
        if (operand == 0) return needed;
        if (operand > 2) return RowDemand.All;
        var a = (AttentionAttribute)node.Attributes;
        if (HasKeyIds(node.Spec) && graph[node.Inputs[KeyIds]] is { Op: OpKind.Input or OpKind.Target, Shape.Length: 1 } ids)
            return RowDemand.Prefix(new RowSource(ids.Id, a.PadId));
        return a.Causal && graph[node.Inputs[operand]].Shape[0] == graph[node.Inputs[0]].Shape[0] ? needed : RowDemand.All;
    }

    /// <summary>Whether the node's kernels drop weights: dropout in a training plan.</summary>
    private static bool Drops(KernelContext c, Node node) => c.Plan.Mode == ExecutionMode.Training && node.Definition.DrawsMasks(node);

    public override int SavedFloats(Node node) => ((AttentionAttribute)node.Attributes).Heads * node.Shape[0];

    public override int[]? InferShape(ShapeQuery query)
    {
        var a = (AttentionAttribute)query.Node.Attributes;
        int[] q = query.In(0), k = query.In(1), v = query.In(2);
        string shapes = $"query {ShapeQuery.Text(q)}, key {ShapeQuery.Text(k)}, value {ShapeQuery.Text(v)}";
        if (q.Length != 2 || k.Length != 2 || v.Length != 2)
            return query.Mismatch($"Attention needs per-sample [rows, features] operands, got {shapes}");
        if (a.Heads < 1) return query.Mismatch($"Attention's heads must be at least 1, got {a.Heads}");
        if (!(a.Dropout >= 0f && a.Dropout < 1f))
            return query.Mismatch($"Attention's dropout must be in [0, 1), got {a.Dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (k[1] != q[1]) return query.Mismatch($"Attention's query and key widths differ: {shapes}");
        if (v[0] != k[0]) return query.Mismatch($"Attention's key and value row counts differ: {shapes}");
        if (q[1] % a.Heads != 0 || v[1] % a.Heads != 0)
            return query.Mismatch($"Attention's {a.Heads} heads do not divide the query width {q[1]} and the value width {v[1]}: {shapes}");
        if (a.Causal && q[0] != k[0]) return query.Mismatch($"causal Attention needs as many queries as keys: {shapes}");
        if (HasKeyIds(query.Node))
        {
            int[] ids = query.In(KeyIds);
            if (ids.Length != 1 || ids[0] != k[0])
                return query.Mismatch($"Attention's key ids must be one id per key row, [{k[0]}], got {ShapeQuery.Text(ids)} for {shapes}");
        }
        if (HasBias(query.Node))
        {
            int[] b = query.In(BiasOperand(query.Node));
            bool fits = b.Length == 3 && (b[0] == a.Heads || b[0] == 1) && b[1] == q[0] && b[2] == k[0] || b.Length == 2 && b[0] == q[0] && b[1] == k[0];
            if (!fits)
                return query.Mismatch($"Attention's bias must be [heads, queries, keys] = [{a.Heads}, {q[0]}, {k[0]}] or [{q[0]}, {k[0]}], got {ShapeQuery.Text(b)} for {shapes}");
        }
        if (float.IsNaN(a.Scale) || float.IsInfinity(a.Scale))
            return query.Mismatch($"Attention's scale must be a finite number, got {a.Scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return new[] { q[0], v[1] };
    }

    /// <summary>The C# expression of the node's constant geometry (an <c>AttentionGeometry</c>).</summary>
    private static string Geometry(KernelContext c, Node node)
    {
        var a = (AttentionAttribute)node.Attributes;
        int[] q = c.Graph[node.Inputs[0]].Shape, k = c.Graph[node.Inputs[1]].Shape, v = c.Graph[node.Inputs[2]].Shape;
        string padding = HasKeyIds(node.Spec) ? $", keyPadding: true, padId: {a.PadId}" : "";
        string dropout = Drops(c, node) ? $", dropout: {Emit.SourceWriter.Float(a.Dropout)}" : "";
        string scale = a.Scale != 0f ? $", scale: {Emit.SourceWriter.Float(a.Scale)}" : "";
        string bias = a.Bias ? $", biasHeads: {BiasHeads(c, node)}" : "";
        return $"new AttentionGeometry({q[0]}, {k[0]}, heads: {a.Heads}, headDim: {q[1] / a.Heads}, valueHeadDim: {v[1] / a.Heads}, causal: {(a.Causal ? "true" : "false")}{padding}{dropout}{scale}{bias})";
    }

    /// <summary>Bias matrices per sample: one per head, or one shared ([Tq, Tk] or [1, Tq, Tk]).</summary>
    private static int BiasHeads(KernelContext c, Node node)
    {
        int[] b = c.Graph[node.Inputs[BiasOperand(node.Spec)]].Shape;
        return b.Length == 3 ? b[0] : 1;
    }

    /// <summary>The key ids and bias arguments of the runtime's biased overloads (null key ids without them; one
    /// sample's bias per call), or the key ids' of the padded ones.</summary>
    private static string MaskArguments(KernelContext c, Node node) =>
        !HasBias(node.Spec) ? KeyIdsArgument(c, node)
            : (HasKeyIds(node.Spec) ? $"ref {c.V(node.Inputs[KeyIds])}, 0, " : "ref Unsafe.NullRef<float>(), 0, ") + $"ref {c.V(node.Inputs[BiasOperand(node.Spec)])}, 0, ";

    /// <summary>The key ids argument of the runtime's padded overloads (the ids' slot, one sample's ids being read per
    /// sample; none when the node has no ids but drops weights), or nothing.</summary>
    private static string KeyIdsArgument(KernelContext c, Node node) =>
        HasKeyIds(node.Spec) ? $"ref {c.V(node.Inputs[KeyIds])}, 0, " : Drops(c, node) ? "ref Unsafe.NullRef<float>(), 0, " : "";

    /// <summary>The dropout arguments (the node's key, the counter of this sample's first weight), or nothing.</summary>
    private static string DropoutArguments(KernelContext c, Node node) =>
        Drops(c, node) ? $", {DropoutOp.Key(c, node)}, unchecked((uint)({c.SampleIndex}) * {Weights(c, node)}u)" : "";

    private static int Weights(KernelContext c, Node node) =>
        ((AttentionAttribute)node.Attributes).Heads * c.Graph[node.Inputs[0]].Shape[0] * c.Graph[node.Inputs[1]].Shape[0];

    private static void Forward(KernelContext c, Node node)
    {
        string q = c.V(node.Inputs[0]), k = c.V(node.Inputs[1]), v = c.V(node.Inputs[2]);
        c.W.Open("");
        c.W.Line($"var g{node.Id} = {Geometry(c, node)};");
        c.W.Line($"ScaledDotProductAttention.Forward(in g{node.Id}, ref {q}, 0, ref {k}, 0, ref {v}, 0, {MaskArguments(c, node)}ref {c.V(node.Id)}, 0, ref {c.S(node.Id)}, 0, 1{DropoutArguments(c, node)});");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        bool Needs(int operand) => c.HasGradient(node.Inputs[operand]);
        bool needsBias = HasBias(node.Spec) && Needs(BiasOperand(node.Spec));
        if (!Needs(0) && !Needs(1) && !Needs(2) && !needsBias) return;
        string Gradient(int operand) => Needs(operand) ? c.D(node.Inputs[operand]) : c.D(node.Id);
        string Flag(int operand) => Needs(operand) ? "true" : "false";
        string q = c.V(node.Inputs[0]), k = c.V(node.Inputs[1]), v = c.V(node.Inputs[2]);
        c.W.Open("");
        c.W.Line($"var g{node.Id} = {Geometry(c, node)};");
        c.W.Line($"ScaledDotProductAttention.Backward(in g{node.Id}, ref {q}, 0, ref {k}, 0, ref {v}, 0, {MaskArguments(c, node)}ref {c.V(node.Id)}, 0, ref {c.S(node.Id)}, 0, ref {c.D(node.Id)}, 0,");
        string biasGradient = !HasBias(node.Spec) ? "" : $"ref {Gradient(BiasOperand(node.Spec))}, 0, {Flag(BiasOperand(node.Spec))}, ";
        c.W.Line($"    ref {Gradient(0)}, 0, {Flag(0)}, ref {Gradient(1)}, 0, {Flag(1)}, ref {Gradient(2)}, 0, {Flag(2)}, {biasGradient}1{DropoutArguments(c, node)});");
        c.W.Close();
    }
}
