using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>Prints a network's kernels from its plans: from the training plan ForwardTile/ForwardSample,
/// LossTile/LossSample and BackwardTile/BackwardSample, from the inference plan InferTile/InferSample; one block per op
/// with its header comment, each op run by the strategy the plan chose (in a loop over the tile's rows when the
/// strategy works on one sample); kernels above a size budget are split into parts the JIT still optimizes.</summary>
internal static class KernelEmitter
{
    public static void Emit(SourceWriter w, KernelContext training, KernelContext inference)
    {
        EmitInference(w, inference);
        EmitForward(w, training);
        if (training.Graph.Loss is null) return;
        EmitLoss(w, training);
        EmitBackward(w, training);
    }

    /// <summary>Parameters every kernel of <paramref name="plan"/> takes after its own: the buffers when the network has
    /// some, the step's key and the batch position of the kernel's first sample when an op draws random numbers.</summary>
    public static string ExtraParameters(KernelPlan plan) =>
        (plan.Graph.Spec.Buffers.Count > 0 ? ", ref float bf" : "") + (plan.Stochastic ? ", ulong key, int sample0" : "")
        + (plan.Decoder is null ? "" : IsEncoder(plan) ? ", ref float kv" : ", ref float kv, int position");

    /// <summary>The arguments for <see cref="ExtraParameters"/>, the first sample at batch position <paramref name="sample"/>.</summary>
    public static string ExtraArguments(KernelPlan plan, string sample) =>
        (plan.Graph.Spec.Buffers.Count > 0 ? ", ref bf" : "") + (plan.Stochastic ? $", key, {sample}" : "")
        + (plan.Decoder is null ? "" : IsEncoder(plan) ? ", ref kv" : ", ref kv, position");

    /// <summary>Whether <paramref name="plan"/> is an encoder-decoder's encoder (which has no decoded position).</summary>
    private static bool IsEncoder(KernelPlan plan) => plan.Decoder is { Encoder: { } encoder } && plan.Graph == encoder;

    /// <summary>A writer holding <paramref name="text"/>, to append it at another writer's indent.</summary>
    internal static SourceWriter Lines(string text)
    {
        var lines = new SourceWriter();
        lines.Raw(text);
        return lines;
    }

    /// <summary>Most code one generated kernel method may hold, in <see cref="KernelFragment.Cost"/> units (about one
    /// IL instruction each). A kernel whose fragments add up to more is split into parts of consecutive ops, each at
    /// most this big unless one op alone is bigger. RyuJIT compiles a method with MinOpts when it has more than
    /// 60,000 IL bytes, 20,000 instructions, 2,000 basic blocks, 2,000 locals or 8,000 local references. Measured on
    /// deep Dense + Relu networks, a unit is at most 1.35 instructions (per-sample backward), 3.2 IL bytes
    /// (per-sample forward), 0.07 basic blocks (tiled forward) and 0.35 local references, so a part of 4,000 units
    /// stays under about 27 % of every limit: half of the tests' headroom, the rest left for the JIT's own
    /// temporaries and for denser ops. The largest kernel of the zoo costs about 3,200 (ResidualMlpNet's
    /// BackwardSample, 3,979 instructions), so every zoo network keeps one method per kernel.</summary>
    internal const int PartBudget = 4_000;

