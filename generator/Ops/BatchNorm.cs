using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>What batch normalization takes besides its tensors: how far a training batch moves the running statistics,
/// what is added to the variance, and the per-sample rank the layer requires (3 for <c>BatchNorm2D</c>; 0: any).</summary>
internal sealed record BatchNormSettings(float Momentum, float Epsilon, int Rank = 0) : OpAttributes
{
    public bool Equals(BatchNormSettings? other) => other is not null && Rank == other.Rank
        && BitwiseFloatComparer.Instance.Equals(Momentum, other.Momentum) && BitwiseFloatComparer.Instance.Equals(Epsilon, other.Epsilon);

    public override int GetHashCode() =>
        Hash.Combine(Hash.Combine(BitwiseFloatComparer.Instance.GetHashCode(Momentum), BitwiseFloatComparer.Instance.GetHashCode(Epsilon)), Rank);
}

/// <summary>Batch normalization of channel axis 0 of each sample (PyTorch's <c>BatchNorm1d</c> on per-sample [C],
/// <c>BatchNorm2d</c> on [C, H, W]): operands x, weight, running mean, running variance (buffers) and optionally bias.
/// Training needs the whole batch (<see cref="StrategyScope.Batch"/>): per channel, the mean and biased variance of its
/// batch * inner values (each sample's values summed in float vectors, the sums added in double), saved for backward, and the
/// running statistics moved by the momentum (the variance unbiased, as PyTorch). Inference is per sample with the
/// running statistics. y = (x - mean) rstd weight + bias. Backward (llm.c's and PyTorch's formula): dx = weight rstd
/// (dy - mean(dy) - xhat mean(dy xhat)) over the channel's values, dweight += sum(dy xhat), dbias += sum(dy). A residual
/// sum and an activation that follow (ResNet's <c>Relu(x + bn(conv(x)))</c>) are fused into the normalizing pass, and
/// their derivatives into one pass before the backward's.</summary>
internal sealed class BatchNormOp : OpDefinition
{
    private BatchNormOp() : base(OpKind.BatchNorm, OpTraits.EpilogueHost | OpTraits.ResidualHost, "BatchNormalize") { }

    public static readonly BatchNormOp Instance = new();

    private const int X = 0, Weight = 1, RunningMean = 2, RunningVar = 3, Bias = 4;

