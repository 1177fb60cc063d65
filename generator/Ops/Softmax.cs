using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Softmax(x, axis)</c> and <c>LogSoftmax(x, axis)</c> (the last axis when none is given), one definition:
/// they share everything but the formula. With m = max and s = sum(exp(x - m)) along the axis: softmax y = exp(x - m) / s,
/// dx += y (dy - dot(dy, y)); log-softmax y = x - (m + log s), dx += dy - exp(y) sum(dy). Along the last axis a row is
/// contiguous and runs as vector loops; along another axis each column is strided and runs as scalar loops.</summary>
internal sealed class SoftmaxOp : OpDefinition
{
    private SoftmaxOp(OpKind kind) : base(kind, OpTraits.None, kind.ToString()) { }

    public static readonly SoftmaxOp Instance = new(OpKind.Softmax);
    public static readonly SoftmaxOp Log = new(OpKind.LogSoftmax);

    private bool IsLog => Kind == OpKind.LogSoftmax;

    /// <summary>Along any axis but the first, each row of a sequence on its own.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) =>
        node.Shape.Length >= 2 && FromFront(((AxisAttribute)node.Attributes).Axis, node.Shape.Length) != 0;

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => $"`{Kind}(x)`, `{Kind}(x, axis)`";
    public override string ShapeRule => "`x`'s shape (rank 1 or more); along the last axis unless given";
    public override string GradientRule => IsLog ? "`dx += dy - exp(y) sum(dy)` along the axis" : "`dx += y (dy - <dy, y>)` along the axis";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row loops", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call) =>
        call.Node(Kind, new[] { call.Tensor(0, $"argument 1 of {call.Name}") },
            new AxisAttribute(call.Arguments.Count > 1 ? (int)call.Number(1, $"the axis of {call.Name}") : -1));

    /// <summary>Softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy): the output alone.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => true;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        if (x.Length == 0) return query.Mismatch($"{Kind} needs at least one dimension, got a scalar");
        return query.Axis(((AxisAttribute)query.Node.Attributes).Axis, x.Length, $"{Kind}'s axis") < 0 ? null : x;
    }

    private static AxisLayout Layout(Node node) => new(node.Shape, ((AxisAttribute)node.Attributes).Axis);

    private static void Forward(KernelContext c, Node node)
    {
        var a = Layout(node);
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        bool log = node.Op == OpKind.LogSoftmax;
        if (a.Inner == 1)
        {
            int cols = a.Length;
            c.W.Open($"for (int r = 0; r < {a.Outer}; r++)");
            c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, r * {cols});");
            c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, r * {cols});");
            RowMax(c.W, "xRow", cols, "max");
            if (log)
            {
                VectorLoops.Reduce(c.W, cols, "sum", (isa, i, acc) => $"{acc} + {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})");
                c.W.Line("float lse = max + ScalarMath.Log(sum);");
                VectorLoops.Map(c.W, cols, "yRow", false, (isa, i) => $"{isa.Load("xRow", i)} - {isa.Broadcast("lse")}");
            }
            else
            {
                VectorLoops.Map(c.W, cols, "yRow", false, (isa, i) => $"{isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})");
                VectorLoops.Reduce(c.W, cols, "sum", (isa, i, acc) => $"{acc} + {isa.Load("yRow", i)}");
                c.W.Line("float inverse = 1f / sum;");
                VectorLoops.Map(c.W, cols, "yRow", false, (isa, i) => $"{isa.Load("yRow", i)} * {isa.Broadcast("inverse")}");
            }
            c.W.Close();
            return;
        }
        // a strided column per (o, i): element k at (o * Length + k) * Inner + i
        string at = $"(o * {a.Length} + k) * {a.Inner} + i";
        Columns(c, a, () =>
        {
            c.W.Line($"float max = Unsafe.Add(ref {x}, o * {a.Length * a.Inner} + i);");
            c.W.Line($"for (int k = 1; k < {a.Length}; k++) max = MathF.Max(max, Unsafe.Add(ref {x}, {at}));");
            c.W.Line("float sum = 0f;");
            if (log)
            {
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) sum += ScalarMath.Exp(Unsafe.Add(ref {x}, {at}) - max);");
                c.W.Line("float lse = max + ScalarMath.Log(sum);");
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) Unsafe.Add(ref {y}, {at}) = Unsafe.Add(ref {x}, {at}) - lse;");
            }
            else
            {
                c.W.Open($"for (int k = 0; k < {a.Length}; k++)");
                c.W.Line($"float e = ScalarMath.Exp(Unsafe.Add(ref {x}, {at}) - max);");
                c.W.Line($"Unsafe.Add(ref {y}, {at}) = e;");
                c.W.Line("sum += e;");
                c.W.Close();
                c.W.Line("float inverse = 1f / sum;");
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) Unsafe.Add(ref {y}, {at}) *= inverse;");
            }
        });
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var a = Layout(node);
        string y = c.V(node.Id), dy = c.D(node.Id), dx = c.D(node.Inputs[0]);
        bool log = node.Op == OpKind.LogSoftmax;
        if (a.Inner == 1)
        {
            int cols = a.Length;
            c.W.Open($"for (int r = 0; r < {a.Outer}; r++)");
            c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, r * {cols});");
            c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, r * {cols});");
            c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {dx}, r * {cols});");
            if (log)
            {
                VectorLoops.Reduce(c.W, cols, "total", (isa, i, acc) => $"{acc} + {isa.Load("dyRow", i)}");
                VectorLoops.Map(c.W, cols, "dxRow", true, (isa, i) => $"{isa.Load("dyRow", i)} - {isa.Math()}.Exp({isa.Load("yRow", i)}) * {isa.Broadcast("total")}");
            }
            else
            {
                VectorLoops.Reduce(c.W, cols, "dot", (isa, i, acc) => isa.Fma(isa.Load("dyRow", i), isa.Load("yRow", i), acc));
                VectorLoops.Map(c.W, cols, "dxRow", true, (isa, i) => $"{isa.Load("yRow", i)} * ({isa.Load("dyRow", i)} - {isa.Broadcast("dot")})");
            }
            c.W.Close();
            return;
        }
        string at = $"(o * {a.Length} + k) * {a.Inner} + i";
        Columns(c, a, () =>
        {
            c.W.Line("float total = 0f;");
            if (log)
            {
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) total += Unsafe.Add(ref {dy}, {at});");
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) Unsafe.Add(ref {dx}, {at}) += Unsafe.Add(ref {dy}, {at}) - ScalarMath.Exp(Unsafe.Add(ref {y}, {at})) * total;");
            }
            else
            {
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) total = MathF.FusedMultiplyAdd(Unsafe.Add(ref {dy}, {at}), Unsafe.Add(ref {y}, {at}), total);");
                c.W.Line($"for (int k = 0; k < {a.Length}; k++) Unsafe.Add(ref {dx}, {at}) += Unsafe.Add(ref {y}, {at}) * (Unsafe.Add(ref {dy}, {at}) - total);");
            }
        });
    }

    /// <summary>Writes <paramref name="body"/> once per strided column (o, i); element k of the column is at
    /// <c>(o * Length + k) * Inner + i</c>.</summary>
    private static void Columns(KernelContext c, AxisLayout a, System.Action body)
    {
        c.W.Open($"for (int o = 0; o < {a.Outer}; o++)");
        c.W.Open($"for (int i = 0; i < {a.Inner}; i++)");
        body();
        c.W.Close();
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
