using System.Collections.Generic;
using System.Linq;
using System.Text;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Dense layers (<c>[Dense] layer.Forward(x)</c>, <c>Linear(x, w, b)</c>): y = act(x W^T + b) with W [N, K]
/// over R rows of x [R, K], the activation fused into the epilogue when nothing else reads the pre-activation.
/// Backward: dz = dy * act'(.), then db += dz, dW[o, :] += dz * x, dx += dz * W[o, :]. Three strategies, most
/// specialized first: a whole tile through the runtime's register-blocked TileGemm (large layers), straight-line FMA
/// chains with constant offsets (tiny layers), and a dot product per output.</summary>
internal sealed class LinearOp : OpDefinition
{
    private LinearOp() : base(OpKind.Linear, OpTraits.EpilogueHost, "Linear") { }

    public static readonly LinearOp Instance = new();

    /// <summary>Over [T, in], each row is its own product with the (non-sequence) weights.</summary>
    public override bool RowWise(Graph graph, Node node, bool[] sequence) => OnlySequence(sequence, 0) && graph[node.Inputs[0]].Shape.Length >= 2;

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`layer.Forward(x)` (`[Dense]`), `Linear(x, w, b)`";
    public override string ShapeRule => "`[..., in] -> [..., out]`, `w` `[out, in]`, `b` `[out]`";
    public override string GradientRule => "`dz = dy act'`; `db += dz`, `dW += dz^T x`, `dx += dz W`";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new LoweringStrategy[]
    {
        new TileGemmStrategy(), new SequenceGemmStrategy(), new StraightLineStrategy(), new SampleRowsGemmStrategy(), new RowGemvStrategy(), new CodeStrategy("dot loop", DotForward, DotBackward),
    };

    /// <summary>Up to this many multiply-adds per sample a layer is written out as straight-line code.</summary>
    public const int StraightLineLimit = 64;

