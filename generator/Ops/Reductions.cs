using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Sum</c>, <c>Mean</c> and <c>Max</c>, over every element of the sample (<c>Sum(x)</c>) or along one axis
/// (<c>Sum(x, axis, keepDim)</c>, PyTorch's <c>sum(dim, keepdim)</c>; Max is <c>amax</c>). Forward: a vector reduction
/// per row when the axis is the last (or all), else rows of the inner dimensions accumulated with vector loops.
/// Backward: dx += dy (times 1/n for the mean); for Max the gradient goes to the first element equal to the maximum,
/// found again from the saved input and output rather than stored.</summary>
internal sealed class ReductionOp : OpDefinition
{
    private ReductionOp(OpKind kind) : base(kind, OpTraits.None, kind.ToString()) { }

    public static readonly ReductionOp Sum = new(OpKind.Sum);
    public static readonly ReductionOp Mean = new(OpKind.Mean);
    public static readonly ReductionOp Max = new(OpKind.Max);

    public override string Syntax => $"`{Kind}(x)`, `{Kind}(x, axis, keepDim)`";
    public override string ShapeRule => "`[]`; along an axis: x's shape without it (1 with `keepDim`)";
    public override string GradientRule => Kind switch
    {
        OpKind.Sum => "`dx += dy`",
        OpKind.Mean => "`dx += dy / n`",
        _ => "`dx[argmax] += dy` (first maximum)",
    };
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector reduce", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, $"argument 1 of {call.Name}");
        var reduce = call.Arguments.Count == 1 ? ReduceAttribute.Everything
            : new ReduceAttribute(false, (int)call.Number(1, $"the axis of {call.Name}"), call.Arguments.Count > 2 && call.Flag(2, $"keepDim of {call.Name}"));
        return call.Node(Kind, new[] { x }, reduce);
    }

    /// <summary>A maximum compares the input with the output (the first maximum receives dy); a sum or mean reads neither.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => node.Op == OpKind.Max;

    public override bool BackwardReadsOutput(Node node) => node.Op == OpKind.Max;

    public override int[]? InferShape(ShapeQuery query)
    {
        var reduce = (ReduceAttribute)query.Node.Attributes;
        int[] x = query.In(0);
        if (reduce.All) return Kind == OpKind.Max && x.Length == 0 ? x : ShapeQuery.Scalar;
        int axis = query.Axis(reduce.Axis, x.Length, $"{Kind}'s axis");
        if (axis < 0) return null;
        return reduce.KeepDim ? x.Select((d, k) => k == axis ? 1 : d).ToArray() : x.Where((_, k) => k != axis).ToArray();
    }

    /// <summary>The input seen around the reduced axis (all of it as one row for a whole-sample reduction).</summary>
    private static AxisLayout Layout(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        var reduce = (ReduceAttribute)node.Attributes;
        return reduce.All ? new AxisLayout(new[] { x.Size }, 0) : new AxisLayout(x.Shape, reduce.Axis);
    }

    private static string Scale(Node node, AxisLayout a) => node.Op == OpKind.Mean ? " * " + SourceWriter.Float(1f / a.Length) : "";

    private static void Forward(KernelContext c, Node node)
    {
        var a = Layout(c, node);
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        bool max = node.Op == OpKind.Max;
        if (a.Inner == 1)
        {
            // one contiguous row per output
            c.W.Open(a.Outer == 1 ? "" : $"for (int o = 0; o < {a.Outer}; o++)");
            string row = a.Outer == 1 ? x : "xRow";
            if (a.Outer > 1) c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, o * {a.Length});");
            string at = a.Outer == 1 ? y : $"Unsafe.Add(ref {y}, o)";
            if (max)
            {
                SoftmaxOp.RowMax(c.W, row, a.Length, "max");
                c.W.Line($"{at} = max;");
            }
            else
            {
                VectorLoops.Reduce(c.W, a.Length, "sum", (isa, i, acc) => $"{acc} + {isa.Load(row, i)}");
                c.W.Line($"{at} = sum{Scale(node, a)};");
            }
            c.W.Close();
            return;
        }
        // rows of the inner dimensions, accumulated along the axis
        c.W.Open($"for (int o = 0; o < {a.Outer}; o++)");
        c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, o * {a.Inner});");
        c.W.Line($"ref float first = ref Unsafe.Add(ref {x}, o * {a.Length * a.Inner});");
        VectorLoops.Map(c.W, a.Inner, "yRow", false, (isa, i) => isa.Load("first", i));
        c.W.Open($"for (int k = 1; k < {a.Length}; k++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, (o * {a.Length} + k) * {a.Inner});");
        if (max) VectorLoops.Map(c.W, a.Inner, "yRow", false, (isa, i) => isa.Max(isa.Load("yRow", i), isa.Load("xRow", i)));
        else VectorLoops.Map(c.W, a.Inner, "yRow", true, (isa, i) => isa.Load("xRow", i));
        c.W.Close();
        if (node.Op == OpKind.Mean) VectorLoops.Map(c.W, a.Inner, "yRow", false, (isa, i) => $"{isa.Load("yRow", i)} * {isa.Broadcast(SourceWriter.Float(1f / a.Length))}");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var a = Layout(c, node);
        string dx = c.D(node.Inputs[0]), dy = c.D(node.Id);
        if (node.Op == OpKind.Max)
        {
            // the first k whose x equals the maximum receives the gradient
            string x = c.V(node.Inputs[0]), y = c.V(node.Id);
            c.W.Open($"for (int o = 0; o < {a.Outer}; o++)");
            c.W.Open($"for (int i = 0; i < {a.Inner}; i++)");
            c.W.Line($"float max = Unsafe.Add(ref {y}, o * {a.Inner} + i);");
            c.W.Open($"for (int k = 0; k < {a.Length}; k++)");
            c.W.Line($"int at = (o * {a.Length} + k) * {a.Inner} + i;");
            c.W.Line($"float xk = Unsafe.Add(ref {x}, at);");
            c.W.Open("if (xk == max || (float.IsNaN(max) && float.IsNaN(xk)))   // a NaN maximum is the first NaN");
            c.W.Line($"Unsafe.Add(ref {dx}, at) += Unsafe.Add(ref {dy}, o * {a.Inner} + i);");
            c.W.Line("break;");
            c.W.Close();
            c.W.Close();
            c.W.Close();
            c.W.Close();
            return;
        }
        if (a.Inner == 1)
        {
            c.W.Open(a.Outer == 1 ? "" : $"for (int o = 0; o < {a.Outer}; o++)");
            string row = a.Outer == 1 ? dx : "dxRow";
            if (a.Outer > 1) c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {dx}, o * {a.Length});");
            c.W.Line($"float share = {(a.Outer == 1 ? dy : $"Unsafe.Add(ref {dy}, o)")}{Scale(node, a)};");
            VectorLoops.Map(c.W, a.Length, row, true, (isa, i) => isa.Broadcast("share"));
            c.W.Close();
            return;
        }
        c.W.Open($"for (int o = 0; o < {a.Outer}; o++)");
        c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, o * {a.Inner});");
        c.W.Open($"for (int k = 0; k < {a.Length}; k++)");
        c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {dx}, (o * {a.Length} + k) * {a.Inner});");
        VectorLoops.Map(c.W, a.Inner, "dxRow", true, (isa, i) => node.Op == OpKind.Mean
            ? $"{isa.Load("dyRow", i)} * {isa.Broadcast(SourceWriter.Float(1f / a.Length))}"
            : isa.Load("dyRow", i));
        c.W.Close();
        c.W.Close();
    }
}
