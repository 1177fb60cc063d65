using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>Prints a network's public entry points (Infer, ComputeGradients, the TrainStep overloads, the interpreted-path
/// hooks): argument checks, the guard against concurrent use, the loop over the batch (a tile, the whole batch or a
/// sample at a time, as each plan says) around the kernels, and the plain-SGD update. Infer runs the inference plan's
/// kernels, the others the training plan's.</summary>
internal static class EntryPointEmitter
{
    public static void Emit(SourceWriter w, KernelPlan training, KernelPlan inference)
    {
        EmitInfer(w, inference, training.Tiled ? InferenceChunkRows(training) : SamplesPerChunk(training));
        if (training.Tiled) EmitTiledTraining(w, training);
        else EmitSampleTraining(w, training);
        EmitTrainSteps(w, training, training.Tiled && !training.WholeBatch);
    }

    /// <summary>The output of the sample in <paramref name="row"/> (null: the only sample) as a ref expression.</summary>
    internal static string OutputRef(KernelPlan plan, string x, string ws, string? row)
    {
        var (graph, memory) = (plan.Graph, plan.Memory);
        var o = graph[memory.Root[graph.Output.Id]];   // a view's storage is its root's
        string stride = plan.Mode == ExecutionMode.Inference ? "InferenceWorkspaceSize" : "ValueWorkspaceSize";
        return o.Op switch
        {
            OpKind.Input => graph.Spec.Inputs[((InputAttribute)o.Attributes).Index].Offset is var offset && row is null
                ? (offset == 0 ? x : $"Unsafe.Add(ref {x}, {offset})")
                : $"Unsafe.Add(ref {x}, {row} * InputSize{(offset == 0 ? "" : " + " + offset)})",
            OpKind.Param => $"Unsafe.Add(ref p, {graph.Spec.Parameters[o.Spec.Parameter].Offset})",
            OpKind.Buffer => $"Unsafe.Add(ref bf, {graph.Spec.Buffers[((BufferAttribute)o.Attributes).Index].Offset})",
            _ => row is null ? $"Unsafe.Add(ref {ws}, {memory.ValueOffset[o.Id]})"
                : $"Unsafe.Add(ref {ws}, {row} * {stride} + {memory.ValueOffset[o.Id]})",
        };
    }

    /// <summary>Opens a public entry point whose body runs with the instance taken by the calling thread
    /// (<c>CompiledSupport.Enter</c>): a second thread inside the same instance gets an exception, not corrupted results.</summary>
    internal static void OpenEntryPoint(SourceWriter w, string signature)
    {
        w.Open(signature);
        OpenTry(w);
    }

    /// <summary>The part of <see cref="OpenEntryPoint"/> after the signature.</summary>
    private static void OpenTry(SourceWriter w)
    {
        w.Line("bool outermost = global::NetCompiler.CompiledSupport.Enter(ref _caller, this);");
        w.Open("try");
    }

    /// <summary>Closes what <see cref="OpenEntryPoint"/> opened: the instance is released by the outermost call.</summary>
    internal static void CloseEntryPoint(SourceWriter w)
    {
        w.Close();
        w.Open("finally");
        w.Line("if (outermost) global::NetCompiler.CompiledSupport.Exit(ref _caller);");
        w.Close();
        w.Close();
    }

    /// <summary>The ref to the buffers, when the network has some.</summary>
    internal static void BufferRef(SourceWriter w, Graph graph)
    {
        if (graph.Spec.Buffers.Count > 0) w.Line("ref float bf = ref MemoryMarshal.GetArrayDataReference(Parameters.Buffers);");
    }

    /// <summary>Whether Infer cuts a large enough batch into one chunk per core, each run on a replica: always, unless an
    /// op of the inference plan needs the whole batch at once.</summary>
    internal static bool InferenceSplits(KernelPlan inference) => !inference.Tiled || !inference.WholeBatch;