    /// <summary>From this many multiply-adds per sample a layer runs on a whole tile of samples through the
    /// runtime's register-blocked <c>TileGemm</c>, which reuses each weight for every sample of the tile.</summary>
    public const int TileGemmThreshold = 1024;

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input"), call.Tensor(1, "the weight") };
        if (call.Arguments.Count > 2 && call.Arguments[2] is Parse.TensorValue bias) inputs.Add(bias.Node);
        return call.Node(Kind, inputs.ToArray(), OpAttributes.None);
    }

    /// <summary>dW reads the input, dx the weight; a fused activation's derivative reads what the memory plan keeps for it.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => operand < 2;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0), w = query.In(1);
        if (w.Length != 2) return query.Mismatch($"a linear weight must be [out, in], got {ShapeQuery.Text(w)}");
        if (x.Length == 0 || x[x.Length - 1] != w[1])
            return query.Mismatch($"layer '{query.Node.Label}' expects {w[1]} input features (weight {ShapeQuery.Text(w)}) but its input has shape {ShapeQuery.Text(x)}");
        if (query.Count > 2 && (query.In(2).Length != 1 || query.In(2)[0] != w[0]))
            return query.Mismatch($"the bias {ShapeQuery.Text(query.In(2))} does not match {w[0]} outputs");
        return x.Take(x.Length - 1).Concat(new[] { w[0] }).ToArray();
    }

    /// <summary>The activation fused into <paramref name="node"/>'s epilogue, if any.</summary>
    private static (ActivationOp? Op, Node? Node) Epilogue(KernelContext c, Node node)
    {
        int id = c.Fusion.Epilogue[node.Id];
        return id < 0 ? (null, null) : ((ActivationOp)OpRegistry.For(c.Graph[id].Op), c.Graph[id]);
    }

    /// <summary>The trailing argument of a dX product: <c>overwrite: true</c> when dx's slot comes alive here and this is
    /// its first write (<see cref="KernelContext.ClaimFreshGradient"/>), so the product stores dz W instead of adding it to
    /// a zeroed slot; empty otherwise.</summary>
    private static string Overwrite(KernelContext c, Node x) => c.ClaimFreshGradient(x.Id, x.Size) ? ", overwrite: true" : "";

    /// <summary>TileGemm over a whole tile: one row per sample, weights (and bias) that are parameters shared by every
    /// sample, and an input that lives in the input buffer or the workspace (so its rows are evenly strided).</summary>
    private sealed class TileGemmStrategy : LoweringStrategy
    {
        public override string Name => "TileGemm";
        public override StrategyScope Scope => StrategyScope.Tile;

        public override bool CanOverwriteParameterGradients => true;

        public override bool Applies(Graph graph, Node node)
        {
            var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0];
            bool biasShared = node.Inputs.Count < 3 || graph[node.Inputs[2]].Op == OpKind.Param;
            return x.Size == k && n * k >= TileGemmThreshold && w.Op == OpKind.Param && biasShared
                && x.Op is not (OpKind.Param or OpKind.Constant or OpKind.Target);
        }

        // z = x W^T + b for all rows in one TileGemm call, then the fused activation row by row (in place when the
        // pre-activation is not kept).
        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0];
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            int destination = epilogue.Destination;
            c.Block(() =>
            {
                string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
                c.W.Line($"TileGemm.Forward(ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, ref {vw}, ref {vb}, {(bias >= 0 ? "true" : "false")}, " +
                         $"ref {c.V(destination)}, {c.ValueStride(destination)}, rows, {n}, {k}{c.FixedWeightsArgument});");
            });
            if (!epilogue.Empty) c.RowLoop(() => epilogue.Forward(c));
        }

        // dz = dy * act'(.) in place (dy is read by nothing else), then dW += dz^T x and db += sum dz in one TileGemm
        // call, and dx += dz W in another.
        public override void Backward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            int k = w.Shape[1], n = w.Shape[0];
            var epilogue = FusedEpilogue.Of(c, node);
            int dyId = epilogue.Result;
            bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
            if (!epilogue.Empty) c.RowLoop(() => epilogue.Backward(c));
            if (needW)
                c.Block(() =>
                {
                    string dw = c.D(w.Id), db = needB ? c.D(bias) : dw;
                    // the step's first tile writes dW (and db) whole where nothing else adds to them: no clear needed
                    bool overwrite = c.Plan.OverwrittenGradients[c.Graph[w.Id].Spec.Parameter];
                    c.SetGradientParts(c.Graph[w.Id].Spec.Parameter, $"TileGemm.WeightGradientParts(rows, {n}, {k})");
                    c.W.Line($"TileGemm.BackwardWeights(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, " +
                             $"ref {dw}, ref {db}, {(needB ? "true" : "false")}, rows, {n}, {k}{(overwrite ? ", overwrite: firstTile" : "")});");
                });
            else if (needB)
                c.RowLoop(() =>
                {
                    string dy = c.D(dyId);
                    VectorLoops.Map(c.W, n, c.D(bias), true, (isa, i) => isa.Load(dy, i));
                });
            if (needX)
                c.Block(() => c.W.Line($"TileGemm.BackwardInput(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(w.Id)}, " +
                                       $"ref {c.D(x.Id)}, GradientWorkspaceSize, rows, {n}, {k}{Overwrite(c, x)});"));
        }
    }

    /// <summary>The rows of a whole tile of sequences as one product: an input [..., rows, in] per sample (a Transformer's
    /// tokens, say), with weights (and bias) that are parameters shared by every row. The runtime's <c>SequenceGemm</c>
    /// runs the tile's samples x rows as one TileGemm product (each sample's rows where they are), so a weight is read once
    /// per tile and dW sums over the whole tile in registers (T5's step: per sample, each of its 20-row products re-read its
    /// weights from L3 and read and wrote all of dW).</summary>
    private sealed class SequenceGemmStrategy : LoweringStrategy
    {
        public override string Name => "SequenceGemm (a tile of short sequences as one product)";
        public override StrategyScope Scope => StrategyScope.Tile;

        /// <summary>A sample with this many rows fills TileGemm's register blocks on its own (two Vector512 registers of
        /// rows), and its products run as well per sample (CharGpt's 64 positions: 13.0 ms per step per sample, 16.3 in
        /// tiles of 4, whose values no longer fit L2).</summary>
        public const int MaxRows = 48;

        public override bool Applies(Graph graph, Node node) => Rows(graph, node) is >= 2 and < MaxRows;

        public override int RowsPerSample(Graph graph, Node node) => Rows(graph, node);

        /// <summary>The rows of one sample's input when the strategy can run <paramref name="node"/>, else 0.</summary>
        private static int Rows(Graph graph, Node node)
        {
            var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0];
            bool biasShared = node.Inputs.Count < 3 || graph[node.Inputs[2]].Op == OpKind.Param;
            bool applies = n * k >= TileGemmThreshold && w.Op == OpKind.Param && biasShared
                && x.Op is not (OpKind.Param or OpKind.Constant or OpKind.Target);
            return applies ? x.Size / k : 0;
        }

        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0], length = x.Size / k;
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            int destination = epilogue.Destination;
            var live = RowsComputed(c, node, length, forward: true);
            c.Block(() =>
            {
                string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
                if (live is not null) c.DeclareLiveRows(live);
                c.W.Line($"SequenceGemm.Forward(ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, ref {vw}, ref {vb}, {(bias >= 0 ? "true" : "false")}, " +
                         $"ref {c.V(destination)}, {c.ValueStride(destination)}, rows, {length}, {n}, {k}{(live is not null ? ", live" : c.FixedWeightsArgument)});");
            });
            if (!epilogue.Empty) c.RowLoop(() => epilogue.Forward(c));
        }

        // As TileGemm's: dz = dy * act'(.) in place per sample, then dW and db over the whole tile, dx sample by sample.
        public override void Backward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            int k = w.Shape[1], n = w.Shape[0], length = x.Size / k;
            var epilogue = FusedEpilogue.Of(c, node);
            if (epilogue.Activation is { HasDerivative: false }) return;   // a fused Step passes nothing back
            int dyId = epilogue.Result;
            bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
            if (!epilogue.Empty) c.RowLoop(() => epilogue.Backward(c));
            var live = RowsComputed(c, node, length, forward: false);
            string liveArgument = live is not null ? ", live" : "";
            if (needW)
                c.Block(() =>
                {
                    string dw = c.D(w.Id), db = needB ? c.D(bias) : dw;
                    if (live is not null) c.DeclareLiveRows(live);
                    c.W.Line($"SequenceGemm.BackwardWeights(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(x.Id)}, {c.ValueStride(x.Id)}, " +
                             $"ref {dw}, ref {db}, {(needB ? "true" : "false")}, rows, {length}, {n}, {k}{liveArgument});");
                });
            else if (needB)
                c.RowLoop(() =>
                {
                    string dy = c.D(dyId), db = c.D(bias);
                    c.W.Open($"for (int r = 0; r < {length}; r++)");
                    c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, r * {n});");
                    VectorLoops.Map(c.W, n, db, true, (isa, i) => isa.Load("dyRow", i));
                    c.W.Close();
                });
            if (needX)
                c.Block(() =>
                {
                    if (live is not null) c.DeclareLiveRows(live);
                    c.W.Line($"SequenceGemm.BackwardInput(ref {c.D(dyId)}, GradientWorkspaceSize, ref {c.V(w.Id)}, " +
                             $"ref {c.D(x.Id)}, GradientWorkspaceSize, rows, {length}, {n}, {k}{liveArgument}{Overwrite(c, x)});");
                });
        }
    }

    /// <summary>The rows of each sample a training product computes when it may skip the others
    /// (<see cref="Lowering.LiveRows"/>: the loss does not depend on them): in backward whenever they are a prefix of the
    /// sample's rows (past it dz is zero), in forward only when everything computed from the output keeps the zeros left
    /// there finite; null to compute every row.</summary>
    private static RowDemand? RowsComputed(KernelContext c, Node node, int length, bool forward)
    {
        var live = c.LiveRows.Of(node.Id);
        bool skips = c.Plan.Mode == ExecutionMode.Training && !live.IsAll && (!forward || c.LiveRows.SkipsForward(node.Id))
            && live.Sources.All(source => c.Graph[source.Ids].Shape[0] == length);
        return skips ? live : null;
    }

    /// <summary>TileGemm over the rows of one sample: an input [..., rows, in] (a sequence, say) is a rows x in matrix, so
    /// the product runs in TileGemm's register blocks with each weight reused for every row, as a tile's samples do.</summary>
    private sealed class SampleRowsGemmStrategy : LoweringStrategy
    {
        /// <summary>Fewer rows than this run as dot products (TileGemm's blocks would be mostly empty).</summary>
        private const int MinRows = 4;

        public override string Name => "TileGemm over a sample's rows";

        public override bool Applies(Graph graph, Node node)
        {
            var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
            return rows >= MinRows && n * k >= TileGemmThreshold;
        }

        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
            c.W.Line($"TileGemm.Forward(ref {c.V(x.Id)}, {k}, ref {vw}, ref {vb}, {(bias >= 0 ? "true" : "false")}, ref {c.V(epilogue.Destination)}, {n}, {rows}, {n}, {k}{c.FixedWeightsArgument});");
            epilogue.Forward(c);
        }

        public override void Backward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
            var epilogue = FusedEpilogue.Of(c, node);
            if (epilogue.Activation is { HasDerivative: false }) return;   // a fused Step passes nothing back
            bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
            epilogue.Backward(c);
            string dy = c.D(epilogue.Result);
            if (needW)
            {
                string dw = c.D(w.Id), db = needB ? c.D(bias) : dw;
                c.W.Line($"TileGemm.BackwardWeights(ref {dy}, {n}, ref {c.V(x.Id)}, {k}, ref {dw}, ref {db}, {(needB ? "true" : "false")}, {rows}, {n}, {k});");
            }
            else if (needB)
            {
                string db = c.D(bias);
                c.W.Open($"for (int r = 0; r < {rows}; r++)");
                c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, r * {n});");
                VectorLoops.Map(c.W, n, db, true, (isa, i) => isa.Load("dyRow", i));
                c.W.Close();
            }
            if (needX) c.W.Line($"TileGemm.BackwardInput(ref {dy}, {n}, ref {c.V(w.Id)}, ref {c.D(x.Id)}, {k}, {rows}, {n}, {k}{Overwrite(c, x)});");
        }
    }

    /// <summary>One row through a layer of at least <see cref="TileGemmThreshold"/> multiply-adds that does not run in
    /// tiles (a decoder step: one position, one sequence at a time): the runtime's <c>RowGemv</c>, a register of outputs
    /// at a time reduced together, instead of one dot product and horizontal sum per output (measured on CharGpt's
    /// decoder: 30 -> 8.8 us per token). Backward is the sample-rows GEMM's, which pairs with the same fused epilogue.</summary>
    private sealed class RowGemvStrategy : LoweringStrategy
    {
        public override string Name => "RowGemv (one row, a register of outputs at a time)";

        public override bool Applies(Graph graph, Node node)
        {
            var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0];
            return x.Size == k && n * k >= TileGemmThreshold;
        }

        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0];
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
            c.W.Line($"RowGemv.Forward(ref {vw}, ref {c.V(x.Id)}, ref {vb}, {(bias >= 0 ? "true" : "false")}, ref {c.V(epilogue.Destination)}, {n}, {k});");
            epilogue.Forward(c);
        }

        public override void Backward(KernelContext c, Node node) => SampleRows.Backward(c, node);

        private static readonly SampleRowsGemmStrategy SampleRows = new();
    }

    /// <summary>Straight-line FMA chains with constant offsets, for layers of at most <see cref="StraightLineLimit"/>
    /// multiply-adds per sample.</summary>
    private sealed class StraightLineStrategy : LoweringStrategy
    {
        public override string Name => "straight-line FMA";

        public override bool Applies(Graph graph, Node node)
        {
            var (x, w) = (graph[node.Inputs[0]], graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
            return rows * n * k <= StraightLineLimit;
        }

        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
            var o = Outputs(c, node);
            string vx = c.V(x.Id), vw = c.V(w.Id), vb = node.Inputs.Count > 2 ? c.V(node.Inputs[2]) : "";
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < n; j++)
                {
                    var sum = new StringBuilder(vb.Length > 0 ? IsaText.Elem(vb, SourceWriter.Int(j)) : "0f");
                    for (int i = 0; i < k; i++)
                        sum.Insert(0, $"MathF.FusedMultiplyAdd({IsaText.Elem(vw, SourceWriter.Int(j * k + i))}, {IsaText.Elem(vx, SourceWriter.Int(r * k + i))}, ").Append(')');
                    o.Store(c, SourceWriter.Int(r * n + j), sum.ToString());
                }
        }

        public override void Backward(KernelContext c, Node node)
        {
            var g = Gradients.Of(c, node);
            if (g is null) return;
            int k = g.K, n = g.N, rows = g.Rows;
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < n; o++)
                {
                    string dz = $"dz{node.Id}_{r}_{o}";
                    c.W.Line($"float {dz} = {g.Dz(SourceWriter.Int(r * n + o))};");
                    if (g.Db.Length > 0) c.W.Line($"{IsaText.Elem(g.Db, SourceWriter.Int(o))} += {dz};");
                    for (int i = 0; i < k; i++)
                    {
                        if (g.Dw.Length > 0) c.W.Line($"{IsaText.Elem(g.Dw, SourceWriter.Int(o * k + i))} += {dz} * {IsaText.Elem(g.X, SourceWriter.Int(r * k + i))};");
                        if (g.Dx.Length > 0) c.W.Line($"{IsaText.Elem(g.Dx, SourceWriter.Int(r * k + i))} += {dz} * {IsaText.Elem(g.W, SourceWriter.Int(o * k + i))};");
                    }
                }
        }
    }

    // One dot product over K per output, bias and activation applied as each output is produced.
    private static void DotForward(KernelContext c, Node node)
    {
        var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int k = w.Shape[1], n = w.Shape[0], rows = x.Size / k;
        var o = Outputs(c, node);
        string vx = c.V(x.Id), vw = c.V(w.Id), vb = node.Inputs.Count > 2 ? c.V(node.Inputs[2]) : "";
        c.W.Open($"for (int r = 0; r < {rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {vx}, r * {k});");
        c.W.Open($"for (int o = 0; o < {n}; o++)");
        c.W.Line($"ref float wRow = ref Unsafe.Add(ref {vw}, o * {k});");
        VectorLoops.Reduce(c.W, k, "sum", (isa, i, acc) => isa.Fma(isa.Load("wRow", i), isa.Load("xRow", i), acc));
        string pre = vb.Length > 0 ? $"sum + Unsafe.Add(ref {vb}, o)" : "sum";
        o.Store(c, $"r * {n} + o", pre);
        c.W.Close();
        c.W.Close();
    }

    // Per output: dz, then db += dz, dW row += dz x row, dx row += dz W row (vector axpys over K).
    private static void DotBackward(KernelContext c, Node node)
    {
        var g = Gradients.Of(c, node);
        if (g is null) return;
        int k = g.K, n = g.N;
        c.W.Open($"for (int r = 0; r < {g.Rows}; r++)");
        c.W.Line($"ref float xRow = ref Unsafe.Add(ref {g.X}, r * {k});");
        if (g.Dx.Length > 0) c.W.Line($"ref float dxRow = ref Unsafe.Add(ref {g.Dx}, r * {k});");
        c.W.Open($"for (int o = 0; o < {n}; o++)");
        c.W.Line($"float dz = {g.Dz($"r * {n} + o")};");
        if (g.Db.Length > 0) c.W.Line($"Unsafe.Add(ref {g.Db}, o) += dz;");
        if (g.Dw.Length > 0)
        {
            c.W.Line($"ref float dwRow = ref Unsafe.Add(ref {g.Dw}, o * {k});");
            VectorLoops.Map(c.W, k, "dwRow", true, (isa, i) => $"{isa.Broadcast("dz")} * {isa.Load("xRow", i)}");
        }
        if (g.Dx.Length > 0)
        {
            c.W.Line($"ref float wRow = ref Unsafe.Add(ref {g.W}, o * {k});");
            VectorLoops.Map(c.W, k, "dxRow", true, (isa, i) => $"{isa.Broadcast("dz")} * {isa.Load("wRow", i)}");
        }
        c.W.Close();
        c.W.Close();
    }

    /// <summary>Where a per-sample strategy stores each output: y, or with a fused activation z (when kept) and act(z).</summary>
    private static OutputStore Outputs(KernelContext c, Node node)
    {
        var (act, actNode) = Epilogue(c, node);
        string y = actNode is not null ? c.V(actNode.Id) : c.V(node.Id);
        string? z = c.Memory.ValueOffset[node.Id] >= 0 && actNode is not null ? c.V(node.Id) : null;
        return new OutputStore(act, actNode, y, z);
    }

    private sealed class OutputStore
    {
        private readonly ActivationOp? _act;
        private readonly Node? _actNode;
        private readonly string _y;
        private readonly string? _z;

        public OutputStore(ActivationOp? act, Node? actNode, string y, string? z) { _act = act; _actNode = actNode; _y = y; _z = z; }

        public void Store(KernelContext c, string at, string value)
        {
            if (_act is null) { c.W.Line($"{IsaText.Elem(_y, at)} = {value};"); return; }
            if (_z is not null)
            {
                c.W.Line($"{IsaText.Elem(_z, at)} = {value};");
                c.W.Line($"{IsaText.Elem(_y, at)} = {_act.Apply(_actNode!, IsaText.Elem(_z, at), Isa.Scalar)};");
            }
            else c.W.Line($"{IsaText.Elem(_y, at)} = {_act.Apply(_actNode!, value, Isa.Scalar)};");
        }
    }

    /// <summary>The buffers a per-sample backward strategy reads and writes ("" for a gradient that is not needed), and
    /// dz = dy * act'(.) at an index.</summary>
    private sealed class Gradients
    {
        private readonly ActivationOp? _act;
        private readonly Node? _actNode;
        private readonly string _dy;
        private readonly string? _actArg;

        private Gradients(KernelContext c, Node node, ActivationOp? act, Node? actNode)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            _act = act; _actNode = actNode;
            K = w.Shape[1]; N = w.Shape[0]; Rows = x.Size / K;
            _dy = c.D(actNode?.Id ?? node.Id);
            _actArg = act is null ? null : act.DerivativeReadsInput ? c.V(node.Id) : c.V(actNode!.Id);
            X = c.V(x.Id); W = c.V(w.Id);
            Dx = c.HasGradient(x.Id) ? c.D(x.Id) : "";
            Dw = c.HasGradient(w.Id) ? c.D(w.Id) : "";
            Db = bias >= 0 && c.HasGradient(bias) ? c.D(bias) : "";
        }

        public int K { get; }
        public int N { get; }
        public int Rows { get; }
        public string X { get; }
        public string W { get; }
        public string Dx { get; }
        public string Dw { get; }
        public string Db { get; }

        /// <summary>The buffers of <paramref name="node"/>'s backward; null when nothing flows back (a fused Step).</summary>
        public static Gradients? Of(KernelContext c, Node node)
        {
            var (act, actNode) = Epilogue(c, node);
            return act is { HasDerivative: false } ? null : new Gradients(c, node, act, actNode);
        }

        public string Dz(string at) =>
            _act is null ? IsaText.Elem(_dy, at) : $"{IsaText.Elem(_dy, at)} * {_act.Derivative(_actNode!, IsaText.Elem(_actArg!, at), Isa.Scalar)}";
    }
}
