using System.Text;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>Dense layers, y = act(x W^T + b) with W [N, K], over R rows of x [R, K]. Small layers become
/// straight-line FMA chains with constant offsets; larger ones a dot product per output with the bias and the
/// fused activation applied as each output is produced. Backward: dz = dy * act'(.), then db += dz,
/// dW[o, :] += dz * x, dx += dz * W[o, :] (each a vector axpy over K).</summary>
internal static class LinearLowering
{
    /// <summary>Up to this many multiply-adds per sample a layer is written out as straight-line code.</summary>
    public const int StraightLineLimit = 64;

    /// <summary>From this many multiply-adds per sample a layer runs on a whole tile of samples through the
    /// runtime's register-blocked <c>TileGemm</c>, which reuses each weight for every sample of the tile.</summary>
    public const int TileGemmThreshold = 1024;

    /// <summary>Whether <paramref name="node"/> is a dense layer that <c>TileGemm</c> can run over a tile: one row
    /// per sample, weights (and bias) that are parameters shared by every sample, and an input that lives in the
    /// input buffer or the workspace (so its rows are evenly strided).</summary>
    public static bool UsesTileGemm(Graph graph, Node node)
    {
        if (node.Op != OpKind.Linear) return false;
        var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
        int k = w.Shape[1], n = w.Shape[0];
        bool biasShared = node.Inputs.Count < 3 || graph[node.Inputs[2]].Op == OpKind.Param;
        return x.Size == k && n * k >= TileGemmThreshold && w.Op == OpKind.Param && biasShared
            && x.Op is not (OpKind.Param or OpKind.Constant or OpKind.Target);
    }

    /// <summary>Forward over a tile: z = x W^T + b for all rows in one TileGemm call, then the fused activation
    /// row by row (in place when the pre-activation is not kept).</summary>
    public static void ForwardTile(KernelContext c, Node node)
    {
        var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int k = w.Shape[1], n = w.Shape[0];
        int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
        int actId = c.Fusion.Epilogue[node.Id];
        Activation? act = actId >= 0 ? Activation.For(c.Graph[actId]) : null;
        bool keepsZ = c.Memory.ValueOffset[node.Id] >= 0;
        int destination = act is null || keepsZ ? node.Id : actId;
        c.Block(() =>
        {
            string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
            c.W.Line($"TileGemm.Forward(ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, ref {vw}, ref {vb}, {(bias >= 0 ? "true" : "false")}, " +
                     $"ref {c.V(destination)}, ValueWorkspaceSize, rows, {n}, {k});");
        });
        if (act is null) return;
        c.RowLoop(() =>
        {
            string from = c.V(destination), to = c.V(actId);
            VectorLoops.Map(c.W, n, to, false, (isa, i) => act.Apply(isa.Load(from, i), isa));
        });
    }

    /// <summary>Backward over a tile: dz = dy * act'(.) in place (dy is read by nothing else), then dW += dz^T x and
    /// db += sum dz in one TileGemm call, and dx += dz W in another.</summary>
    public static void BackwardTile(KernelContext c, Node node)
    {
        var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
        int k = w.Shape[1], n = w.Shape[0];
        int actId = c.Fusion.Epilogue[node.Id];
        Activation? act = actId >= 0 ? Activation.For(c.Graph[actId]) : null;
        if (act is { HasGradient: false }) return;
        int dyId = actId >= 0 ? actId : node.Id;
        bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
        if (act is not null)
            c.RowLoop(() =>
            {
                string dy = c.D(dyId), arg = act.GradientNeedsInput ? c.V(node.Id) : c.V(actId);
                VectorLoops.Map(c.W, n, dy, false, (isa, i) =>
                    $"{isa.Load(dy, i)} * {(act.GradientNeedsInput ? act.Gradient(isa.Load(arg, i), "", isa) : act.Gradient("", isa.Load(arg, i), isa))}");
            });
        if (needW)
            c.Block(() =>
            {
                string dw = c.D(w.Id), db = needB ? c.D(bias) : dw;
                c.W.Line($"TileGemm.BackwardWeights(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, " +
                         $"ref {dw}, ref {db}, {(needB ? "true" : "false")}, rows, {n}, {k});");
            });
        else if (needB)
            c.RowLoop(() =>
            {
                string dy = c.D(dyId);
                VectorLoops.Map(c.W, n, c.D(bias), true, (isa, i) => isa.Load(dy, i));
            });
        if (needX)
            c.Block(() => c.W.Line($"TileGemm.BackwardInput(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(w.Id)}, " +
                                   $"ref {c.D(x.Id)}, GradientWorkspaceSize, rows, {n}, {k});"));
    }

