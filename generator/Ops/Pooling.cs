using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>A pooling window: its size (square), the step between windows (0 as written means the kernel, as in
/// PyTorch) and the padding on each side.</summary>
internal sealed record PoolAttribute(int Kernel, int Stride, int Padding) : OpAttributes
{
    /// <summary>The step between windows, 0 resolved to the kernel.</summary>
    public int Step => Stride == 0 ? Kernel : Stride;
}

/// <summary>2-D pooling of each channel of each sample [C, H, W] over square windows (PyTorch's floor mode):
/// <c>MaxPool2D(x, kernel, stride, padding)</c> (the window's largest element inside x; its index is saved for
/// backward, which sends the gradient to it alone, the first largest in row-major order and NaN counting as largest,
/// as PyTorch) and <c>AvgPool2D(x, kernel, stride, padding)</c> (the window's sum over kernel^2, padding counted as
/// PyTorch's default). Max pooling without padding runs the runtime's branch-free vector kernel (<c>MaxPooling</c>);
/// the rest are generated loops with every size a constant, windows checked against the input only when there is
/// padding.</summary>
internal sealed class PoolingOp : OpDefinition
{
    private PoolingOp(OpKind kind, string dsl) : base(kind, OpTraits.None, dsl) { }

    public static readonly PoolingOp Max = new(OpKind.MaxPool2D, "MaxPool2D");
    public static readonly PoolingOp Average = new(OpKind.AvgPool2D, "AvgPool2D");

    private bool IsMax => Kind == OpKind.MaxPool2D;

    public override string Syntax => $"`{DslNames[0]}(x, kernel, stride, padding)` (stride 0: the kernel)";
    public override string ShapeRule => "`[C, H, W] -> [C, OH, OW]`, OH = (H + 2 padding - kernel) / stride + 1";
    public override string GradientRule => IsMax ? "`dx[argmax] += dy`" : "`dx[window] += dy / kernel^2`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("window loops", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var window = new PoolAttribute((int)call.Number(1, $"{call.Name}'s kernel"), (int)call.Number(2, $"{call.Name}'s stride"),
            (int)call.Number(3, $"{call.Name}'s padding"));
        return call.Node(Kind, new[] { call.Tensor(0, "the input") }, window);
    }

    /// <summary>Max pooling routes dy through the argmax it saved; average pooling spreads it evenly.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        var p = (PoolAttribute)query.Node.Attributes;
        string op = DslNames[0];
        if (x.Length != 3) return query.Mismatch($"{op} needs per-sample input [C, H, W], got {ShapeQuery.Text(x)}");
        if (p.Kernel < 1) return query.Mismatch($"{op}'s kernel is {p.Kernel}; it must be at least 1");
        if (p.Stride < 0) return query.Mismatch($"{op}'s stride is {p.Stride}; it must be at least 1 (or 0, the default: the kernel)");
        // padding > kernel / 2 rather than 2 padding > kernel, which wraps for a padding near int.MaxValue.
        if (p.Padding < 0 || p.Padding > p.Kernel / 2)
            return query.Mismatch($"{op}'s padding must be between 0 and half the kernel ({p.Kernel} / 2), got {p.Padding} (PyTorch's rule)");
        long oh = ConvolutionOp.OutputSize(x[1], p.Kernel, p.Step, p.Padding, 1), ow = ConvolutionOp.OutputSize(x[2], p.Kernel, p.Step, p.Padding, 1);
        if (oh < 1 || ow < 1)
        {
            bool height = oh < 1;
            return query.Mismatch($"{op}'s {p.Kernel}x{p.Kernel} window does not fit its {x[1]}x{x[2]} input: the output {(height ? "height" : "width")} would be " +
                $"floor(({(height ? x[1] : x[2])} + 2*{p.Padding} - {p.Kernel}) / {p.Step}) + 1 = {(height ? oh : ow)} " +
                "(floor((size + 2 padding - kernel) / stride) + 1), and it must be at least 1");
        }
        return new[] { x[0], (int)oh, (int)ow };
    }

    /// <summary>MaxPool2D saves the sample-relative index of each output's maximum (exact as a float up to 2^24).</summary>
    public override int SavedFloats(Node node) => node.Op == OpKind.MaxPool2D ? node.Size : 0;

    /// <summary>Opens the three loops over the output (ch, oy, ox; o its flat index), writes <paramref name="perOutput"/>,
    /// and opens the two over the window (iy, ix inside x; at the flat index of x[ch, iy, ix]). The caller writes the
    /// body and closes the five.</summary>
    private static void OpenWindows(KernelContext c, Node node, System.Action perOutput)
    {
        int[] x = c.Graph[node.Inputs[0]].Shape;
        var p = (PoolAttribute)node.Attributes;
        int h = x[1], w = x[2], oh = node.Shape[1], ow = node.Shape[2];
        c.W.Open($"for (int ch = 0, o = 0; ch < {node.Shape[0]}; ch++)");
        c.W.Open($"for (int oy = 0; oy < {oh}; oy++)");
        c.W.Open($"for (int ox = 0; ox < {ow}; ox++, o++)");
        perOutput();
        string shift = p.Padding == 0 ? "" : $" - {p.Padding}";
        c.W.Open($"for (int i = 0; i < {p.Kernel}; i++)");
        c.W.Line($"int iy = oy * {p.Step}{shift} + i;");
        if (p.Padding > 0) c.W.Line($"if ((uint)iy >= {h}u) continue;");
        c.W.Open($"for (int j = 0; j < {p.Kernel}; j++)");
        c.W.Line($"int ix = ox * {p.Step}{shift} + j;");
        if (p.Padding > 0) c.W.Line($"if ((uint)ix >= {w}u) continue;");
        c.W.Line($"int at = (ch * {h} + iy) * {w} + ix;");
    }

    private static void Forward(KernelContext c, Node node)
    {
        var p = (PoolAttribute)node.Attributes;
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        bool max = node.Op == OpKind.MaxPool2D, saves = max && c.Plan.Mode == ExecutionMode.Training;
        string? s = saves ? c.S(node.Id) : null;
        if (max && p.Padding == 0)
        {
            // Without padding every window lies inside x: the runtime's branch-free vector kernel.
            int[] input = c.Graph[node.Inputs[0]].Shape;
            c.W.Line($"MaxPooling.Forward(ref {x}, {input[0]}, {input[1]}, {input[2]}, {p.Kernel}, {p.Step}, ref {y}, {node.Shape[1]}, {node.Shape[2]}, ref {s ?? y}, {(saves ? "true" : "false")});");
            return;
        }
        OpenWindows(c, node, () => c.W.Line(max ? "int best = -1; float largest = float.NegativeInfinity;" : "float sum = 0f;"));
        if (max)
        {
            c.W.Line($"float v = Unsafe.Add(ref {x}, at);");
            c.W.Line("if (best < 0 || v > largest || (float.IsNaN(v) && !float.IsNaN(largest))) { best = at; largest = v; }   // the first largest; NaN wins");
        }
        else c.W.Line($"sum += Unsafe.Add(ref {x}, at);");
        c.W.Close();
        c.W.Close();
        if (max)
        {
            c.W.Line($"Unsafe.Add(ref {y}, o) = largest;");
            if (s is not null) c.W.Line($"Unsafe.Add(ref {s}, o) = best;");
        }
        else c.W.Line($"Unsafe.Add(ref {y}, o) = sum * {SourceWriter.Float(1f / (p.Kernel * p.Kernel))};");
        c.W.Close();
        c.W.Close();
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        int ix = node.Inputs[0];
        if (!c.HasGradient(ix)) return;
        string dx = c.D(ix), dy = c.D(node.Id);
        if (node.Op == OpKind.MaxPool2D)
        {
            string s = c.S(node.Id);
            c.W.Open($"for (int o = 0; o < {node.Size}; o++)");
            c.W.Line($"Unsafe.Add(ref {dx}, (int)Unsafe.Add(ref {s}, o)) += Unsafe.Add(ref {dy}, o);");
            c.W.Close();
            return;
        }
        var p = (PoolAttribute)node.Attributes;
        OpenWindows(c, node, () => c.W.Line($"float share = Unsafe.Add(ref {dy}, o) * {SourceWriter.Float(1f / (p.Kernel * p.Kernel))};"));
        c.W.Line($"Unsafe.Add(ref {dx}, at) += share;");
        for (int i = 0; i < 5; i++) c.W.Close();
    }
}