    /// <summary>Infer: the inference plan's kernel over the batch, a tile or a sample at a time.</summary>
    private static void EmitInfer(SourceWriter w, KernelPlan plan, int samplesPerChunk)
    {
        string kernel = plan.Tiled ? "InferTile" : "InferSample";
        w.Line("/// <summary>Compiled inference: <paramref name=\"batch\"/> samples of <see cref=\"InputSize\"/> floats in,");
        w.Line($"/// <see cref=\"OutputSize\"/> floats per sample out{(plan.Tiled ? ", a tile of up to TileRows samples at a time" : "")}; the inference form");
        w.Line("/// of every op (dropout passes through, batch normalization uses its running statistics). Allocates nothing" +
            (InferenceSplits(plan) ? SampleSplitDoc + ".</summary>" : ".</summary>"));
        OpenEntryPoint(w, "public void Infer(ReadOnlySpan<float> inputs, Span<float> outputs, int batch)");
        w.Line("global::NetCompiler.CompiledSupport.CheckInfer(inputs.Length, outputs.Length, batch, InputSize, OutputSize);");
        if (InferenceSplits(plan))
        {
            // A sample at a time, so only its kernels could use the other cores: the batch splits instead, as in training.
            // Tiled, a chunk per core runs its whole forward pass on its own (no hand-off between layers).
            EmitChunkCount(w, samplesPerChunk, plan.Tiled ? $"at least {samplesPerChunk} samples per chunk; 1 inside a chunk" : "1 inside a chunk");
            w.Open("if (chunks > 1)");
            w.Line(EnsureChunks);
            w.Line("_chunks.Infer(inputs, outputs, batch, chunks);");
            w.Line("return;");
            w.Close();
        }
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(Parameters.Values);");
        BufferRef(w, plan.Graph);
        w.Line("ref float ws = ref MemoryMarshal.GetArrayDataReference(_inference);");
        w.Line("ref float input = ref MemoryMarshal.GetReference(inputs);");
        w.Line("ref float output = ref MemoryMarshal.GetReference(outputs);");
        string extras = KernelEmitter.ExtraArguments(plan, "0");
        if (plan.Tiled)
        {
            w.Open("for (int first = 0; first < batch; first += TileRows)");
            w.Line("int rows = Math.Min(TileRows, batch - first);");
            w.Line("ref float x = ref Unsafe.Add(ref input, first * InputSize);");
            w.Line($"{kernel}(ref p, ref x, ref ws, rows{extras});");
            w.Open("for (int s = 0; s < rows; s++)");
            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {OutputRef(plan, "x", "ws", "s")}, OutputSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, (first + s) * OutputSize), OutputSize));");
            w.Close();
        }
        else
        {
            w.Open("for (int b = 0; b < batch; b++)");
            w.Line("ref float x = ref Unsafe.Add(ref input, b * InputSize);");
            w.Line($"{kernel}(ref p, ref x, ref ws{extras});");
            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {OutputRef(plan, "x", "ws", null)}, OutputSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, b * OutputSize), OutputSize));");
        }
        w.Close();
        CloseEntryPoint(w);
        w.Line();
    }

    /// <summary>Zeroes the gradients backward adds to, in runs of consecutive parameters; those the first tile writes
    /// whole (<see cref="KernelPlan.OverwrittenGradients"/>) are skipped.</summary>
    private static void ClearGradients(SourceWriter w, KernelPlan plan)
    {
        var parameters = plan.Graph.Spec.Parameters;
        int total = parameters.Sum(p => p.Length), skipped = 0;
        for (int i = 0; i < parameters.Count;)
        {
            if (plan.OverwrittenGradients[i]) { skipped += parameters[i].Length; i++; continue; }
            int start = i, length = 0;
            for (; i < parameters.Count && !plan.OverwrittenGradients[i]; i++) length += parameters[i].Length;
            string names = start == i - 1 ? parameters[start].Name : $"{parameters[start].Name} to {parameters[i - 1].Name}";
            w.Line($"Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref g, {parameters[start].Offset})), 0, {length} * sizeof(float)); // {names}: backward adds to them; constant size: unrolled when small");
        }
        if (skipped > 0) w.Line($"// not cleared: {skipped} of the {total} gradients, which the first tile's dense layers write whole");
    }

    /// <summary>Argument checks, cleared gradients, the workspace and buffer refs and the step's key at the top of a
    /// training pass.</summary>
    private static void TrainPreamble(SourceWriter w, KernelPlan plan)
    {
        var graph = plan.Graph;
        w.Line("global::NetCompiler.CompiledSupport.CheckTrain(inputs.Length, targets.Length, batch, InputSize, TargetSize);");
        if (plan.WholeBatch) w.Line("EnsureBatchWorkspace(batch); // every sample's values at once: an op needs the whole batch");
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(Parameters.Values);");
        w.Line("ref float g = ref MemoryMarshal.GetArrayDataReference(Parameters.Gradients);");
        ClearGradients(w, plan);
        BufferRef(w, graph);
        w.Line("ref float ws = ref MemoryMarshal.GetArrayDataReference(_values);");
        w.Line("ref float gs = ref MemoryMarshal.GetArrayDataReference(_gradients);");
        w.Line("ref float input = ref MemoryMarshal.GetReference(inputs);");
        w.Line("ref float target = ref MemoryMarshal.GetReference(targets);");
        if (plan.Stochastic)
        {
            w.Line("ulong key = global::NetCompiler.CompiledSupport.StepKey(Parameters); // this pass's dropout masks");
            w.Line("int sample0 = global::NetCompiler.CompiledSupport.SampleOffset(Parameters);");
        }
        w.Line("float seed = 1f / batch; // d(batch-mean loss) / d(sample loss)");
        w.Line("double total = 0;");
    }

    /// <summary>What ComputeGradients of a network without a loss does.</summary>
    private static bool EmitNoLoss(SourceWriter w, Graph graph)
    {
        if (graph.Loss is not null) return false;
        w.Line($"throw new InvalidOperationException(\"{graph.Spec.Class.Name} has no [Loss] method, so it cannot be trained.\");");
        w.Close();
        w.Line();
        return true;
    }

    /// <summary>ComputeGradients and Train of a tiled network: the batch is cut into tiles of up to TileRows samples (or
    /// is one tile, when an op needs the whole batch) and each kernel runs a whole tile.</summary>
    private static void EmitTiledTraining(SourceWriter w, KernelPlan plan)
    {
        var graph = plan.Graph;
        string unit = plan.WholeBatch ? "the whole batch at once" : "a tile at a time";
        w.Line($"/// <summary>Compiled forward, loss and backward over <paramref name=\"batch\"/> samples, {unit}, in the training form: overwrites");
        w.Line("/// <c>Parameters.Gradients</c> with the gradient of the batch-mean loss and returns that loss. Allocates nothing" +
               (plan.WholeBatch ? " once the workspace holds the largest batch.</summary>" : SplitDoc + ".</summary>"));
        w.Open("public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch)");
        if (EmitNoLoss(w, graph)) return;
        OpenTry(w);
        w.Line("return Train(inputs, targets, batch, null, null, 0f);");
        CloseEntryPoint(w);
        w.Line();

        w.Line("/// <summary>ComputeGradients, and with <paramref name=\"update\"/> set also the training step fused into it: in the last");
        w.Line("/// tile, each parameter is updated (by <paramref name=\"optimizer\"/>, or plain SGD at <paramref name=\"learningRate\"/>)");
        w.Line("/// as soon as backward has finished its gradient and read its value for the last time, while that gradient is");
        w.Line("/// still in cache, instead of in a separate pass over every parameter afterwards.</summary>");
        w.Open("private float Train(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, global::NetCompiler.ParameterStore? update, global::NetCompiler.Optimizer? optimizer, float learningRate)");
        if (!plan.WholeBatch) EmitBatchSplit(w, plan);
        TrainPreamble(w, plan);
        string extras = KernelEmitter.ExtraArguments(plan, "sample0 + first");
        if (plan.WholeBatch) w.Line("int first = 0, rows = batch;");
        else
        {
            w.Open("for (int first = 0; first < batch; first += TileRows)");
            w.Line("int rows = Math.Min(TileRows, batch - first);");
        }
        w.Line("ref float x = ref Unsafe.Add(ref input, first * InputSize);");
        w.Line("ref float t = ref Unsafe.Add(ref target, first * TargetSize);");
        w.Line($"ForwardTile(ref p, ref x, ref t, ref ws, rows{extras});");
        w.Line($"total += LossTile(ref p, ref x, ref t, ref ws, rows{extras});");
        w.Line($"BackwardTile(ref p, ref g, ref x, ref t, ref ws, ref gs, seed, rows, first == 0, first + rows == batch ? update : null, optimizer, learningRate{extras});");
        if (!plan.WholeBatch) w.Close();
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();
    }

    /// <summary>The head of Train for a network whose samples train independently (no batch normalization): a batch with
    /// at least <see cref="ChunkRows"/> samples per core is cut into one chunk per core, each run as a whole training pass
    /// on a replica (its own workspace and gradients), since one pass per core scales where splitting each kernel of a
    /// small network does not. The update then runs on each slice of the combined gradients as soon as the slice is
    /// summed, on the core that summed it (<c>DataParallelGradients.ComputeGradients</c> with the store).</summary>
    private static void EmitBatchSplit(SourceWriter w, KernelPlan plan)
    {
        int rows = ChunkRows(plan);
        string why = rows == plan.TileRows ? "a full tile per chunk at least" : "half a tile per chunk at least: much work per parameter";
        EmitChunkCount(w, rows, $"{why}; 1 inside a chunk");
        w.Open("if (chunks > 1)");
        w.Line(EnsureChunks);
        w.Line("return _chunks.ComputeGradients(inputs, targets, batch, chunks, update, optimizer, learningRate); // the update fused into the combination");
        w.Close();
    }

    /// <summary>The chunk count of a batch split: one per <c>WorkerPool.Threads</c>, each of at least
    /// <paramref name="minimumRows"/> samples; <paramref name="why"/> goes into the comment.</summary>
    private static void EmitChunkCount(SourceWriter w, int minimumRows, string why) =>
        w.Line($"int chunks = global::NetCompiler.DataParallelGradients.AutomaticChunks(batch, {minimumRows}); // {why}");

    /// <summary>The chunk runner, made on the first split.</summary>
    private const string EnsureChunks = "_chunks ??= new global::NetCompiler.DataParallelGradients(this, global::NetCompiler.ExecutionPath.Compiled);";

    /// <summary>The fewest samples of a tiled network worth a chunk: a split costs a combination and an update over every
    /// parameter whatever the batch, and chunks of under a tile run the kernels below their best row count. So half a
    /// tile when half a tile's training values (a measure of its work) are at least the parameter count, as for the
    /// recurrent, convolutional and attention networks of the zoo (2.5 to 13 times), and a full tile otherwise, as for the
    /// MLPs (0.02 to 0.05). Half tiles made batch 32 slower on two threads than on one for every MLP of bench -- scaling;
    /// a full tile kept W6's LSTM at batch 32 on one core (compare: 34,300 samples/s on two threads with half tiles,
    /// 25,200 with full ones; 20,800-21,500 on one).</summary>
    private static int ChunkRows(KernelPlan plan)
    {
        long parameters = plan.Graph.Spec.Parameters.Sum(p => (long)p.Length);
        int half = System.Math.Max(1, plan.TileRows / 2);
        return (long)half * plan.Memory.ValueSize >= parameters ? half : plan.TileRows;
    }

    /// <summary>The fewest samples of a tiled network worth an inference chunk of their own: training's
    /// (<see cref="ChunkRows"/>), at most <see cref="InferenceChunkRowsLimit"/>, since inference has no gradients to
    /// combine and no update, the costs that keep an MLP's training chunks at a full tile.</summary>
    private static int InferenceChunkRows(KernelPlan training) => System.Math.Min(ChunkRows(training), InferenceChunkRowsLimit);

    /// <summary>Samples per inference chunk that make a split pay whatever the tile: W3 (784 -> 512 -> 512 -> 10) on two
    /// cores of a Zen 5, a chunk per core against each product split over its columns: batch 128 (chunks of 64)
    /// 373-381 against 312-331 GFLOP/s, batch 64 (chunks of 32) 300 against 269, batch 32 (chunks of 16) 189 against
    /// 265.</summary>
    private const int InferenceChunkRowsLimit = 32;

    /// <summary>The head of a per-sample network's ComputeGradients: as <see cref="EmitBatchSplit"/>, a batch with enough
    /// work per core is cut into one chunk per core, each trained on a replica. A sample's work is judged by its training
    /// values (<see cref="ChunkFloats"/> floats per chunk at least): one sample of a Transformer block over 64 positions
    /// fills a chunk; a network as small as seed 000's never splits, since a hand-off to another core costs more than
    /// its whole batch.</summary>
    private static void EmitSampleBatchSplit(SourceWriter w, KernelPlan plan)
    {
        int samples = SamplesPerChunk(plan);
        EmitChunkCount(w, samples, $"at least {samples} sample{(samples == 1 ? "" : "s")} per chunk; 1 inside a chunk");
        w.Open("if (chunks > 1)");
        w.Line(EnsureChunks);
        w.Line("return _chunks.ComputeGradients(inputs, targets, batch, chunks);");
        w.Close();
    }

    /// <summary>The fewest samples of a per-sample network worth a chunk of their own: <see cref="ChunkFloats"/> of the
    /// training plan's values (a measure of a sample's work, in training and in inference alike).</summary>
    private static int SamplesPerChunk(KernelPlan training) =>
        (ChunkFloats + training.Memory.ValueSize - 1) / System.Math.Max(1, training.Memory.ValueSize);

    /// <summary>Training values per chunk below which a per-sample network's batch is not split (64K floats: about
    /// 50 us of work, where a hand-off costs a few).</summary>
    private const int ChunkFloats = 1 << 16;

    /// <summary>What a per-sample network says about its batch split in its entry points' documentation (training adds
    /// <see cref="TrainingSplitDoc"/>).</summary>
    private const string SampleSplitDoc = " after the first call that splits a batch across the cores (a batch with enough work runs as one chunk " +
        "per <c>WorkerPool.Threads</c>, each on a replica made then)";

    /// <summary>How a split training pass combines its chunks.</summary>
    private const string TrainingSplitDoc = "; the gradients are combined in chunk order";

    /// <summary>ComputeGradients of a per-sample network: forward, loss and backward of one sample after another.</summary>
    private static void EmitSampleTraining(SourceWriter w, KernelPlan plan)
    {
        var graph = plan.Graph;
        w.Line("/// <summary>Compiled forward, loss and backward over <paramref name=\"batch\"/> samples, in the training form: overwrites");
        w.Line("/// <c>Parameters.Gradients</c> with the gradient of the batch-mean loss and returns that loss. Allocates nothing" + SampleSplitDoc + TrainingSplitDoc + ".</summary>");
        w.Open("public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch)");
        if (EmitNoLoss(w, graph)) return;
        OpenTry(w);
        EmitSampleBatchSplit(w, plan);
        TrainPreamble(w, plan);
        string extras = KernelEmitter.ExtraArguments(plan, "sample0 + b");
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line("ref float x = ref Unsafe.Add(ref input, b * InputSize);");
        w.Line("ref float t = ref Unsafe.Add(ref target, b * TargetSize);");
        w.Line($"ForwardSample(ref p, ref x, ref ws{extras});");
        w.Line($"total += LossSample(ref p, ref x, ref t, ref ws{extras});");
        w.Line($"BackwardSample(ref p, ref g, ref x, ref t, ref ws, ref gs, seed{extras});");
        w.Close();
        w.Line("return (float)(total / batch);");
        CloseEntryPoint(w);
        w.Line();
    }

    private static void EmitTrainSteps(SourceWriter w, KernelPlan training, bool splits)
    {
        var graph = training.Graph;
        var spec = graph.Spec;
        if (training.Tiled && graph.Loss is not null) EmitFusedTrainSteps(w, splits);
        else EmitSeparateTrainSteps(w, training, splits: !training.Tiled && graph.Loss is not null);
        string arguments = string.Join(", ", spec.Inputs.Select((input, k) =>
            $"(global::NetCompiler.{(input.DType == DType.Int32 ? "Tokens" : "Tensor")})inputs[{k}]"));
        w.Line("global::NetCompiler.Tensor global::NetCompiler.INetwork.InterpretForward(global::System.Collections.Generic.IReadOnlyList<object> inputs) =>");
        w.Line($"    {spec.ForwardMethod}({arguments});");
        // A Tokens target arrives as floats holding integers, as it does in the flat target buffer.
        string target = spec.TargetDType == DType.Int32 ? "global::NetCompiler.Tokens.FromBatch(target.Values, target.Batch, target.Shape)" : "target";
        w.Line(spec.HasLoss
            ? $"global::NetCompiler.Tensor global::NetCompiler.INetwork.InterpretLoss(global::NetCompiler.Tensor output, global::NetCompiler.Tensor target) => {spec.LossMethod}(output, {target});"
            : $"global::NetCompiler.Tensor global::NetCompiler.INetwork.InterpretLoss(global::NetCompiler.Tensor output, global::NetCompiler.Tensor target) => throw new InvalidOperationException(\"{spec.Class.Name} has no [Loss] method.\");");
        w.Line();
    }

    /// <summary>What a network whose batch can be split says about it in its entry points' documentation.</summary>
    private const string SplitDoc = " after the first call that splits a batch across the cores (a batch of at least a tile per core runs as one " +
        "chunk per <c>WorkerPool.Threads</c>, each on a replica made then; the gradients are combined in chunk order)";

    /// <summary>Training steps of a tiled network: the update is fused into the last tile's backward pass (or, when the
    /// batch is split across the cores, follows the combined gradients).</summary>
    private static void EmitFusedTrainSteps(SourceWriter w, bool splits)
    {
        string split = splits ? SplitDoc : "";
        w.Line("/// <summary>Compiled training step: the gradient of <see cref=\"ComputeGradients\"/>, and SGD <c>p -= learningRate * gradient</c>");
        w.Line("/// on every parameter that is not frozen, each applied as soon as its gradient is final. Leaves the gradients in");
        w.Line($"/// <c>Parameters.Gradients</c>. Returns the batch-mean loss before the update. Allocates nothing{split}.</summary>");
        OpenEntryPoint(w, "public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float learningRate)");
        w.Line("global::NetCompiler.CompiledSupport.CheckLearningRate(learningRate);");
        w.Line("return Train(inputs, targets, batch, Parameters, null, learningRate);");
        CloseEntryPoint(w);
        w.Line();
        w.Line("/// <summary>Compiled training step: the gradient of <see cref=\"ComputeGradients\"/> and one update by <paramref name=\"optimizer\"/>");
        w.Line("/// (weight decay and the rule's state; frozen parameters untouched), each parameter updated as soon as its gradient");
        w.Line("/// is final. With gradient clipping, which needs the global norm first, the update runs after the gradients instead.");
        w.Line("/// Leaves the gradients in <c>Parameters.Gradients</c>. Returns the batch-mean loss before the update.");
        w.Line($"/// Allocates nothing after the optimizer's first step{(splits ? " and" + SplitDoc : "")}.</summary>");
        OpenEntryPoint(w, "public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, global::NetCompiler.Optimizer optimizer)");
        w.Line("ArgumentNullException.ThrowIfNull(optimizer);");
        w.Open("if (!optimizer.BeginFusedStep(Parameters))");
        w.Line("float unfused = ComputeGradients(inputs, targets, batch);");
        w.Line("optimizer.Step(Parameters);");
        w.Line("return unfused;");
        w.Close();
        w.Line("float loss = Train(inputs, targets, batch, Parameters, optimizer, 0f);");
        w.Line("optimizer.EndFusedStep();");
        w.Line("return loss;");
        CloseEntryPoint(w);
        w.Line();
    }

    /// <summary>Training steps of a per-sample network (or one without a loss): gradients, then the update; with an
    /// optimizer and a batch split across the cores, the update runs in the gradients' combination instead (each slice
    /// updated as soon as it is summed, on the core that summed it).</summary>
    private static void EmitSeparateTrainSteps(SourceWriter w, KernelPlan training, bool splits)
    {
        var spec = training.Graph.Spec;
        w.Line("/// <summary>Compiled training step: <see cref=\"ComputeGradients\"/>, then SGD <c>p -= learningRate * gradient</c>");
        w.Line("/// on every parameter that is not frozen. Returns the batch-mean loss before the update. Allocates nothing" + (splits ? SampleSplitDoc + TrainingSplitDoc : "") + ".</summary>");
        OpenEntryPoint(w, "public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float learningRate)");
        w.Line("global::NetCompiler.CompiledSupport.CheckLearningRate(learningRate);");
        w.Line("float loss = ComputeGradients(inputs, targets, batch);");
        w.Line("var parameters = Parameters;");
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(parameters.Values);");
        w.Line("ref float g = ref MemoryMarshal.GetArrayDataReference(parameters.Gradients);");
        w.Line("float step = -learningRate;");
        // Inline, one constant-length loop per parameter: for a network as small as seed 000's a call into a
        // general routine costs more than the update itself. A network with many parameters gets methods of a
        // budgeted size instead (SgdStepPart0, ...), like the kernels.
        var updates = new List<KernelFragment>();
        for (int i = 0; i < spec.Parameters.Count; i++)
        {
            var param = spec.Parameters[i];
            var u = new SourceWriter();
            u.Open($"if (!parameters.IsFrozen({i})) // {param.Name}");
            string pi = param.Offset == 0 ? "p" : $"Unsafe.Add(ref p, {param.Offset})", gi = param.Offset == 0 ? "g" : $"Unsafe.Add(ref g, {param.Offset})";
            u.Line($"ref float pi = ref {pi};");
            u.Line($"ref float gi = ref {gi};");
            VectorLoops.Map(u, param.Length, "pi", true, (isa, k) => $"{isa.Broadcast("step")} * {isa.Load("gi", k)}");
            u.Close();
            updates.Add(new KernelFragment(u.ToString(), new BufferUse(), SourceWriter.Quote(param.Name), param.Location?.Describe(spec.HomeFile)));
        }
        var parts = KernelEmitter.Split(updates, KernelEmitter.PartBudget);
        if (parts.Count == 1)
            foreach (var update in updates) w.Append(KernelEmitter.Lines(update.Text));
        else
            for (int k = 0; k < parts.Count; k++) w.Line($"SgdStepPart{k}(parameters, step);");
        w.Line("return loss;");
        CloseEntryPoint(w);
        w.Line();
        w.Line("/// <summary>Compiled training step: <see cref=\"ComputeGradients\"/>, then one update by <paramref name=\"optimizer\"/>");
        w.Line("/// (clipping, weight decay and the rule's state in one vectorized pass; frozen parameters untouched)" +
               (splits ? "; when the batch is split across the cores and there is no clipping, each slice of the combined gradients is updated as soon as it is summed." : "."));
        w.Line("/// Returns the batch-mean loss before the update. Allocates nothing after the optimizer's first step" + (splits ? " and" + SampleSplitDoc + TrainingSplitDoc : "") + ".</summary>");
        OpenEntryPoint(w, "public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, global::NetCompiler.Optimizer optimizer)");
        w.Line("ArgumentNullException.ThrowIfNull(optimizer);");
        if (splits)
        {
            int samples = SamplesPerChunk(training);
            EmitChunkCount(w, samples, "as ComputeGradients splits");
            w.Open("if (chunks > 1 && optimizer.BeginFusedStep(Parameters)) // not with clipping, which needs the global norm first");
            w.Line(EnsureChunks);
            w.Line("float fused = _chunks.ComputeGradients(inputs, targets, batch, chunks, Parameters, optimizer, 0f); // the update fused into the combination");
            w.Line("optimizer.EndFusedStep();");
            w.Line("return fused;");
            w.Close();
        }
        w.Line("float loss = ComputeGradients(inputs, targets, batch);");
        w.Line("optimizer.Step(Parameters);");
        w.Line("return loss;");
        CloseEntryPoint(w);
        w.Line();
        if (parts.Count == 1) return;
        for (int k = 0; k < parts.Count; k++)
        {
            w.Line($"/// <summary>Part {k} of TrainStep's SGD update ({k + 1} of {parts.Count}): {KernelEmitter.Covers(parts[k], "parameter")}</summary>");
            w.Open($"private static void SgdStepPart{k}(global::NetCompiler.ParameterStore parameters, float step)");
            w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(parameters.Values);");
            w.Line("ref float g = ref MemoryMarshal.GetArrayDataReference(parameters.Gradients);");
            foreach (var update in parts[k]) w.Append(KernelEmitter.Lines(update.Text));
            w.Close();
            w.Line();
        }
    }
}