    public static void Forward(KernelContext c, Node node)
    {
        var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
        string vx = c.V(x.Id), vw = c.V(w.Id), vb = node.Inputs.Count > 2 ? c.V(node.Inputs[2]) : "";
        int actId = c.Fusion.Epilogue[node.Id];
        Activation? act = actId >= 0 ? Activation.For(c.Graph[actId]) : null;
        string y = actId >= 0 ? c.V(actId) : c.V(node.Id);
        string? z = c.Memory.ValueOffset[node.Id] >= 0 && actId >= 0 ? c.V(node.Id) : null;

        if (rows * n * k <= StraightLineLimit)
        {
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < n; o++)
                {
                    var sum = new StringBuilder(vb.Length > 0 ? IsaText.Elem(vb, SourceWriter.Int(o)) : "0f");
                    for (int i = 0; i < k; i++)
                        sum.Insert(0, $"MathF.FusedMultiplyAdd({IsaText.Elem(vw, SourceWriter.Int(o * k + i))}, {IsaText.Elem(vx, SourceWriter.Int(r * k + i))}, ").Append(')');
                    string at = SourceWriter.Int(r * n + o);
                    Store(c, act, y, z, at, sum.ToString());
                }
            return;
        }
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {vx}, r * {k});");
        c.W.Open($"for (int o = 0; o < {n}; o++)");
        c.W.Line($"ref float wRow = ref Unsafe.Add(ref {vw}, o * {k});");
        VectorLoops.Reduce(c.W, k, "sum", (isa, i, acc) => isa.Fma(isa.Load("wRow", i), isa.Load("xRow", i), acc));
        string pre = vb.Length > 0 ? $"sum + Unsafe.Add(ref {vb}, o)" : "sum";
        Store(c, act, y, z, $"r * {n} + o", pre);
        c.W.Close();
        c.W.Close();
    }

    private static void Store(KernelContext c, Activation? act, string y, string? z, string at, string value)
    {
        if (act is null) { c.W.Line($"{IsaText.Elem(y, at)} = {value};"); return; }
        if (z is not null)
        {
            c.W.Line($"{IsaText.Elem(z, at)} = {value};");
            c.W.Line($"{IsaText.Elem(y, at)} = {act.Apply(IsaText.Elem(z, at), Isa.Scalar)};");
        }
        else c.W.Line($"{IsaText.Elem(y, at)} = {act.Apply(value, Isa.Scalar)};");
    }

    public static void Backward(KernelContext c, Node node)
    {
        var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
        int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
        int actId = c.Fusion.Epilogue[node.Id];
        Activation? act = actId >= 0 ? Activation.For(c.Graph[actId]) : null;
        if (act is { HasGradient: false }) return;
        string dy = c.D(actId >= 0 ? actId : node.Id);
        string? actArg = act is null ? null : act.GradientNeedsInput ? c.V(node.Id) : c.V(actId);
        bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
        string vx = c.V(x.Id), vw = c.V(w.Id);
        string dx = needX ? c.D(x.Id) : "", dw = needW ? c.D(w.Id) : "", db = needB ? c.D(bias) : "";
        string Dz(string at) =>
            act is null ? IsaText.Elem(dy, at)
            : act.GradientNeedsInput ? $"{IsaText.Elem(dy, at)} * {act.Gradient(IsaText.Elem(actArg!, at), "", Isa.Scalar)}"
            : $"{IsaText.Elem(dy, at)} * {act.Gradient("", IsaText.Elem(actArg!, at), Isa.Scalar)}";

        if (rows * n * k <= StraightLineLimit)
        {
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < n; o++)
                {
                    string dz = $"dz{node.Id}_{r}_{o}";
                    c.W.Line($"float {dz} = {Dz(SourceWriter.Int(r * n + o))};");
                    if (needB) c.W.Line($"{IsaText.Elem(db, SourceWriter.Int(o))} += {dz};");
                    for (int i = 0; i < k; i++)
                    {
                        if (needW) c.W.Line($"{IsaText.Elem(dw, SourceWriter.Int(o * k + i))} += {dz} * {IsaText.Elem(vx, SourceWriter.Int(r * k + i))};");
                        if (needX) c.W.Line($"{IsaText.Elem(dx, SourceWriter.Int(r * k + i))} += {dz} * {IsaText.Elem(vw, SourceWriter.Int(o * k + i))};");
                    }
                }
            return;
        }
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {vx}, r * {k});");
        if (needX) c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {dx}, r * {k});");
        c.W.Open($"for (int o = 0; o < {n}; o++)");
        c.W.Line($"float dz = {Dz($"r * {n} + o")};");
        if (needB) c.W.Line($"Unsafe.Add(ref {db}, o) += dz;");
        if (needW)
        {
            c.W.Line($"ref float dwRow = ref Unsafe.Add(ref {dw}, o * {k});");
            VectorLoops.Map(c.W, k, "dwRow", true, (isa, i) => $"{isa.Broadcast("dz")} * {isa.Load("xRow", i)}");
        }
        if (needX)
        {
            c.W.Line($"ref float wRow = ref Unsafe.Add(ref {vw}, o * {k});");
            VectorLoops.Map(c.W, k, "dxRow", true, (isa, i) => $"{isa.Broadcast("dz")} * {isa.Load("wRow", i)}");
        }
        c.W.Close();
        c.W.Close();
    }
}