    /// <summary>Writes a kernel: one method <paramref name="name"/> holding every fragment in order when they fit
    /// <see cref="PartBudget"/>; otherwise that method only calls <c>{name}Part0</c>, <c>{name}Part1</c>, ... in
    /// order, each a method of its own with the same parameters and a run of consecutive fragments. Values pass
    /// between ops through the workspaces, never through locals, so any cut between two fragments is valid. Only
    /// the last part returns <paramref name="returnType"/>.</summary>
    private static void Kernel(SourceWriter w, KernelContext c, string name, string summary, string returnType, string parameters,
        IReadOnlyList<KernelFragment> fragments)
    {
        var parts = Split(fragments, PartBudget);
        if (parts.Count == 1)
        {
            Method(w, c, summary, $"private static {returnType} {name}({parameters})", fragments);
            return;
        }
        string arguments = string.Join(", ", parameters.Split(new[] { ", " }, System.StringSplitOptions.None).Select(Argument));
        w.Line($"/// <summary>{summary} Runs as {parts.Count} methods of consecutive ops, {name}Part0 to {name}Part{parts.Count - 1},");
        w.Line("/// each small enough for the JIT to optimize (one method this long would be compiled with MinOpts).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        w.Open($"private static {returnType} {name}({parameters})");
        for (int k = 0; k < parts.Count; k++)
            w.Line($"{(k == parts.Count - 1 && returnType != "void" ? "return " : "")}{name}Part{k}({arguments});");
        w.Close();
        w.Line();
        for (int k = 0; k < parts.Count; k++)
            Method(w, c, $"Part {k} of {name} ({k + 1} of {parts.Count}): {Covers(parts[k])}",
                $"private static {(k == parts.Count - 1 ? returnType : "void")} {name}Part{k}({parameters})", parts[k]);
    }

    /// <summary>The argument that passes parameter <paramref name="parameter"/> (e.g. <c>ref float p</c>) on.</summary>
    private static string Argument(string parameter)
    {
        string name = parameter.Substring(parameter.LastIndexOf(' ') + 1);
        return parameter.StartsWith("ref ", System.StringComparison.Ordinal) ? "ref " + name : name;
    }

    /// <summary>Cuts <paramref name="fragments"/> into runs of consecutive fragments of at most
    /// <paramref name="budget"/> cost each (a fragment bigger than that gets a run of its own), as even as the
    /// fragments allow: as many runs as the budget requires, each closed once it reaches its share of the total.</summary>
    internal static List<List<KernelFragment>> Split(IReadOnlyList<KernelFragment> fragments, int budget)
    {
        int total = fragments.Sum(f => f.Cost);
        var parts = new List<List<KernelFragment>> { new() };
        if (total <= budget)
        {
            parts[0].AddRange(fragments);
            return parts;
        }
        int count = (total + budget - 1) / budget;
        double share = (double)total / count;
        int cost = 0;
        foreach (var fragment in fragments)
        {
            if (parts[parts.Count - 1].Count > 0 && (cost + fragment.Cost > budget || cost >= share))
            {
                parts.Add(new List<KernelFragment>());
                cost = 0;
            }
            parts[parts.Count - 1].Add(fragment);
            cost += fragment.Cost;
        }
        return parts;
    }

    /// <summary>What a part holds, for its summary: its ops, first to last, with their definition lines.</summary>
    internal static string Covers(IReadOnlyList<KernelFragment> part, string noun = "op")
    {
        var ops = part.Where(f => f.What is not null).ToList();
        string Op(KernelFragment f) => f.Where is { } where ? $"{f.What} ({where})" : f.What!;
        string text = ops.Count switch
        {
            0 => "no " + noun,
            1 => $"the {noun} {Op(ops[0])}",
            _ => $"{ops.Count} {noun}s, {Op(ops[0])} to {Op(ops[ops.Count - 1])}",
        };
        if (part[0].What is null) text = "the kernel's prologue, then " + text;
        if (part[part.Count - 1].What is null) text += ", then the kernel's epilogue";
        return Xml(text) + ".";
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void Method(SourceWriter w, KernelContext c, string summary, string signature, IEnumerable<KernelFragment> fragments)
    {
        c.Begin();
        foreach (var fragment in fragments) c.Use(fragment);
        w.Line($"/// <summary>{summary}</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        w.Open(signature);
        foreach (var d in c.Declarations()) w.Line(d);
        w.Append(c.W);
        w.Line();
        w.Close();
        w.Line();
    }

    /// <summary>A fragment holding one op's block: its header comment and code.</summary>
    private static KernelFragment Op(KernelContext c, Node node, string what, System.Action body) =>
        c.Capture(c.OpName(node), node.Spec.Location?.Describe(c.HomeFile), () =>
        {
            c.Header(node, what);
            body();
        });

    /// <summary>Prints one op by the strategy the plan chose: a tile strategy once for the tile, a per-sample one in a
    /// loop over the tile's rows (or, in a per-sample network, as it is).</summary>
    private static void Run(KernelContext c, Node node, bool forward)
    {
        var strategy = c.Plan.StrategyOf(node);
        if (c.Tiled && strategy.Scope == StrategyScope.Sample)
            c.RowLoop(() => { if (forward) strategy.Forward(c, node); else strategy.Backward(c, node); });
        else if (forward) strategy.Forward(c, node);
        else strategy.Backward(c, node);
    }

    private static void EmitInference(SourceWriter w, KernelContext c)
    {
        var ops = c.Plan.Forward.Select(node => Op(c, node, "forward", () => Run(c, node, forward: true))).ToList();
        const string form = "in the inference form, each value's slot reused once its last reader has run";
        if (c.Tiled)
            Kernel(w, c, "InferTile", $"Inference of a tile of <paramref name=\"rows\"/> samples, {form}: inputs x -> outputs.",
                "void", "ref float p, ref float x, ref float ws, int rows" + ExtraParameters(c.Plan), ops);
        else
            Kernel(w, c, "InferSample", $"Inference of one sample, {form}: input x -> output.",
                "void", "ref float p, ref float x, ref float ws" + ExtraParameters(c.Plan), ops);
    }

    /// <summary>The decoder's kernels, one new position of one sequence from its token and KV cache, cut after the last op
    /// that writes the cache (<see cref="DecodeCacheOps"/>): DecodeStep runs the ops through it, DecodeStepRow the rest,
    /// which only the output row needs. A prompt token whose prediction nobody reads runs DecodeStep alone
    /// (<c>IDecoder.Prefill</c>).</summary>
    public static void EmitDecode(SourceWriter w, KernelContext c)
    {
        var ops = c.Plan.Forward.Select(node => Op(c, node, "decode", () => Run(c, node, forward: true))).ToList();
        int cut = DecodeCacheOps(c.Plan);
        string parameters = "ref float p, ref float x, ref float ws" + ExtraParameters(c.Plan);
        if (cut > 0)
            Kernel(w, c, "DecodeStep", "Decoder step of one sequence, up to its last KV cache write: the token x at <paramref name=\"position\"/> -> " +
                "its keys and values added to the sequence's KV cache <paramref name=\"kv\"/> (after those of positions 0 to position - 1, which it reads), " +
                (cut < ops.Count ? "and the values DecodeStepRow continues from." : "and that position's output row."),
                "void", parameters, ops.GetRange(0, cut));
        if (cut < ops.Count)
            Kernel(w, c, "DecodeStepRow", cut > 0
                    ? "The rest of a decoder step, after DecodeStep: the values it left -> that position's output row (writes no cache)."
                    : "Decoder step of one sequence (its network attends over no earlier position, so it keeps no KV cache): the token x at <paramref name=\"position\"/> -> that position's output row.",
                "void", parameters, ops.GetRange(cut, ops.Count - cut));
    }

    /// <summary>How many of the decoder step's ops (<see cref="KernelPlan.Forward"/>, in order) run through the last
    /// that writes the sequence's KV cache (an <see cref="OpKind.AttentionDecode"/>); the ops after it only compute
    /// the output row.</summary>
    public static int DecodeCacheOps(KernelPlan plan)
    {
        for (int i = plan.Forward.Count - 1; i >= 0; i--)
            if (plan.Forward[i].Op == OpKind.AttentionDecode) return i + 1;
        return 0;
    }

    /// <summary>EncodeStep, an encoder-decoder's encoder: one sequence's source ids x -> the source values its decoder
    /// steps read, written into the sequence's KV cache slot <c>kv</c>.</summary>
    public static void EmitEncode(SourceWriter w, KernelContext c)
    {
        var ops = c.Plan.Forward.Select(node => Op(c, node, "encode", () => Run(c, node, forward: true))).ToList();
        Kernel(w, c, "EncodeStep", "Encoder of one sequence: the source ids x -> the values of the source every decoder step reads " +
            "(the cross-attentions' keys and values, the source's padding ids), written into the sequence's KV cache slot <paramref name=\"kv\"/>.",
            "void", "ref float p, ref float x, ref float ws" + ExtraParameters(c.Plan), ops);
    }

    private static void EmitForward(SourceWriter w, KernelContext c)
    {
        var ops = c.Plan.Forward.Select(node => Op(c, node, "forward", () => Run(c, node, forward: true))).ToList();
        string extra = ExtraParameters(c.Plan);
        // A tile's forward reads the targets where a product skips the rows the loss ignores (LiveRows).
        if (c.Plan.WholeBatch)
            Kernel(w, c, "ForwardTile", "Training forward pass of the whole batch (<paramref name=\"rows\"/> samples; an op needs them all): inputs x (and targets t) -> every value the loss depends on.",
                "void", "ref float p, ref float x, ref float t, ref float ws, int rows" + extra, ops);
        else if (c.Tiled)
            Kernel(w, c, "ForwardTile", "Training forward pass of a tile of <paramref name=\"rows\"/> samples: inputs x (and targets t) -> every value the outputs depend on.",
                "void", "ref float p, ref float x, ref float t, ref float ws, int rows" + extra, ops);
        else
            Kernel(w, c, "ForwardSample", "Training forward pass of one sample: input x -> every value the output depends on.",
                "void", "ref float p, ref float x, ref float ws" + extra, ops);
    }

    private static void EmitLoss(SourceWriter w, KernelContext c)
    {
        var loss = c.Graph.Loss!;
        var fragments = c.Plan.Loss.Select(node => Op(c, node, "loss", () => Run(c, node, forward: true))).ToList();
        if (c.Tiled)
        {
            fragments.Add(c.Capture(null, null, () =>
            {
                c.W.Line("double tileLoss = 0;");
                c.RowLoop(() => c.W.Line($"tileLoss += {c.V(loss.Id)};"));
                c.W.Line("return tileLoss;");
            }));
            Kernel(w, c, "LossTile", "The summed loss of a tile of samples, after ForwardTile: the values only the loss depends on.",
                "double", "ref float p, ref float x, ref float t, ref float ws, int rows" + ExtraParameters(c.Plan), fragments);
            return;
        }
        fragments.Add(c.Capture(null, null, () => c.W.Line($"return {c.V(loss.Id)};")));
        Kernel(w, c, "LossSample", "The loss of one sample, after ForwardSample: the values only the loss depends on.",
            "float", "ref float p, ref float x, ref float t, ref float ws" + ExtraParameters(c.Plan), fragments);
    }

    private static void EmitUpdate(KernelContext c, int parameter, string why)
    {
        string parts = c.GradientParts.TryGetValue(parameter, out var split) && split is not null ? $", {split}" : "";
        c.W.Line($"if (update is not null) global::NetCompiler.CompiledSupport.UpdateParameter(update, {parameter}, optimizer, learningRate{parts}); " +
                 $"// {c.Graph.Spec.Parameters[parameter].Name}: {why}{(parts.Length > 0 ? ", on the cores that wrote its gradient" : "")}");
    }

    /// <summary>Writes <paramref name="node"/>'s backward after zeroing the gradient slots that come alive at it (slots
    /// are reused, see <see cref="MemoryPlan.GradientStart"/>), sample by sample in a tile; a slot the op's code writes
    /// whole before anything adds to it (<see cref="KernelContext.ClaimFreshGradient"/>: a dense layer's dX, a sum's
    /// gradients) is stored into instead, and not zeroed.</summary>
    private static void BackwardWithClears(KernelContext c, Node node)
    {
        c.OfferFreshGradients(c.Memory.GradientsStartingAt(node.Id));
        var code = c.Capture(null, null, () => Run(c, node, forward: false));
        foreach (int id in c.Memory.GradientsStartingAt(node.Id).Where(c.UnclaimedFreshGradients().Contains))
        {
            void Clear() => c.W.Line($"Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref {c.D(id)}), 0, {c.Graph[id].Size} * sizeof(float)); " +
                                     $"// d loss / d {c.Describe(c.Graph[id])} starts here");
            if (c.Tiled) c.RowLoop(Clear); else Clear();
        }
        c.OfferFreshGradients(System.Array.Empty<int>());
        c.Use(code);
    }

    /// <summary>A backward op's block, checked against the memory plan: every workspace value it reads must be one the
    /// plan keeps for backward (<see cref="MemoryPlan.KeptForBackward"/>), else forward may have reused its slot.</summary>
    private static KernelFragment BackwardOp(KernelContext c, Node node, System.Action body)
    {
        c.ValuesNamed.Clear();
        var fragment = Op(c, node, "backward", body);
        foreach (int id in c.ValuesNamed)
            if (!c.Graph[id].Is(Ops.OpTraits.Leaf) && !c.Memory.KeptForBackward[id])
                throw new System.InvalidOperationException($"the backward of {c.OpName(node)} (node {node.Id}) reads {c.Describe(c.Graph[id])} (node {id}), " +
                    "which its op does not declare (OpDefinition.BackwardReadsOperand / BackwardReadsOutput), so forward may have reused its slot");
        return fragment;
    }

    private static void EmitBackward(SourceWriter w, KernelContext c)
    {
        var loss = c.Graph.Loss!;
        var fragments = new List<KernelFragment>();
        if (c.Tiled)
        {
            int[] lastUse = c.Plan.LastBackwardUse;
            fragments.Add(c.Capture(null, null, () => c.RowLoop(() => c.W.Line($"{c.D(loss.Id)} = seed;"))));
            foreach (var node in c.Plan.Backward)
            {
                // The updates of the parameters this op reads for the last time stay in its fragment, right after it.
                fragments.Add(BackwardOp(c, node, () =>
                {
                    BackwardWithClears(c, node);
                    for (int param = 0; param < lastUse.Length; param++)
                        if (lastUse[param] == node.Id) EmitUpdate(c, param, "its gradient is final and backward reads it no more");
                }));
            }
            if (lastUse.Any(use => use < 0))
                fragments.Add(c.Capture(null, null, () =>
                {
                    for (int param = 0; param < lastUse.Length; param++)
                        if (lastUse[param] < 0) EmitUpdate(c, param, "no gradient (zero), but weight decay and momentum still apply");
                }));
            Kernel(w, c, "BackwardTile", "Reverse mode for a tile of samples: adds seed * d loss / d parameter of every sample into g (writes it instead " +
                "in a step's <paramref name=\"firstTile\"/>, for the gradients the step does not clear); with " +
                "<paramref name=\"update\"/> (the last tile of a training step) it also updates each parameter once its gradient is final.",
                "void", "ref float p, ref float g, ref float x, ref float t, ref float ws, ref float gs, float seed, int rows, bool firstTile, " +
                "global::NetCompiler.ParameterStore? update, global::NetCompiler.Optimizer? optimizer, float learningRate" + ExtraParameters(c.Plan), fragments);
            return;
        }
        fragments.Add(c.Capture(null, null, () => c.W.Line($"{c.D(loss.Id)} = seed;")));
        foreach (var node in c.Plan.Backward)
            fragments.Add(BackwardOp(c, node, () =>
            {
                BackwardWithClears(c, node);
            }));
        Kernel(w, c, "BackwardSample", "Reverse mode for one sample: adds seed * d loss / d parameter into g.",
            "void", "ref float p, ref float g, ref float x, ref float t, ref float ws, ref float gs, float seed" + ExtraParameters(c.Plan), fragments);
    }
}