/// <summary><c>GlobalAvgPool(x)</c>: the mean of each channel of each sample [C, ...] (PyTorch's
/// <c>adaptive_avg_pool2d(x, 1)</c> flattened), [C, H, W] -> [C]; backward spreads dy / (H W) over the channel.</summary>
internal sealed class GlobalAvgPoolOp : OpDefinition
{
    private GlobalAvgPoolOp() : base(OpKind.GlobalAvgPool, OpTraits.None, "GlobalAvgPool") { }

    public static readonly GlobalAvgPoolOp Instance = new();

    public override string Syntax => "`GlobalAvgPool(x)`";
    public override string ShapeRule => "`[C, ...] -> [C]`";
    public override string GradientRule => "`dx[c, ..] += dy[c] / (H W)`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("channel means", Forward, Backward) };

    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        if (x.Length < 2) return query.Mismatch($"GlobalAvgPool needs per-sample input [C, H, W] (or [C, ...]), got {ShapeQuery.Text(x)}");
        return new[] { x[0] };
    }

    private static void Forward(KernelContext c, Node node)
    {
        int channels = node.Shape[0], inner = c.Graph[node.Inputs[0]].Size / channels;
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        c.W.Open($"for (int ch = 0; ch < {channels}; ch++)");
        c.W.Line($"ref float plane = ref Unsafe.Add(ref {x}, ch * {inner});");
        VectorLoops.Reduce(c.W, inner, "sum", (isa, i, acc) => $"{acc} + {isa.Load("plane", i)}");
        c.W.Line($"Unsafe.Add(ref {y}, ch) = sum * {SourceWriter.Float(1f / inner)};");
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        int ix = node.Inputs[0];
        if (!c.HasGradient(ix)) return;
        int channels = node.Shape[0], inner = c.Graph[ix].Size / channels;
        string dx = c.D(ix), dy = c.D(node.Id);
        c.W.Open($"for (int ch = 0; ch < {channels}; ch++)");
        c.W.Line($"ref float plane = ref Unsafe.Add(ref {dx}, ch * {inner});");
        c.W.Line($"float share = Unsafe.Add(ref {dy}, ch) * {SourceWriter.Float(1f / inner)};");
        VectorLoops.Map(c.W, inner, "plane", true, (isa, i) => isa.Broadcast("share"));
        c.W.Close();
    }
}
