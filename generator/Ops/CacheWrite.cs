using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Where each operand of a cache write goes in a sequence's KV cache slot.</summary>
internal sealed record CacheWriteAttribute(EquatableArray<int> Offsets) : OpAttributes;

/// <summary>Encoder of an encoder-decoder only (<see cref="DecodeGraph"/>): the output of <c>EncodeStep</c>, copying each
/// source value a decoder step reads (<see cref="CachedValueOp"/>) into the sequence's KV cache slot. Its operands are
/// those values, so the memory plan keeps each until the copy.</summary>
internal sealed class CacheWriteOp : OpDefinition
{
    private CacheWriteOp() : base(OpKind.CacheWrite, OpTraits.None) { }

    public static readonly CacheWriteOp Instance = new();

    public override string Syntax => "none (the encoder's copy of the source values into the KV cache)";
    public override string ShapeRule => "`[1]` (nothing the decoder reads)";
    public override string GradientRule => "none (decoding only)";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } =
        new[] { new CodeStrategy("copies into the KV cache slot", Forward, (_, _) => { }, ExecutionMode.Inference) };

    public override int[]? InferShape(ShapeQuery query) =>
        throw new System.InvalidOperationException("a cache write is shaped by the decode graph that makes it");

    private static void Forward(KernelContext c, Node node)
    {
        var offsets = ((CacheWriteAttribute)node.Attributes).Offsets;
        for (int k = 0; k < node.Inputs.Count; k++)
        {
            var value = c.Graph[node.Inputs[k]];
            c.W.Line($"Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref kv, {offsets[k]})), ref Unsafe.As<float, byte>(ref {c.V(value.Id)}), {value.Size} * sizeof(float)); // {c.Describe(value)}");
        }
        c.W.Line($"{c.V(node.Id)} = 0f;");
    }
}
