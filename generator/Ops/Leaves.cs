using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>The leaves of a graph declared by the network: read where they live (the input and target spans, the
/// parameter and buffer arrays), no code of their own, no gradient slot of their own. Constants are <see cref="ConstantOp"/>.</summary>
internal sealed class LeafOp : OpDefinition
{
    private readonly string _syntax, _shapeRule;

    private LeafOp(OpKind kind, string syntax, string shapeRule) : base(kind, OpTraits.Leaf)
    {
        _syntax = syntax; _shapeRule = shapeRule;
    }

    public static readonly LeafOp Input = new(OpKind.Input, "the `[Forward]` parameter", "its `[Shape]`");
    public static readonly LeafOp Target = new(OpKind.Target, "the `[Loss]` target parameter", "its `[Shape]`, else the output's");
    public static readonly LeafOp Param = new(OpKind.Param, "a `[Param]` field, `layer.Weight`, `layer.Bias`", "as declared");
    public static readonly LeafOp Buffer = new(OpKind.Buffer, "a layer's buffer (`running_mean`, `running_var` of `[BatchNorm]`)", "as the layer declares it");

    public override string Syntax => _syntax;
    public override string ShapeRule => _shapeRule;
    public override string GradientRule => Kind switch
    {
        OpKind.Param => "gradient accumulated into `Parameters.Gradients`",
        OpKind.Buffer => "none (updated by the op that owns it, in training)",
        _ => "none",
    };
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { CodeStrategy.InPlace };

    public override int[]? InferShape(ShapeQuery query)
    {
        var network = query.Network ?? throw new System.InvalidOperationException("a leaf is shaped by its network");
        return Kind switch
        {
            OpKind.Input => network.Inputs[((InputAttribute)query.Node.Attributes).Index].Shape.ToArray(),
            OpKind.Target => network.TargetShapeExplicit ? network.TargetShape.ToArray() : query.ShapeOf!(network.OutputNode),
            OpKind.Buffer => network.Buffers[((BufferAttribute)query.Node.Attributes).Index].Shape.ToArray(),
            _ => network.Parameters[((ParameterAttribute)query.Node.Attributes).Index].Shape.ToArray(),
        };
    }
}
