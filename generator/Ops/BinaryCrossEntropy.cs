using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>BinaryCrossEntropy(y, t)</c> of probabilities: -mean(t log y + (1 - t) log(1 - y)), each log clamped at
/// -100 as PyTorch does; d/dy = (y - t) / max(y (1 - y), 1e-12) / n.</summary>
internal sealed class BinaryCrossEntropyOp : OpDefinition
{
    private BinaryCrossEntropyOp() : base(OpKind.BinaryCrossEntropy, OpTraits.Loss, "BinaryCrossEntropy") { }

    public static readonly BinaryCrossEntropyOp Instance = new();

    public override string Syntax => "`BinaryCrossEntropy(y, t)`";
    public override string ShapeRule => "`[]`; `y` and `t` of one shape";
    public override string GradientRule => "`dy += dl (y - t) / max(y (1 - y), 1e-12) / n`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("scalar loop", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override int[]? InferShape(ShapeQuery query) => Losses.SameShape(query);

    private static void Forward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        string vy = c.V(y.Id), vt = c.V(t.Id), l = c.V(node.Id);
        int n = y.Size;
        c.W.Open("");
        c.W.Line("float sum = 0f;");
        c.W.Open($"for (int i = 0; i < {n}; i++)");
        c.W.Line($"float yi = Unsafe.Add(ref {vy}, i), ti = Unsafe.Add(ref {vt}, i);");
        c.W.Line("sum += ti * MathF.Max(ScalarMath.Log(yi), -100f) + (1f - ti) * MathF.Max(ScalarMath.Log(1f - yi), -100f);");
        c.W.Close();
        c.W.Line($"{l} = -sum * {SourceWriter.Float(1f / n)};");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        if (!c.HasGradient(y.Id)) return;
        string vy = c.V(y.Id), vt = c.V(t.Id), dy = c.D(y.Id), dl = c.D(node.Id);
        int n = y.Size;
        c.W.Open("");
        c.W.Line($"float scale = {dl} * {SourceWriter.Float(1f / n)};");
        c.W.Open($"for (int i = 0; i < {n}; i++)");
        c.W.Line($"float yi = Unsafe.Add(ref {vy}, i), ti = Unsafe.Add(ref {vt}, i);");
        c.W.Line($"Unsafe.Add(ref {dy}, i) += scale * (yi - ti) / MathF.Max(yi * (1f - yi), 1e-12f);");
        c.W.Close();
        c.W.Close();
    }
}
