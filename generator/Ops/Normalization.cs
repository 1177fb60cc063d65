using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Normalization over the last dimension (D) of each row, one definition for both forms (they share shape
/// rule, saved slot and loop structure): <c>LayerNormalize(x, weight, bias, eps)</c> (PyTorch's <c>layer_norm</c>,
/// biased variance) and <c>RmsNormalize(x, weight, eps)</c> (PyTorch's <c>rms_norm</c>). Forward saves each row's mean
/// and rstd (rstd only for RMS) in a saved slot, as llm.c's layernorm_forward does; backward (llm.c's
/// layernorm_backward) recomputes xhat from them: with dn = dy * w, dx += (dn - mean(dn) - xhat mean(dn xhat)) rstd
/// (RMS: without the mean(dn) term), dw += dy xhat, db += dy.</summary>
internal sealed class NormalizationOp : OpDefinition
{
    private NormalizationOp(OpKind kind, string dsl) : base(kind, OpTraits.None, dsl) { }

    public static readonly NormalizationOp Layer = new(OpKind.LayerNorm, "LayerNormalize");
    public static readonly NormalizationOp Rms = new(OpKind.RmsNorm, "RmsNormalize");

    private bool IsLayer => Kind == OpKind.LayerNorm;

    /// <summary>With a positive epsilon: a row of zeros normalizes to zeros.</summary>
    public override bool KeepsFinite(Node node) => ((ScalarAttribute)node.Attributes).Value > 0f;

    public override string Syntax => IsLayer ? "`[LayerNorm(d)] LayerNorm n; n.Forward(x)`, `LayerNormalize(x, w, b, eps)`"
        : "`[RmsNorm(d)] RmsNorm n; n.Forward(x)`, `RmsNormalize(x, w, eps)`";
    public override string ShapeRule => "x's shape; `w` (and `b`) `[D]`, D the last dimension";
    public override string GradientRule => IsLayer ? "`dx += (dn - mean(dn) - xhat mean(dn xhat)) rstd`, `dn = dy w`; `dw += dy xhat`, `db += dy`"
        : "`dx += (dn - xhat mean(dn xhat)) rstd`, `dn = dy w`; `dw += dy xhat`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row loops", Forward, Backward) };

    /// <summary>Normalizes the last axis: each row of a [T, d] sequence on its own.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) => OnlySequence(sequence, 0) && node.Shape.Length >= 2;

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input"), call.Tensor(1, "the weight") };
        int epsilon = IsLayer ? 3 : 2;
        if (IsLayer && call.Arguments[2] is Parse.TensorValue bias) inputs.Add(bias.Node);
        return call.Node(Kind, inputs.ToArray(), new ScalarAttribute(call.Number(epsilon, $"the epsilon of {call.Name}")));
    }

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0);
        if (x.Length == 0) return query.Mismatch($"{Kind} needs a tensor of rank 1 or more, got a scalar");
        int d = x[x.Length - 1];
        for (int i = 1; i < query.Count; i++)
            if (query.In(i).Length != 1 || query.In(i)[0] != d)
                return query.Mismatch($"{Kind} of {ShapeQuery.Text(x)} normalizes the last dimension, so its {(i == 1 ? "weight" : "bias")} must be [{d}], got {ShapeQuery.Text(query.In(i))}");
        var eps = ((ScalarAttribute)query.Node.Attributes).Value;
        if (!(eps >= 0f) || float.IsInfinity(eps)) return query.Mismatch($"{Kind}'s epsilon must be finite and not negative, got {eps}");
        return x;
    }

    /// <summary>Mean and rstd per row (rstd only for RMS).</summary>
    public override int SavedFloats(Node node) => (node.Op == OpKind.LayerNorm ? 2 : 1) * (node.Size / node.Last);

    private static void Forward(KernelContext c, Node node)
    {
        bool layer = node.Op == OpKind.LayerNorm;
        int d = node.Last, rows = node.Size / d;
        string x = c.V(node.Inputs[0]), w = c.V(node.Inputs[1]), y = c.V(node.Id), s = c.S(node.Id);
        string? b = node.Inputs.Count > 2 ? c.V(node.Inputs[2]) : null;
        string inverse = SourceWriter.Float(1f / d), eps = SourceWriter.Float(((ScalarAttribute)node.Attributes).Value);
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, r * {d});");
        c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, r * {d});");
        if (layer)
        {
            VectorLoops.Reduce(c.W, d, "sum", (isa, i, acc) => $"{acc} + {isa.Load("xRow", i)}");
            c.W.Line($"float mean = sum * {inverse};");
            VectorLoops.Reduce(c.W, d, "squares", (isa, i, acc) =>
                isa.Fma($"({isa.Load("xRow", i)} - {isa.Broadcast("mean")})", $"({isa.Load("xRow", i)} - {isa.Broadcast("mean")})", acc));
        }
        else VectorLoops.Reduce(c.W, d, "squares", (isa, i, acc) => isa.Fma(isa.Load("xRow", i), isa.Load("xRow", i), acc));
        c.W.Line($"float rstd = 1f / MathF.Sqrt(squares * {inverse} + {eps});");
        if (layer)
        {
            c.W.Line($"Unsafe.Add(ref {s}, 2 * r) = mean;");
            c.W.Line($"Unsafe.Add(ref {s}, 2 * r + 1) = rstd;");
            VectorLoops.Map(c.W, d, "yRow", false, (isa, i) =>
                $"({isa.Load("xRow", i)} - {isa.Broadcast("mean")}) * {isa.Broadcast("rstd")} * {isa.Load(w, i)}{(b is null ? "" : " + " + isa.Load(b, i))}");
        }
        else
        {
            c.W.Line($"Unsafe.Add(ref {s}, r) = rstd;");
            VectorLoops.Map(c.W, d, "yRow", false, (isa, i) => $"{isa.Load("xRow", i)} * {isa.Broadcast("rstd")} * {isa.Load(w, i)}");
        }
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        bool layer = node.Op == OpKind.LayerNorm;
        int ix = node.Inputs[0], iw = node.Inputs[1], ib = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
        bool needX = c.HasGradient(ix), needW = c.HasGradient(iw), needB = ib >= 0 && c.HasGradient(ib);
        if (!needX && !needW && !needB) return;
        int d = node.Last, rows = node.Size / d;
        string x = c.V(ix), w = c.V(iw), dy = c.D(node.Id), s = c.S(node.Id);
        string inverse = SourceWriter.Float(1f / d);
        // xhat = (x - mean) * rstd, from the saved row statistics
        string XHat(Isa isa, string i) => layer
            ? $"({isa.Load("xRow", i)} - {isa.Broadcast("mean")}) * {isa.Broadcast("rstd")}"
            : $"{isa.Load("xRow", i)} * {isa.Broadcast("rstd")}";
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {x}, r * {d});");
        c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, r * {d});");
        if (layer)
        {
            c.W.Line($"float mean = Unsafe.Add(ref {s}, 2 * r), rstd = Unsafe.Add(ref {s}, 2 * r + 1);");
        }
        else c.W.Line($"float rstd = Unsafe.Add(ref {s}, r);");
        if (needW) VectorLoops.Map(c.W, d, c.D(iw), true, (isa, i) => $"{isa.Load("dyRow", i)} * ({XHat(isa, i)})");
        if (needB) VectorLoops.Map(c.W, d, c.D(ib), true, (isa, i) => isa.Load("dyRow", i));
        if (needX)
        {
            c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {c.D(ix)}, r * {d});");
            VectorLoops.Reduce(c.W, d, "dnXhat", (isa, i, acc) => isa.Fma($"{isa.Load("dyRow", i)} * {isa.Load(w, i)}", $"({XHat(isa, i)})", acc));
            c.W.Line($"float dnXhatMean = dnXhat * {inverse};");
            if (layer)
            {
                VectorLoops.Reduce(c.W, d, "dn", (isa, i, acc) => $"{acc} + {isa.Load("dyRow", i)} * {isa.Load(w, i)}");
                c.W.Line($"float dnMean = dn * {inverse};");
                VectorLoops.Map(c.W, d, "dxRow", true, (isa, i) =>
                    $"({isa.Load("dyRow", i)} * {isa.Load(w, i)} - {isa.Broadcast("dnMean")} - ({XHat(isa, i)}) * {isa.Broadcast("dnXhatMean")}) * {isa.Broadcast("rstd")}");
            }
            else
                VectorLoops.Map(c.W, d, "dxRow", true, (isa, i) =>
                    $"({isa.Load("dyRow", i)} * {isa.Load(w, i)} - ({XHat(isa, i)}) * {isa.Broadcast("dnXhatMean")}) * {isa.Broadcast("rstd")}");
        }
        c.W.Close();
    }
}
