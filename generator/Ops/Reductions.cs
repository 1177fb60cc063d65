using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Sum(x)</c> and <c>Mean(x)</c> over every element of the sample: y = sum(x) (times 1/n for the mean);
/// dx += dy (times 1/n).</summary>
internal sealed class ReductionOp : OpDefinition
{
    private ReductionOp(OpKind kind) : base(kind, OpTraits.None, kind.ToString()) { }

    public static readonly ReductionOp Sum = new(OpKind.Sum);
    public static readonly ReductionOp Mean = new(OpKind.Mean);

    public override string Syntax => $"`{Kind}(x)`";
    public override string ShapeRule => "`[]`";
    public override string GradientRule => Kind == OpKind.Sum ? "`dx += dy`" : "`dx += dy / n`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector reduce", Forward, Backward) };

    public override int[]? InferShape(ShapeQuery query) => ShapeQuery.Scalar;

    private static void Forward(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        string vx = c.V(x.Id), y = c.V(node.Id);
        c.W.Open("");
        VectorLoops.Reduce(c.W, x.Size, "sum", (isa, i, acc) => $"{acc} + {isa.Load(vx, i)}");
        c.W.Line(node.Op == OpKind.Mean ? $"{y} = sum * {SourceWriter.Float(1f / x.Size)};" : $"{y} = sum;");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        if (!c.HasGradient(x.Id)) return;
        string dx = c.D(x.Id), dy = c.D(node.Id);
        c.W.Open("");
        c.W.Line(node.Op == OpKind.Mean ? $"float share = {dy} * {SourceWriter.Float(1f / x.Size)};" : $"float share = {dy};");
        VectorLoops.Map(c.W, x.Size, dx, true, (isa, i) => isa.Broadcast("share"));
        c.W.Close();
    }
}
