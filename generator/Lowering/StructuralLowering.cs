using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>Transpose, Sum, Mean and Softmax: forward and derivative rules.</summary>
internal static class StructuralLowering
{
    // y[.., q, p] = x[.., p, q]; dx[.., p, q] += dy[.., q, p]
    public static void TransposeForward(KernelContext c, Node node) => Transpose(c, node, c.V(node.Inputs[0]), c.V(node.Id), "=", forward: true);

    public static void TransposeBackward(KernelContext c, Node node)
    {
        if (c.HasGradient(node.Inputs[0])) Transpose(c, node, c.D(node.Id), c.D(node.Inputs[0]), "+=", forward: false);
    }

    private static void Transpose(KernelContext c, Node node, string from, string to, string assign, bool forward)
    {
        var x = c.Graph[node.Inputs[0]];
        int p = x.Shape[x.Shape.Length - 2], q = x.Last, batches = x.Size / (p * q);
        string xi = $"b * {p * q} + i * {q} + j", yi = $"b * {p * q} + j * {p} + i";
        c.W.Open($"for (int b = 0; b < {batches}; b++)");
        c.W.Open($"for (int i = 0; i < {p}; i++)");
        c.W.Open($"for (int j = 0; j < {q}; j++)");
        c.W.Line(forward ? $"Unsafe.Add(ref {to}, {yi}) {assign} Unsafe.Add(ref {from}, {xi});"
                         : $"Unsafe.Add(ref {to}, {xi}) {assign} Unsafe.Add(ref {from}, {yi});");
        c.W.Close(); c.W.Close(); c.W.Close();
    }

    // y = sum(x) (times 1/n for the mean); dx += dy (times 1/n)
    public static void ReduceForward(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        string vx = c.V(x.Id), y = c.V(node.Id);
        c.W.Open("");
        VectorLoops.Reduce(c.W, x.Size, "sum", (isa, i, acc) => $"{acc} + {isa.Load(vx, i)}");
        c.W.Line(node.Op == OpKind.Mean ? $"{y} = sum * {SourceWriter.Float(1f / x.Size)};" : $"{y} = sum;");
        c.W.Close();
    }

    public static void ReduceBackward(KernelContext c, Node node)
    {
        var x = c.Graph[node.Inputs[0]];
        if (!c.HasGradient(x.Id)) return;
        string dx = c.D(x.Id), dy = c.D(node.Id);
        c.W.Open("");
        c.W.Line(node.Op == OpKind.Mean ? $"float share = {dy} * {SourceWriter.Float(1f / x.Size)};" : $"float share = {dy};");
        VectorLoops.Map(c.W, x.Size, dx, true, (isa, i) => isa.Broadcast("share"));
        c.W.Close();
    }

    // y = exp(x - max) / sum(exp(x - max)) per row; dx += y * (dy - dot(dy, y))
    public static void SoftmaxForward(KernelContext c, Node node)
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

    public static void SoftmaxBackward(KernelContext c, Node node)
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
