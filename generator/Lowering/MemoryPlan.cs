using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Optimize;

namespace NetCompiler.Generator.Lowering;

/// <summary>Where every per-sample value and gradient lives. Inputs, targets, parameters and buffers are read in place;
/// a view (<see cref="OpTraits.View"/> in the plan's mode) shares its operand's storage. For training
/// (<see cref="Build"/>) every other node gets a slot of its own in the value workspace (backward reads them all), a
/// saved slot beside it when its op saves something for backward, and, while reverse mode needs it, a slot in the
/// gradient workspace (reused once its gradient has been read). For inference (<see cref="ForInference"/>) a value's slot is reused once its last reader has run, so
/// a deep network's workspace is that of its widest few layers, not the sum of all. Slots start on 16-float (64-byte)
/// boundaries.</summary>
internal sealed class MemoryPlan
{
    public const int NoSlot = -1;

    private MemoryPlan(int[] value, int[] saved, int[] gradient, int[] root, int valueSize, int gradientSize, bool[] kept, int[]? gradientStart = null)
    {
        KeptForBackward = kept;
        ValueOffset = value; SavedOffset = saved; GradientOffset = gradient; Root = root;
        ValueSize = RowSize(valueSize); GradientSize = RowSize(gradientSize);
        GradientStart = gradientStart ?? Enumerable.Repeat(NoSlot, value.Length).ToArray();
    }

    /// <summary>For a node with a gradient slot: the backward op before which the slot is zeroed, the first that adds
    /// into it (<see cref="LossSeed"/> for the loss, which the seed sets). Slots are reused, so each is cleared when it
    /// comes alive rather than the whole workspace at the start.</summary>
    public int[] GradientStart { get; }

    /// <summary><see cref="GradientStart"/> of the loss: set to the seed before any backward op.</summary>
    public const int LossSeed = int.MaxValue;

    /// <summary>The nodes whose gradient slots are zeroed right before <paramref name="node"/>'s backward.</summary>
    public IEnumerable<int> GradientsStartingAt(int node)
    {
        for (int i = 0; i < GradientStart.Length; i++)
            if (GradientStart[i] == node) yield return i;
    }

    /// <summary>One sample's share of a workspace that a tile lays out sample after sample: the slots' size, plus one
    /// cache line when that is a multiple of 8 lines (512 bytes). Rows 4 KB apart (1024 floats, WideMlpNet's inference
    /// workspace) fall into the same L1 sets, and a TileGemm over 32 of them evicts its own rows: its 1-thread inference
    /// at batch 128 measured 107,000-142,000 samples/s so, 145,000-149,000 padded to 1040 (bench -- compare).</summary>
    private static int RowSize(int size) => size > 0 && size / 16 % 8 == 0 ? size + 16 : size;

    public int[] ValueOffset { get; }

    /// <summary>Where a node's forward saves what its backward needs (<see cref="OpDefinition.SavedFloats"/>), in the
    /// value workspace; <see cref="NoSlot"/> for most nodes.</summary>
    public int[] SavedOffset { get; }
    public int[] GradientOffset { get; }

    /// <summary>For each node, the node whose storage holds its value and gradient: itself, or for a view the node it
    /// (transitively) views.</summary>
    public int[] Root { get; }

    public int ValueSize { get; }
    public int GradientSize { get; }

