using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>Per-sample losses (a scalar per sample; the batch mean is taken by the caller through the seed
/// gradient 1/batch). Each rule: forward value, then d loss / d output.</summary>
internal static class LossLowering
{
    public static void Forward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        string vy = c.V(y.Id), vt = c.V(t.Id), l = c.V(node.Id);
        int n = y.Size;
        c.W.Open("");
        switch (node.Op)
        {
            case OpKind.MeanSquaredError:
            case OpKind.QuadraticCost:
                // mean((y - t)^2), or 0.5 * sum((y - t)^2)
                VectorLoops.Reduce(c.W, n, "sum", (isa, i, acc) =>
                    isa.Fma($"({isa.Load(vy, i)} - {isa.Load(vt, i)})", $"({isa.Load(vy, i)} - {isa.Load(vt, i)})", acc));
                c.W.Line($"{l} = sum * {SourceWriter.Float(node.Op == OpKind.QuadraticCost ? 0.5f : 1f / n)};");
                break;
            case OpKind.BinaryCrossEntropy:
                // -mean(t log y + (1 - t) log(1 - y)), each log clamped at -100 as PyTorch does
                c.W.Line("float sum = 0f;");
                c.W.Open($"for (int i = 0; i < {n}; i++)");
                c.W.Line($"float yi = Unsafe.Add(ref {vy}, i), ti = Unsafe.Add(ref {vt}, i);");
                c.W.Line("sum += ti * MathF.Max(ScalarMath.Log(yi), -100f) + (1f - ti) * MathF.Max(ScalarMath.Log(1f - yi), -100f);");
                c.W.Close();
                c.W.Line($"{l} = -sum * {SourceWriter.Float(1f / n)};");
                break;
            case OpKind.CrossEntropy:
                CrossEntropy(c, node, y, t, backward: false);
                break;
        }
        c.W.Close();
    }

    public static void Backward(KernelContext c, Node node)
    {
        var (y, t) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        if (!c.HasGradient(y.Id)) return;
        string vy = c.V(y.Id), vt = c.V(t.Id), dy = c.D(y.Id), dl = c.D(node.Id);
        int n = y.Size;
        c.W.Open("");
        switch (node.Op)
        {
            case OpKind.MeanSquaredError:
            case OpKind.QuadraticCost:
                // d/dy = scale * (y - t), scale = 2/n (mean squared error) or 1 (quadratic cost)
                c.W.Line($"float scale = {dl} * {SourceWriter.Float(node.Op == OpKind.QuadraticCost ? 1f : 2f / n)};");
                VectorLoops.Map(c.W, n, dy, true, (isa, i) => $"{isa.Broadcast("scale")} * ({isa.Load(vy, i)} - {isa.Load(vt, i)})");
                break;
            case OpKind.BinaryCrossEntropy:
                // d/dy = (y - t) / (y (1 - y)) / n, the denominator clamped at 1e-12 as PyTorch does
                c.W.Line($"float scale = {dl} * {SourceWriter.Float(1f / n)};");
                c.W.Open($"for (int i = 0; i < {n}; i++)");
                c.W.Line($"float yi = Unsafe.Add(ref {vy}, i), ti = Unsafe.Add(ref {vt}, i);");
                c.W.Line($"Unsafe.Add(ref {dy}, i) += scale * (yi - ti) / MathF.Max(yi * (1f - yi), 1e-12f);");
                c.W.Close();
                break;
            case OpKind.CrossEntropy:
                CrossEntropy(c, node, y, t, backward: true);
                break;
        }
        c.W.Close();
    }

    // Softmax cross-entropy from logits, per row: lse = max + log(sum exp(x - max)).
    // Class index target c: loss = lse - x[c]; gradient softmax - onehot(c).
    // Probability target p: loss = sum(p) lse - dot(p, x); gradient sum(p) softmax - p.
    // The sample's loss is the mean over its rows.
    private static void CrossEntropy(KernelContext c, Node node, Node y, Node t, bool backward)
    {
        int classes = y.Last, rows = y.Size / classes;
        bool indices = t.Size != y.Size;   // [.., 1] class indices rather than [.., C] probabilities
        string vy = c.V(y.Id), vt = c.V(t.Id);
        if (!backward) c.W.Line("float total = 0f;");
        else c.W.Line($"float scale = {c.D(node.Id)} * {SourceWriter.Float(1f / rows)};");
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {vy}, r * {classes});");
        StructuralLowering.RowMax(c.W, "xRow", classes, "max");
        VectorLoops.Reduce(c.W, classes, "sumExp", (isa, i, acc) => $"{acc} + {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})");
        if (indices)
        {
            // label != value also refuses NaN (which converts to 0) and fractions, before anything is updated.
            c.W.Line($"int label = (int)Unsafe.Add(ref {vt}, r);");
            c.W.Line($"if ((uint)label >= {classes}u || label != Unsafe.Add(ref {vt}, r)) CompiledSupport.ThrowClassIndex(Unsafe.Add(ref {vt}, r), {classes});");
        }
        else
        {
            c.W.Line($"ref float tRow = ref Unsafe.Add(ref {vt}, r * {classes});");
            VectorLoops.Reduce(c.W, classes, "mass", (isa, i, acc) => $"{acc} + {isa.Load("tRow", i)}");
        }
        if (!backward)
        {
            c.W.Line("float lse = max + ScalarMath.Log(sumExp);");
            if (indices) c.W.Line("total += lse - Unsafe.Add(ref xRow, label);");
            else
            {
                VectorLoops.Reduce(c.W, classes, "dot", (isa, i, acc) => isa.Fma(isa.Load("tRow", i), isa.Load("xRow", i), acc));
                c.W.Line("total += mass * lse - dot;");
            }
        }
        else
        {
            string dy = c.D(y.Id);
            c.W.Line($"ref float dRow = ref Unsafe.Add(ref {dy}, r * {classes});");
            c.W.Line(indices ? "float factor = scale / sumExp;" : "float factor = scale * mass / sumExp;");
            VectorLoops.Map(c.W, classes, "dRow", true, (isa, i) => indices
                ? $"{isa.Broadcast("factor")} * {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")})"
                : $"{isa.Broadcast("factor")} * {isa.Math()}.Exp({isa.Load("xRow", i)} - {isa.Broadcast("max")}) - {isa.Broadcast("scale")} * {isa.Load("tRow", i)}");
            if (indices) c.W.Line("Unsafe.Add(ref dRow, label) -= scale;");
        }
        c.W.Close();
        if (!backward) c.W.Line($"{c.V(node.Id)} = total * {SourceWriter.Float(1f / rows)};");
    }
}
