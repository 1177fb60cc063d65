using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>A causal attention in a decoder step: the heads, the context (the definition's sequence length, the most
/// positions the cache holds), where its key and value caches start in a sequence's KV cache, the factor of its dot
/// products (0: 1 / sqrt(d_k)) and its score bias's matrices (0: none; the bias is then the fourth operand, the full
/// forward's [1 or heads, T, T]).</summary>
internal sealed record AttentionDecodeAttribute(int Heads, int Context, int KeyCache, int ValueCache, float Scale = 0f, int BiasHeads = 0) : OpAttributes;

/// <summary>Decoder only (<see cref="DecodeGraph"/>): a causal <see cref="AttentionOp"/> for one new position. Its query,
/// key and value are [1, E], [1, E], [1, Ev]; the runtime's <c>AttentionDecode.Step</c> writes the key and value into the
/// sequence's cache at the decoded position and attends the query over cache rows 0..position, which earlier steps
/// filled: the same row the full forward computes at that position, at O(position) work instead of O(T^2). A score bias
/// (T5's relative position bias) is read at the decoded position's row.</summary>
internal sealed class AttentionDecodeOp : OpDefinition
{
    private AttentionDecodeOp() : base(OpKind.AttentionDecode, OpTraits.None) { }

    public static readonly AttentionDecodeOp Instance = new();

    public override string Syntax => "none (a decoder step's causal `Attention` over the KV cache)";
    public override string ShapeRule => "`[1, E] x [1, E] x [1, Ev] -> [1, Ev]`, cache `[E, T] + [T, Ev]` per sequence";
    public override string GradientRule => "none (decoding only)";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } =
        new[] { new CodeStrategy("one query row over the KV cache", Forward, (_, _) => { }, ExecutionMode.Inference) };

    /// <summary>Every head's probabilities over the cached positions and its inverse sum: the runtime's
    /// <c>AttentionDecode.ScratchFloats</c>, scratch for the step.</summary>
    public override int SavedFloats(Node node)
    {
        var a = (AttentionDecodeAttribute)node.Attributes;
        return a.Heads * (DecodeGraph.Padded(a.Context) + 16);
    }

    public override int[]? InferShape(ShapeQuery query) => new[] { 1, query.In(2)[1] };

    private static void Forward(KernelContext c, Node node)
    {
        var a = (AttentionDecodeAttribute)node.Attributes;
        int e = c.Graph[node.Inputs[0]].Last, ev = c.Graph[node.Inputs[2]].Last;
        string q = c.V(node.Inputs[0]), k = c.V(node.Inputs[1]), v = c.V(node.Inputs[2]);
        c.W.Line($"AttentionDecode.Step(ref {q}, ref {k}, ref {v}, ref {c.V(node.Id)}, ref Unsafe.Add(ref kv, {a.KeyCache}), ref Unsafe.Add(ref kv, {a.ValueCache}), ref {c.S(node.Id)},");
        if (a.Scale == 0f && a.BiasHeads == 0)
            c.W.Line($"    position, heads: {a.Heads}, headDim: {e / a.Heads}, valueHeadDim: {ev / a.Heads}, context: {a.Context});");
        else
            c.W.Line($"    position, heads: {a.Heads}, headDim: {e / a.Heads}, valueHeadDim: {ev / a.Heads}, context: {a.Context}, scale: {Emit.SourceWriter.Float(a.Scale)}, " +
                (a.BiasHeads == 0 ? "bias: ref Unsafe.NullRef<float>(), biasHeadStride: 0);"
                    : $"bias: ref {c.V(node.Inputs[3])}, biasHeadStride: {(a.BiasHeads > 1 ? a.Context * a.Context : 0)});"));
    }
}
