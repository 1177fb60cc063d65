using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Decoder only (<see cref="DecodeGraph"/>): row <c>position</c> of a position table, a [T, ...] value that a
/// definition adds to its [T, ...] sequence (<c>wpe.Weight</c>, <c>SinusoidalPositions(T, d)</c>). The full forward
/// reads the whole table; a decoder step, which computes one position, reads the row of the position it decodes (a
/// kernel argument), copied into a [1, ...] slot.</summary>
internal sealed class PositionRowOp : OpDefinition
{
    private PositionRowOp() : base(OpKind.PositionRow, OpTraits.None) { }

    public static readonly PositionRowOp Instance = new();

    public override string Syntax => "none (a decoder step's row of a position table)";
    public override string ShapeRule => "`[T, ...] -> [1, ...]`";
    public override string GradientRule => "none (decoding only)";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } =
        new[] { new CodeStrategy("row copy at the decoded position", Forward, (_, _) => { }, ExecutionMode.Inference) };

    public override int[]? InferShape(ShapeQuery query) => new[] { 1 }.Concat(query.In(0).Skip(1)).ToArray();

    private static void Forward(KernelContext c, Node node)
    {
        int row = node.Size;
        c.W.Line($"Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref {c.V(node.Id)}), ref Unsafe.As<float, byte>(ref Unsafe.Add(ref {c.V(node.Inputs[0])}, position * {row})), {row} * sizeof(float));");
    }
}
