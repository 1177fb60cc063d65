using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Ops;

/// <summary>A compile-time constant leaf: a number where a tensor is expected (<see cref="ScalarAttribute"/>, shape [],
/// broadcast), or a constant tensor written with a fill such as <c>Triangle(rows, cols)</c>
/// (<see cref="ConstantFillAttribute"/>, a causal mask). Its values live in the value workspace, written once by the
/// network's constructor (a fill calls the runtime's <c>ConstantTensors</c> method the eager op calls, so both paths
/// hold the same values); no code per step, no gradient.</summary>
internal sealed class ConstantOp : OpDefinition
{
    private ConstantOp() : base(OpKind.Constant, OpTraits.Leaf, "Triangle") { }

    public static readonly ConstantOp Instance = new();

    public override string Syntax => "a number where a tensor is expected; `Triangle(rows, cols)` (ones on and below the diagonal)";
    public override string ShapeRule => "`[]`, broadcast; `[rows, cols]`";
    public override string GradientRule => "none";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { CodeStrategy.InPlace };

    public override TraceValue Build(OpCall call)
    {
        int rows = (int)call.Number(0, "the rows of Triangle"), cols = (int)call.Number(1, "the columns of Triangle");
        return call.Node(Kind, new int[0], new ConstantFillAttribute(ConstantFill.Triangle, new[] { rows, cols }.ToEquatableArray()));
    }

    public override int[]? InferShape(ShapeQuery query)
    {
        if (query.Node.Attributes is not ConstantFillAttribute fill) return ShapeQuery.Scalar;
        int[] shape = fill.Shape.ToArray();
        foreach (int d in shape)
            if (d < 1) return query.Mismatch($"{fill.Fill}({string.Join(", ", shape)}): every dimension must be at least 1");
        return shape;
    }
}

/// <summary>The deterministic fills a constant tensor can be written with; each is a method of the runtime's
/// <c>NetCompiler.ConstantTensors</c> of the same name taking the destination and the shape's dimensions.</summary>
internal enum ConstantFill
{
    /// <summary>[rows, cols], 1 where column &lt;= row, else 0 (torch.tril(torch.ones(rows, cols))).</summary>
    Triangle,
}

/// <summary>A constant tensor's fill and shape.</summary>
internal sealed record ConstantFillAttribute(ConstantFill Fill, EquatableArray<int> Shape) : OpAttributes;
