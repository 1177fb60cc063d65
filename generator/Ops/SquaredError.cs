using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>MeanSquaredError(y, t)</c> = mean((y - t)^2) and the seeds' <c>QuadraticCost(y, t)</c> = 0.5 sum((y - t)^2),
/// per sample; d/dy = scale (y - t) with scale 2/n or 1.</summary>
internal sealed class SquaredErrorOp : OpDefinition
{
    private SquaredErrorOp(OpKind kind) : base(kind, OpTraits.Loss, kind.ToString()) { }

    public static readonly SquaredErrorOp MeanSquaredError = new(OpKind.MeanSquaredError);
    public static readonly SquaredErrorOp QuadraticCost = new(OpKind.QuadraticCost);

    public override string Syntax => $"`{Kind}(y, t)`";
    public override string ShapeRule => "`[]`; `y` and `t` of one shape";
    public override string GradientRule => Kind == OpKind.QuadraticCost ? "`dy += dl (y - t)`" : "`dy += dl 2 (y - t) / n`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector reduce", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override int[]? InferShape(ShapeQuery query) => Losses.SameShape(query);

    private static void Forward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        string vy = c.V(y.Id), vt = c.V(t.Id), l = c.V(node.Id);
        int n = y.Size;
        c.W.Open("");
        // mean((y - t)^2), or 0.5 * sum((y - t)^2)
        VectorLoops.Reduce(c.W, n, "sum", (isa, i, acc) =>
            isa.Fma($"({isa.Load(vy, i)} - {isa.Load(vt, i)})", $"({isa.Load(vy, i)} - {isa.Load(vt, i)})", acc));
        c.W.Line($"{l} = sum * {SourceWriter.Float(node.Op == OpKind.QuadraticCost ? 0.5f : 1f / n)};");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        if (!c.HasGradient(y.Id)) return;
        string vy = c.V(y.Id), vt = c.V(t.Id), dy = c.D(y.Id), dl = c.D(node.Id);
        int n = y.Size;
        c.W.Open("");
        // d/dy = scale * (y - t), scale = 2/n (mean squared error) or 1 (quadratic cost)
        c.W.Line($"float scale = {dl} * {SourceWriter.Float(node.Op == OpKind.QuadraticCost ? 1f : 2f / n)};");
        VectorLoops.Map(c.W, n, dy, true, (isa, i) => $"{isa.Broadcast("scale")} * ({isa.Load(vy, i)} - {isa.Load(vt, i)})");
        c.W.Close();
    }
}

/// <summary>Shape rules the losses share.</summary>
internal static class Losses
{
    /// <summary>A loss of an output and a target of one shape: a per-sample scalar.</summary>
    public static int[]? SameShape(ShapeQuery query)
    {
        int[] y = query.In(0), t = query.In(1);
        if (!System.Linq.Enumerable.SequenceEqual(y, t))
            return query.LossMismatch($"{query.Node.Label} compares the output {ShapeQuery.Text(y)} with a target {ShapeQuery.Text(t)}; they must have the same shape");
        return ShapeQuery.Scalar;
    }
}