    public override string Syntax => "`[BatchNorm(c)] BatchNorm n; n.Forward(x)`, `BatchNormalize(x, w, b, n.RunningMean, n.RunningVar, momentum, eps)`";
    public override string ShapeRule => "x's shape `[C, ...]`; `w`, `b` and the running statistics `[C]`";
    public override string GradientRule => "training: `dx += w rstd (dy - mean(dy) - xhat mean(dy xhat))` over the batch; `dw += sum(dy xhat)`, `db += sum(dy)`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[]
    {
        new CodeStrategy("batch statistics (training)", TrainingForward, TrainingBackward, ExecutionMode.Training, StrategyScope.Batch),
        // Inference has no backward pass.
        new CodeStrategy("running statistics (inference)", InferenceForward, (_, _) => { }, ExecutionMode.Inference),
    };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input"), call.Tensor(1, "the weight"),
            call.Tensor(3, "the running mean"), call.Tensor(4, "the running variance") };
        if (call.Arguments[2] is Parse.TensorValue bias) inputs.Add(bias.Node);
        var settings = new BatchNormSettings(call.Number(5, $"the momentum of {call.Name}"), call.Number(6, $"the epsilon of {call.Name}"));
        return call.Node(Kind, inputs.ToArray(), settings);
    }

    public override bool Differentiable(NodeSpec node, int operand) => operand is not (RunningMean or RunningVar);

    public override string OperandName(int operand) => operand switch
    {
        RunningMean => "the running mean (argument 4)",
        RunningVar => "the running variance (argument 5)",
        Bias => "the bias (argument 3)",
        _ => base.OperandName(operand),
    };

    /// <summary>Backward recomputes xhat from the input and the saved statistics, and reads the weight.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => operand is X or Weight;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(X);
        if (x.Length == 0) return query.Mismatch("BatchNormalize needs per-sample shape [C] or [C, ...], got a scalar");
        if (((BatchNormSettings)query.Node.Attributes).Rank is 3 && x.Length != 3)
            return query.Mismatch($"BatchNorm2D '{query.Node.Label}' needs per-sample input [C, H, W], got {ShapeQuery.Text(x)}");
        int channels = x[0];
        bool layer = query.Node.Label is { Length: > 0 } label && label != "BatchNormalize";
        if (layer && query.In(Weight).Length == 1 && query.In(Weight)[0] is var declared && declared != channels)   // a layer's weight has its declared channels
            return query.Mismatch($"{(((BatchNormSettings)query.Node.Attributes).Rank is 3 ? "BatchNorm2D" : "BatchNorm")} '{query.Node.Label}' normalizes {declared} channels but its input {ShapeQuery.Text(x)} has {channels} (axis 0)");
        for (int i = 1; i < query.Count; i++)
            if (query.In(i).Length != 1 || query.In(i)[0] != channels)
                return query.Mismatch($"BatchNormalize of {ShapeQuery.Text(x)} normalizes {channels} channels (axis 0), so {OperandName(i)} must be [{channels}], got {ShapeQuery.Text(query.In(i))}");
        if (query.Network is { } network)
            foreach (int i in new[] { RunningMean, RunningVar })
                if (network.Nodes[query.Node.Inputs[i]].Op != OpKind.Buffer)
                    return query.Mismatch($"{OperandName(i)} of BatchNormalize must be a [BatchNorm] layer's buffer (n.RunningMean, n.RunningVar), which training updates");
        var settings = (BatchNormSettings)query.Node.Attributes;
        if (!(settings.Momentum >= 0f && settings.Momentum <= 1f))
            return query.Mismatch($"BatchNormalize's momentum must be in [0, 1], got {Text(settings.Momentum)}");
        if (!(settings.Epsilon >= 0f) || float.IsInfinity(settings.Epsilon))
            return query.Mismatch($"BatchNormalize's epsilon must be finite and not negative, got {Text(settings.Epsilon)}");
        return x;
    }

    private static string Text(float value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The batch's mean and rstd per channel, [C] each, in the saved slot of the tile's first sample.</summary>
    public override int SavedFloats(Node node) => 2 * node.Shape[0];

    private static (int Channels, int Inner) Dimensions(Node node) => (node.Shape[0], node.Size / node.Shape[0]);

    // Per channel: each sample's values summed in float vectors, the sums added in double sample by sample; save mean
    // and rstd; move the running statistics.
    private static void TrainingForward(KernelContext c, Node node)
    {
        c.Block(() => Statistics(c, node));
        var epilogue = FusedEpilogue.Of(c, node);
        if (epilogue.Destination != epilogue.Result) c.RowLoop(() => epilogue.Finish(c));
    }

    private static void Statistics(KernelContext c, Node node)
    {
        var (channels, inner) = Dimensions(node);
        var settings = (BatchNormSettings)node.Attributes;
        int x = node.Inputs[X];
        string vx = c.V(x), stride = c.ValueStride(x), saved = c.S(node.Id), mean = c.V(node.Inputs[RunningMean]), variance = c.V(node.Inputs[RunningVar]);
        string momentum = SourceWriter.Float(settings.Momentum), eps = SourceWriter.Float(settings.Epsilon);
        c.W.Line($"if (rows * {inner} == 1) global::NetCompiler.CompiledSupport.ThrowSingleValuePerChannel({SourceWriter.Quote(node.Spec.Label)});");
        c.W.Line($"int n = rows * {inner};");
        c.W.Open($"for (int ch = 0; ch < {channels}; ch++)");
        c.W.Line("double sum = 0, squares = 0;");
        SampleLoop(c, inner, vx, stride, () =>
        {
            VectorLoops.Reduce(c.W, inner, "part", (isa, i, acc) => $"{acc} + {isa.Load("xs", i)}");
            c.W.Line("sum += part;");
        });
        c.W.Line("double m = sum / n;");
        c.W.Line("float mf = (float)m;");
        SampleLoop(c, inner, vx, stride, () =>
        {
            VectorLoops.Reduce(c.W, inner, "part", (isa, i, acc) => isa.Fma($"({isa.Load("xs", i)} - {isa.Broadcast("mf")})", $"({isa.Load("xs", i)} - {isa.Broadcast("mf")})", acc));
            c.W.Line("squares += part;");
        });
        c.W.Line($"Unsafe.Add(ref {saved}, ch) = mf;");
        c.W.Line($"Unsafe.Add(ref {saved}, {channels} + ch) = (float)(1.0 / Math.Sqrt(squares / n + {eps}));");
        c.W.Line($"Unsafe.Add(ref {mean}, ch) = (1f - {momentum}) * Unsafe.Add(ref {mean}, ch) + {momentum} * mf;");
        c.W.Line($"Unsafe.Add(ref {variance}, ch) = (1f - {momentum}) * Unsafe.Add(ref {variance}, ch) + {momentum} * (float)(squares / (n - 1));");
        c.W.Close();
        c.W.Line($"ref float rstds = ref Unsafe.Add(ref {saved}, {channels});");
        Normalize(c, node, saved, "rstds", perSample: false);
    }

    // z = (x - mean) * rstd * w + b, sample by sample, with the statistics in mean[C] and rstd[C] (training: the saved
    // slot), or (inference: rstd null) with rstd = 1 / sqrt(running var + eps) computed as the eager op computes it; a
    // fused residual sum and activation are applied as z is produced (FusedEpilogue.Inline).
    private static void Normalize(KernelContext c, Node node, string means, string? rstds, bool perSample)
    {
        var (channels, inner) = Dimensions(node);
        int x = node.Inputs[X];
        var epilogue = FusedEpilogue.Of(c, node);
        string w = c.V(node.Inputs[Weight]), y = c.V(epilogue.Destination);
        string? residual = epilogue.Residual >= 0 ? c.V(epilogue.Residual) : null;
        string? b = node.Inputs.Count > Bias ? c.V(node.Inputs[Bias]) : null;
        string eps = SourceWriter.Float(((BatchNormSettings)node.Attributes).Epsilon);
        string Rstd(Isa isa, string i) => rstds is not null ? isa.Load(rstds, i)
            : $"{isa.Broadcast("1f")} / {isa.Sqrt($"{isa.Load(c.V(node.Inputs[RunningVar]), i)} + {isa.Broadcast(eps)}")}";
        c.W.Open(perSample ? "" : "for (int s = 0; s < rows; s++)");   // a block: its locals are its own
        string At(string buffer, string stride) => perSample ? $"ref {buffer}" : $"ref Unsafe.Add(ref {buffer}, s * {stride})";
        c.W.Line($"ref float xs = {At(c.V(x), c.ValueStride(x))};");
        c.W.Line($"ref float ys = {At(y, c.ValueStride(epilogue.Destination))};");
        if (residual is not null) c.W.Line($"ref float rs = {At(residual, c.ValueStride(epilogue.Residual))};");
        if (inner == 1)
            VectorLoops.Map(c.W, channels, "ys", false, (isa, i) => epilogue.Inline(isa,
                $"(({isa.Load("xs", i)} - {isa.Load(means, i)}) * ({Rstd(isa, i)}) * {isa.Load(w, i)}{(b is null ? "" : " + " + isa.Load(b, i))})",
                residual is null ? null : isa.Load("rs", i)));
        else
        {
            c.W.Open($"for (int ch = 0; ch < {channels}; ch++)");
            c.W.Line($"float m = Unsafe.Add(ref {means}, ch), q = {Rstd(Isa.Scalar, "ch")}, wc = Unsafe.Add(ref {w}, ch), bc = {(b is null ? "0f" : $"Unsafe.Add(ref {b}, ch)")};");
            c.W.Line($"ref float xc = ref Unsafe.Add(ref xs, ch * {inner});");
            c.W.Line($"ref float yc = ref Unsafe.Add(ref ys, ch * {inner});");
            if (residual is not null) c.W.Line($"ref float rc = ref Unsafe.Add(ref rs, ch * {inner});");
            VectorLoops.Map(c.W, inner, "yc", false, (isa, i) => epilogue.Inline(isa,
                $"(({isa.Load("xc", i)} - {isa.Broadcast("m")}) * {isa.Broadcast("q")} * {isa.Broadcast("wc")} + {isa.Broadcast("bc")})",
                residual is null ? null : isa.Load("rc", i)));
            c.W.Close();
        }
        c.W.Close();
    }

    /// <summary>Writes <paramref name="body"/> once per sample for channel <c>ch</c>, with <c>xs</c> at the channel's
    /// first value in the sample.</summary>
    private static void SampleLoop(KernelContext c, int inner, string buffer, string stride, System.Action body)
    {
        c.W.Open("for (int s = 0; s < rows; s++)");
        c.W.Line($"ref float xs = ref Unsafe.Add(ref {buffer}, s * {stride} + ch * {inner});");
        body();
        c.W.Close();
    }

    // dx = w rstd (dy - mean(dy) - xhat mean(dy xhat)); dw += sum(dy xhat); db += sum(dy): per channel, over the batch
    // (float vector sums per sample, added in double).
    private static void TrainingBackward(KernelContext c, Node node)
    {
        var epilogue = FusedEpilogue.Of(c, node);
        if (!epilogue.Empty) c.RowLoop(() => epilogue.Backward(c));
        c.Block(() => Gradients(c, node, epilogue.Result));
    }

    // dz (the gradient of the fused result, after the epilogue's backward) -> dx, dw, db.
    private static void Gradients(KernelContext c, Node node, int dz)
    {
        var (channels, inner) = Dimensions(node);
        int x = node.Inputs[X], weight = node.Inputs[Weight], bias = node.Inputs.Count > Bias ? node.Inputs[Bias] : -1;
        bool needX = c.HasGradient(x), needW = c.HasGradient(weight), needB = bias >= 0 && c.HasGradient(bias);
        if (!needX && !needW && !needB) return;
        string vx = c.V(x), dy = c.D(dz), saved = c.S(node.Id), w = c.V(weight), stride = c.ValueStride(x);
        c.W.Line($"int n = rows * {inner};");
        c.W.Open($"for (int ch = 0; ch < {channels}; ch++)");
        c.W.Line($"float m = Unsafe.Add(ref {saved}, ch), q = Unsafe.Add(ref {saved}, {channels} + ch);");
        c.W.Line("double dySum = 0, dyXhat = 0;");
        SampleLoop(c, inner, vx, stride, () =>
        {
            c.W.Line($"ref float dys = ref Unsafe.Add(ref {dy}, s * GradientWorkspaceSize + ch * {inner});");
            VectorLoops.Reduce(c.W, inner, "part", (isa, i, acc) => $"{acc} + {isa.Load("dys", i)}");
            c.W.Line("dySum += part;");
            VectorLoops.Reduce(c.W, inner, "partXhat", (isa, i, acc) =>
                isa.Fma(isa.Load("dys", i), $"({isa.Load("xs", i)} - {isa.Broadcast("m")}) * {isa.Broadcast("q")}", acc));
            c.W.Line("dyXhat += partXhat;");
        });
        if (needW) c.W.Line($"Unsafe.Add(ref {c.D(weight)}, ch) += (float)dyXhat;");
        if (needB) c.W.Line($"Unsafe.Add(ref {c.D(bias)}, ch) += (float)dySum;");
        if (needX)
        {
            c.W.Line($"float a = (float)(dySum / n), b = (float)(dyXhat / n), scale = Unsafe.Add(ref {w}, ch) * q;");
            SampleLoop(c, inner, vx, stride, () =>
            {
                c.W.Line($"ref float dys = ref Unsafe.Add(ref {dy}, s * GradientWorkspaceSize + ch * {inner});");
                c.W.Line($"ref float dxs = ref Unsafe.Add(ref {c.D(x)}, s * GradientWorkspaceSize + ch * {inner});");
                VectorLoops.Map(c.W, inner, "dxs", true, (isa, i) =>
                    $"({isa.Load("dys", i)} - {isa.Broadcast("a")} - ({isa.Load("xs", i)} - {isa.Broadcast("m")}) * {isa.Broadcast("q")} * {isa.Broadcast("b")}) * {isa.Broadcast("scale")}");
            });
        }
        c.W.Close();
    }

    // Per sample, with the running statistics.
    private static void InferenceForward(KernelContext c, Node node)
    {
        Normalize(c, node, c.V(node.Inputs[RunningMean]), null, perSample: true);
        FusedEpilogue.Of(c, node).Finish(c);
    }
}
