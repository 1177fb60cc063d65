using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Where a cached value starts in a sequence's KV cache slot.</summary>
internal sealed record CachedValueAttribute(int Offset) : OpAttributes;

/// <summary>Decoder of an encoder-decoder only (<see cref="DecodeGraph"/>): a value the full forward computes from the
/// source alone (the encoder's output projected to a cross-attention's keys or values, the source ids of its padding
/// mask), which <c>Encode</c> wrote into the sequence's KV cache slot once (<see cref="CacheWriteOp"/>); a decoder step
/// reads it there in place, as a leaf.</summary>
internal sealed class CachedValueOp : OpDefinition
{
    private CachedValueOp() : base(OpKind.CachedValue, OpTraits.Leaf) { }

    public static readonly CachedValueOp Instance = new();

    public override string Syntax => "none (a decoder step's value of the encoded source)";
    public override string ShapeRule => "the source value's";
    public override string GradientRule => "none (decoding only)";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { CodeStrategy.InPlace };

    public override int[]? InferShape(ShapeQuery query) =>
        throw new System.InvalidOperationException("a cached value is shaped by the decode graph that makes it");
}