    /// <summary>The training form's plan. A value some backward reads (<see cref="OpDefinition.BackwardReadsOperand"/>,
    /// <see cref="OpDefinition.BackwardReadsOutput"/>; see <see cref="KeptForBackward"/>) keeps its slot to the end of the
    /// step, as do saved slots, the output and the loss; any other value's slot is reused once its last forward reader has
    /// run (forward, then the loss kernel), so the value workspace holds what backward needs plus a few layers in flight,
    /// not a slot per node. Backward runs the nodes in decreasing id order, and d loss / d X lives from the first backward
    /// op that adds into it (its reader with the highest id; the seed for the loss) to X's own backward (its host's, for an
    /// activation fused into a layer), so a gradient slot is taken there and freed after: the gradient workspace holds
    /// what a few layers need at once.</summary>
    public static MemoryPlan Build(Graph graph, GradientPlan gradients, Fusion fusion)
    {
        int n = graph.Nodes.Count;
        var value = Enumerable.Repeat(NoSlot, n).ToArray();
        var saved = Enumerable.Repeat(NoSlot, n).ToArray();
        var gradient = Enumerable.Repeat(NoSlot, n).ToArray();
        var root = new int[n];
        var hasGradient = new bool[n];
        foreach (var node in graph.Nodes)
            root[node.Id] = node.Is(OpTraits.View, ExecutionMode.Training) ? root[node.Inputs[0]] : node.Id;
        var kept = ReadByBackward(graph, gradients, fusion, root);

        // The order the forward and loss kernels run the nodes in; a fused node runs in its host's code.
        var order = graph.Nodes.Where(x => gradients.InForward[x.Id]).Concat(graph.Nodes.Where(x => gradients.InLoss[x.Id])).ToList();
        var time = Enumerable.Repeat(-1, n).ToArray();
        for (int t = 0; t < order.Count; t++) time[order[t].Id] = t;
        int RunsAt(int id) => fusion.FusedInto[id] >= 0 ? time[fusion.FusedInto[id]] : time[id];
        var lastRead = Enumerable.Repeat(-1, n).ToArray();
        foreach (var node in order)
            foreach (int input in node.Inputs) lastRead[root[input]] = System.Math.Max(lastRead[root[input]], RunsAt(node.Id));
        var dying = order.ToLookup(x => System.Math.Max(lastRead[x.Id], RunsAt(x.Id)));

        // Constants first: they are filled once, when the network is created, so their slots are never shared.
        var values = new SlotAllocator();
        foreach (var node in order.Where(x => x.Op == OpKind.Constant)) value[node.Id] = values.Take(node.Size);
        foreach (var node in order)
        {
            if (node.Is(OpTraits.View, ExecutionMode.Training) || node.Is(OpTraits.Leaf)) continue;
            if (fusion.FusedInto[node.Id] < 0)
            {
                // A host with a fused activation keeps its pre-activation (its value, or its residual sum's) only if the
                // derivative needs it; the slots of what it computes are taken when it runs, since it writes them.
                int act = fusion.Epilogue[node.Id], pre = fusion.PreActivation(node.Id);
                bool keepsPre = act < 0 || ((ActivationOp)graph[act].Definition).DerivativeReadsInput;
                if (keepsPre) value[pre] = values.Take(graph[pre].Size);
                if (act >= 0) value[act] = values.Take(graph[act].Size);
                int savedFloats = node.Definition.SavedFloats(node);
                if (savedFloats > 0) saved[node.Id] = values.Take(savedFloats);
            }
            // Of a host and the nodes fused into it, only what it computes last has a gradient slot (the incoming dy).
            hasGradient[node.Id] = gradients.NeedsGradient[node.Id] && fusion.Result(fusion.FusedInto[node.Id] >= 0 ? fusion.FusedInto[node.Id] : node.Id) == node.Id;
            if (fusion.FusedInto[node.Id] >= 0) continue;
            foreach (var dead in dying[time[node.Id]])
                if (!kept[dead.Id] && value[dead.Id] >= 0 && dead.Op != OpKind.Constant) values.Free(value[dead.Id], dead.Size);
        }
        int valueTop = values.Top;

        // When each gradient slot comes alive (its first writer) and dies (its reader), in backward's order.
        var start = Enumerable.Repeat(NoSlot, n).ToArray();
        var end = Enumerable.Repeat(NoSlot, n).ToArray();
        foreach (var node in graph.Nodes)
        {
            if (!hasGradient[node.Id]) continue;
            end[node.Id] = fusion.FusedInto[node.Id] >= 0 ? fusion.FusedInto[node.Id] : node.Id;
        }
        foreach (var node in graph.Nodes)
        {
            bool runsBackward = gradients.NeedsGradient[node.Id] && !node.Is(OpTraits.Leaf) && !node.Is(OpTraits.View, ExecutionMode.Training)
                && fusion.FusedInto[node.Id] < 0;
            if (!runsBackward) continue;
            int residual = fusion.ResidualOperand(graph, node.Id);   // a fused residual sum adds into it too
            foreach (int input in residual >= 0 ? node.Inputs.Append(residual) : (IEnumerable<int>)node.Inputs)
                if (hasGradient[root[input]]) start[root[input]] = System.Math.Max(start[root[input]], node.Id);
        }
        if (graph.Loss is { } loss && hasGradient[root[loss.Id]]) start[root[loss.Id]] = LossSeed;
        for (int i = 0; i < n; i++)
            if (hasGradient[i] && start[i] == NoSlot) start[i] = end[i];   // nothing adds into it: zero when read

        var slots = new SlotAllocator();
        var byStart = Enumerable.Range(0, n).Where(i => hasGradient[i]).OrderByDescending(i => start[i]).ThenBy(i => i).ToList();
        int next = 0;
        void TakeStarting(int time)
        {
            for (; next < byStart.Count && start[byStart[next]] == time; next++) gradient[byStart[next]] = slots.Take(graph[byStart[next]].Size);
        }
        var ending = graph.Nodes.Where(x => hasGradient[x.Id]).ToLookup(x => end[x.Id]);
        TakeStarting(LossSeed);
        for (int t = n - 1; t >= 0; t--)
        {
            TakeStarting(t);
            foreach (var dead in ending[t]) slots.Free(gradient[dead.Id], dead.Size);
        }
        return new MemoryPlan(value, saved, gradient, root, valueTop, slots.Top, kept, start);
    }

    /// <summary>For each node, whether its value must survive to the backward pass (training plans; all false for
    /// inference): an operand or output some backward reads (<see cref="OpDefinition.BackwardReadsOperand"/>,
    /// <see cref="OpDefinition.BackwardReadsOutput"/>), what a fused activation's derivative reads (the layer's
    /// pre-activation or the activation), the output and the loss.</summary>
    public bool[] KeptForBackward { get; }

