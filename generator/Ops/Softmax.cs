using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Softmax(x)</c> over the last dimension: y = exp(x - max) / sum(exp(x - max)) per row;
/// dx += y * (dy - dot(dy, y)).</summary>
internal sealed class SoftmaxOp : OpDefinition
{
    private SoftmaxOp() : base(OpKind.Softmax, OpTraits.None, "Softmax") { }

    public static readonly SoftmaxOp Instance = new();

    public override string Syntax => "`Softmax(x)`";
    public override string ShapeRule => "`x`'s shape (rank 1 or more), over the last dimension";
    public override string GradientRule => "`dx += y (dy - <dy, y>)` per row";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row loops", Forward, Backward) };

    public override int[]? InferShape(ShapeQuery query) =>
        query.In(0).Length == 0 ? query.Mismatch("Softmax needs at least one dimension, got a scalar") : query.In(0);

    private static void Forward(KernelContext c, Node node)
    {
        int cols = node.Last, rows = node.Size / cols;
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, r * {cols});");
        c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, r * {cols});");
        RowMax(c.W, "xRow", cols, "max");
        VectorLoops.Map(c.W, cols, "yRow", false, (isa, i) => $"{isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})");
        VectorLoops.Reduce(c.W, cols, "sum", (isa, i, acc) => $"{acc} + {isa.Load("yRow", i)}");
        c.W.Line("float inverse = 1f / sum;");
        VectorLoops.Map(c.W, cols, "yRow", false, (isa, i) => $"{isa.Load("yRow", i)} * {isa.Broadcast("inverse")}");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        int cols = node.Last, rows = node.Size / cols;
        string y = c.V(node.Id), dy = c.D(node.Id), dx = c.D(node.Inputs[0]);
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, r * {cols});");
        c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, r * {cols});");
        c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {dx}, r * {cols});");
        VectorLoops.Reduce(c.W, cols, "dot", (isa, i, acc) => isa.Fma(isa.Load("dyRow", i), isa.Load("yRow", i), acc));
        VectorLoops.Map(c.W, cols, "dxRow", true, (isa, i) => $"{isa.Load("yRow", i)} * ({isa.Load("dyRow", i)} - {isa.Broadcast("dot")})");
        c.W.Close();
    }

    /// <summary>Declares <c>float <paramref name="result"/></c> = the largest of <paramref name="count"/> floats.</summary>
    public static void RowMax(SourceWriter w, string row, int count, string result)
    {
        w.Line($"float {result} = {row};");
        w.Open($"for (int j = 1; j < {count}; j++)");
        w.Line($"{result} = MathF.Max({result}, Unsafe.Add(ref {row}, j));");
        w.Close();
    }
}
