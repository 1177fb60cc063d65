using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Ops;

/// <summary>A compile-time constant leaf: a number where a tensor is expected (<see cref="ScalarAttribute"/>, shape [],
/// broadcast), or a constant tensor written with a fill such as <c>Triangle(rows, cols)</c> (a causal mask) or
/// <c>SinusoidalPositions(t, d)</c> (position encodings) (<see cref="ConstantFillAttribute"/>). Its values live in the
/// value workspace, written once by the network's constructor (a fill calls the runtime method the eager op calls, so
/// both paths hold the same values); no code per step, no gradient.</summary>
internal sealed class ConstantOp : OpDefinition
{
    private ConstantOp() : base(OpKind.Constant, OpTraits.Leaf, "Triangle", "SinusoidalPositions") { }

    public static readonly ConstantOp Instance = new();

    public override string Syntax =>
        "a number where a tensor is expected; `Triangle(rows, cols)` (ones on and below the diagonal); `SinusoidalPositions(t, d)` (sin/cos position encodings)";
    public override string ShapeRule => "`[]`, broadcast; `[rows, cols]`; `[t, d]`";
    public override string GradientRule => "none";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { CodeStrategy.InPlace };

    public override TraceValue Build(OpCall call)
    {
        var (fill, rows, cols) = call.Name == "Triangle"
            ? (ConstantFill.Triangle, "the rows of Triangle", "the columns of Triangle")
            : (ConstantFill.SinusoidalPositions, "the positions of SinusoidalPositions", "the dimension of SinusoidalPositions");
        var shape = new[] { (int)call.Number(0, rows), (int)call.Number(1, cols) };
        return call.Node(Kind, new int[0], new ConstantFillAttribute(fill, shape.ToEquatableArray()));
    }

    /// <summary>The runtime method that writes <paramref name="fill"/> (the one its eager op calls), taking the
    /// destination and the shape's dimensions.</summary>
    public static string RuntimeMethod(ConstantFill fill) => fill switch
    {
        ConstantFill.Triangle => "global::NetCompiler.ConstantTensors.Triangle",
        ConstantFill.SinusoidalPositions => "global::NetCompiler.PositionEncodings.Sinusoidal",
        _ => throw new System.ArgumentOutOfRangeException(nameof(fill), fill, "a fill without a runtime method"),
    };

    public override int[]? InferShape(ShapeQuery query)
    {
        if (query.Node.Attributes is not ConstantFillAttribute fill) return ShapeQuery.Scalar;
        int[] shape = fill.Shape.ToArray();
        foreach (int d in shape)
            if (d < 1) return query.Mismatch($"{fill.Fill}({string.Join(", ", shape)}): every dimension must be at least 1");
        return shape;
    }
}

/// <summary>The deterministic fills a constant tensor can be written with, each the <c>NetCompiler.Ops</c> method of its
/// name; <see cref="ConstantOp.RuntimeMethod"/> names the runtime method that writes it.</summary>
internal enum ConstantFill
{
    /// <summary>[rows, cols], 1 where column &lt;= row, else 0 (torch.tril(torch.ones(rows, cols))).</summary>
    Triangle,

    /// <summary>[t, d], sin(pos / 10000^(2i / d)) in column 2i and its cosine in column 2i + 1.</summary>
    SinusoidalPositions,
}

/// <summary>A constant tensor's fill and shape.</summary>
internal sealed record ConstantFillAttribute(ConstantFill Fill, EquatableArray<int> Shape) : OpAttributes;