    private static bool[] ReadByBackward(Graph graph, GradientPlan gradients, Fusion fusion, int[] root)
    {
        var kept = new bool[graph.Nodes.Count];
        kept[root[graph.Output.Id]] = true;
        if (graph.Loss is { } loss) kept[root[loss.Id]] = true;
        foreach (var node in graph.Nodes)
        {
            bool runsBackward = gradients.NeedsGradient[node.Id] && !node.Is(OpTraits.Leaf) && !node.Is(OpTraits.View, ExecutionMode.Training)
                && fusion.FusedInto[node.Id] < 0;
            if (!runsBackward) continue;
            for (int k = 0; k < node.Inputs.Count; k++)
                if (node.Definition.BackwardReadsOperand(node, k)) kept[root[node.Inputs[k]]] = true;
            int act = fusion.Epilogue[node.Id], pre = fusion.PreActivation(node.Id);
            if (act < 0) kept[pre] |= node.Definition.BackwardReadsOutput(node);   // a residual sum's derivative reads nothing
            else if (((ActivationOp)graph[act].Definition).DerivativeReadsInput) kept[pre] = true;
            else kept[act] = true;
        }
        return kept;
    }

    /// <summary>The inference form's plan: only what the output depends on, no gradients, no kept pre-activations, and a
    /// slot reused once its value's last reader has run. Constants keep slots of their own (they are filled once, when
    /// the network is created); a saved slot is scratch for its node alone; the output's slot lives to the end (Infer
    /// copies it out after the kernel).</summary>
    public static MemoryPlan ForInference(Graph graph, GradientPlan gradients, Fusion fusion)
    {
        int n = graph.Nodes.Count;
        var value = Enumerable.Repeat(NoSlot, n).ToArray();
        var saved = Enumerable.Repeat(NoSlot, n).ToArray();
        var root = new int[n];
        var lastUse = Enumerable.Repeat(-1, n).ToArray();
        foreach (var node in graph.Nodes)
        {
            root[node.Id] = node.Is(OpTraits.View, ExecutionMode.Inference) ? root[node.Inputs[0]] : node.Id;
            if (!gradients.InForward[node.Id]) continue;
            foreach (int input in node.Inputs) lastUse[root[input]] = System.Math.Max(lastUse[root[input]], node.Id);
        }
        lastUse[root[graph.Output.Id]] = int.MaxValue;

        var slots = new SlotAllocator();
        foreach (var node in graph.Nodes.Where(c => c.Op == OpKind.Constant && gradients.InForward[c.Id]))
            value[node.Id] = slots.Take(node.Size);
        foreach (var node in graph.Nodes)
        {
            if (!gradients.InForward[node.Id] || node.Is(OpTraits.Leaf) || node.Is(OpTraits.View, ExecutionMode.Inference)) continue;
            if (fusion.FusedInto[node.Id] < 0)
            {
                // A host writes what it computes last (its activation's or residual sum's slot) directly, so that slot is
                // taken when the host runs; nothing keeps the pre-activation.
                int written = fusion.Result(node.Id);
                value[written] = slots.Take(graph[written].Size);
                int savedFloats = node.Definition.SavedFloats(node);
                if (savedFloats > 0) saved[node.Id] = slots.Take(savedFloats);
            }
            if (saved[node.Id] >= 0) slots.Free(saved[node.Id], node.Definition.SavedFloats(node));
            foreach (int input in node.Inputs.Select(i => root[i]).Distinct())
                if (lastUse[input] == node.Id && value[input] >= 0 && graph[input].Op != OpKind.Constant) slots.Free(value[input], graph[input].Size);
        }
        return new MemoryPlan(value, saved, Enumerable.Repeat(NoSlot, n).ToArray(), root, slots.Top, 0, new bool[n]);
    }

    /// <summary>First-fit allocation of aligned slots in a workspace that grows as needed.</summary>
    private sealed class SlotAllocator
    {
        private readonly List<(int Offset, int Size)> _free = new();

        /// <summary>The workspace size so far: the end of the highest slot ever taken.</summary>
        public int Top { get; private set; }

        public int Take(int size)
        {
            size = Align(size);
            for (int i = 0; i < _free.Count; i++)
            {
                var (offset, available) = _free[i];
                if (available < size) continue;
                if (available == size) _free.RemoveAt(i);
                else _free[i] = (offset + size, available - size);
                return offset;
            }
            // Grow the workspace, starting in a free block at its end if there is one.
            int start = Top;
            if (_free.Count > 0 && _free[_free.Count - 1] is var last && last.Offset + last.Size == Top)
            {
                start = last.Offset;
                _free.RemoveAt(_free.Count - 1);
            }
            Top = start + size;
            return start;
        }

        public void Free(int offset, int size)
        {
            _free.Add((offset, Align(size)));
            _free.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            for (int i = _free.Count - 1; i > 0; i--)
                if (_free[i - 1].Offset + _free[i - 1].Size == _free[i].Offset)
                {
                    _free[i - 1] = (_free[i - 1].Offset, _free[i - 1].Size + _free[i].Size);
                    _free.RemoveAt(i);
                }
        }
    }

    private static int Align(int size) => (size + 15) / 16 * 16;
}
