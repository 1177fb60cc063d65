using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ir;

/// <summary>Build IR: gives every node its per-sample shape, one rule per op, and reports mismatches at the
/// expression that caused them with both shapes in the message.</summary>
internal static class ShapeInference
{
    public static Graph? Build(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        var nodes = new List<Node>(spec.Nodes.Count);
        int[] targetShape = spec.TargetShape.ToArray();
        foreach (var n in spec.Nodes)
        {
            int[]? shape = Infer(spec, n, nodes, ref targetShape, diagnostics);
            if (shape is null) return null;
            if (Shapes.SaturatedSize(shape) > Shapes.MaxElements)
            {
                // Sizes are ints in the generated code (and in Shapes.Size): MatMul or broadcasting of large shapes
                // must stop here, at the expression, not overflow later.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorTooLarge, n.Location, $"'{n.Source}'",
                    "[" + string.Join(", ", shape) + "]", Shapes.MaxElements));
                return null;
            }
            nodes.Add(new Node(n, shape));
        }
        // Without a [Shape] on the target (or without a loss at all) the target is shaped like the output.
        if (!spec.TargetShapeExplicit) targetShape = nodes[spec.OutputNode].Shape;
        var graph = new Graph(spec, nodes, targetShape);
        if (graph.Loss is { } loss && loss.Size != 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossShape, loss.Spec.Location,
                $"The [Loss] must produce one number per sample, but '{loss.Spec.Source}' has shape {loss.ShapeText}; reduce it with Sum or Mean"));
            return null;
        }
        return graph;
    }

    private static int[]? Infer(NetworkSpec spec, NodeSpec n, List<Node> nodes, ref int[] targetShape, List<DiagnosticInfo> diagnostics)
    {
        int[] In(int i) => nodes[n.Inputs[i]].Shape;
        string Text(int[] s) => "[" + string.Join(", ", s) + "]";
        int[]? Mismatch(string detail)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeMismatch, n.Location, $"'{n.Source}'", detail));
            return null;
        }
        switch (n.Op)
        {
            case OpKind.Input: return spec.InputShape.ToArray();
            case OpKind.Target:
                if (!spec.TargetShapeExplicit) targetShape = nodes[spec.OutputNode].Shape;
                return targetShape;
            case OpKind.Param: return spec.Parameters[n.Parameter].Shape.ToArray();
            case OpKind.Constant: return new int[0];
            case OpKind.Add or OpKind.Sub or OpKind.Mul:
            {
                int[] a = In(0), b = In(1);
                if (IsSuffix(b, a)) return a;
                if (IsSuffix(a, b)) return b;
                return Mismatch($"{Text(a)} {Symbol(n.Op)} {Text(b)} cannot broadcast (one shape must equal the other's trailing dimensions)");
            }
            case OpKind.Neg or OpKind.Sigmoid or OpKind.Tanh or OpKind.Relu or OpKind.LeakyRelu or OpKind.Swish or OpKind.Gelu
                or OpKind.GeluTanh or OpKind.Step:
                return In(0);
            case OpKind.Softmax:
                return In(0).Length == 0 ? Mismatch("Softmax needs at least one dimension, got a scalar") : In(0);
            case OpKind.Sum or OpKind.Mean:
                return new int[0];
            case OpKind.Transpose:
            {
                int[] a = In(0);
                if (a.Length < 2) return Mismatch($"Transpose needs at least two dimensions, got {Text(a)}");
                var r = (int[])a.Clone();
                (r[r.Length - 1], r[r.Length - 2]) = (r[r.Length - 2], r[r.Length - 1]);
                return r;
            }
            case OpKind.MatMul:
            {
                int[] a = In(0), b = In(1);
                if (a.Length == 0 || b.Length == 0) return Mismatch($"MatMul needs tensors, got {Text(a)} x {Text(b)}");
                if (b.Length > 2) return Mismatch($"MatMul's right operand must have rank 1 or 2, got {Text(a)} x {Text(b)}");
                int k = a[a.Length - 1];
                int kb = b.Length == 1 ? b[0] : b[0];
                if (k != kb) return Mismatch($"MatMul inner dimensions differ: {Text(a)} x {Text(b)} ({k} vs {kb})");
                var lead = a.Take(a.Length - 1);
                return b.Length == 1 ? lead.ToArray() : lead.Concat(new[] { b[1] }).ToArray();
            }
            case OpKind.Linear:
            {
                int[] x = In(0), w = In(1);
                if (w.Length != 2) return Mismatch($"a linear weight must be [out, in], got {Text(w)}");
                if (x.Length == 0 || x[x.Length - 1] != w[1])
                    return Mismatch($"layer '{n.Label}' expects {w[1]} input features (weight {Text(w)}) but its input has shape {Text(x)}");
                if (n.Inputs.Count > 2 && (In(2).Length != 1 || In(2)[0] != w[0]))
                    return Mismatch($"the bias {Text(In(2))} does not match {w[0]} outputs");
                return x.Take(x.Length - 1).Concat(new[] { w[0] }).ToArray();
            }
            case OpKind.BinaryCrossEntropy or OpKind.MeanSquaredError or OpKind.QuadraticCost:
            {
                int[] y = In(0), t = In(1);
                if (!y.SequenceEqual(t)) return LossMismatch(n, diagnostics, $"{n.Label} compares the output {Text(y)} with a target {Text(t)}; they must have the same shape");
                return new int[0];
            }
            case OpKind.CrossEntropy:
            {
                int[] y = In(0), t = In(1);
                if (y.Length == 0) return LossMismatch(n, diagnostics, "CrossEntropy needs logits with a class dimension, got a scalar");
                bool indices = t.Length == y.Length && t.Take(t.Length - 1).SequenceEqual(y.Take(y.Length - 1)) && t[t.Length - 1] == 1;
                if (!y.SequenceEqual(t) && !indices)
                    return LossMismatch(n, diagnostics, $"CrossEntropy of logits {Text(y)} needs a target of probabilities {Text(y)} or of class indices " +
                        Text(y.Take(y.Length - 1).Concat(new[] { 1 }).ToArray()) + $", got {Text(t)}");
                return new int[0];
            }
        }
        return Mismatch($"no shape rule for {n.Op}");
    }

    private static int[]? LossMismatch(NodeSpec n, List<DiagnosticInfo> diagnostics, string message)
    {
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossShape, n.Location, message));
        return null;
    }

    /// <summary>True when <paramref name="small"/> equals the trailing dimensions of <paramref name="large"/>.</summary>
    private static bool IsSuffix(int[] small, int[] large)
    {
        if (small.Length > large.Length) return false;
        for (int i = 1; i <= small.Length; i++)
            if (small[small.Length - i] != large[large.Length - i]) return false;
        return true;
    }

    private static string Symbol(OpKind op) => op switch { OpKind.Add => "+", OpKind.Sub => "-", _ => "*" };
}
