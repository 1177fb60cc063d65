using System.Linq;
using System.Collections.Generic;
using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Optimize;

namespace NetCompiler.Generator.Lowering;

/// <summary>What a kernel emitter sees while writing one generated method: the graph, the plans, the writer,
/// and the names of value (<c>vN</c>) and gradient (<c>dN</c>) buffers. Buffers a method touches are recorded
/// so the method declares exactly those refs.</summary>
internal sealed class KernelContext
{
    private readonly BufferUse _used = new();

    public KernelContext(KernelPlan plan)
    {
        Plan = plan;
        HomeFile = plan.Graph.Spec.HomeFile;
    }

    /// <summary>What is being printed: the plan every decision was made in.</summary>
    public KernelPlan Plan { get; }

    /// <summary>The network's definition file: block headers name other files (modules) explicitly.</summary>
    public string HomeFile { get; }

    public Graph Graph => Plan.Graph;
    public GradientPlan Gradients => Plan.Gradients;
    public Fusion Fusion => Plan.Fusion;
    public MemoryPlan Memory => Plan.Memory;

    /// <summary>The rows of each value the training loss depends on (computed on first use).</summary>
    public LiveRows LiveRows => _liveRows ??= LiveRows.Of(Graph);
    private LiveRows? _liveRows;

    /// <summary>For a training kernel of a tile: declares <c>live</c>, the rows of each sample of the tile that
    /// <paramref name="demand"/> (a prefix: not all) says the loss depends on, computed from the ids that end them.</summary>
    public void DeclareLiveRows(RowDemand demand)
    {
        W.Line("Span<int> live = stackalloc int[TileRows];   // rows of each sample the loss depends on (its gradients past those are zero)");
        bool first = true;
        foreach (var source in demand.Sources)
        {
            var ids = Graph[source.Ids];
            W.Line($"SequenceGemm.LiveRows(ref {V(ids.Id)}, {ValueStride(ids.Id)}, rows, {ids.Shape[0]}, {SourceWriter.Float(source.Skip)}, live{(first ? "" : ", combine: true")}); " +
                   $"// up to the last '{ids.Spec.Label}' id that is not {source.Skip}");
            first = false;
        }
    }
    public SourceWriter W { get; private set; } = new();

    /// <summary>Per parameter index, an expression for the number of parts (cores) the product that computes its whole
    /// gradient in a tile kernel is cut into (a dense layer's dW); null where several ops add to the gradient. The
    /// parameter's update is cut the same way, so that each core updates the rows of the gradient it wrote (a 256 x 256
    /// weight whose dW stays on one core at 8 rows was otherwise updated half on the other core, moving half of W and dW
    /// between the cores at every step).</summary>
    public Dictionary<int, string?> GradientParts { get; } = new();

    /// <summary>Records <paramref name="parts"/> as the split of parameter <paramref name="parameter"/>'s gradient product
    /// (see <see cref="GradientParts"/>).</summary>
    public void SetGradientParts(int parameter, string parts) =>
        GradientParts[parameter] = GradientParts.ContainsKey(parameter) ? null : parts;

    /// <summary>Starts a new method body.</summary>
    public void Begin() { W = new SourceWriter(); _used.Clear(); }

    /// <summary>Writes <paramref name="body"/> (one op, or a kernel's prologue or epilogue) on its own, at method-body
    /// level, and returns its code with the buffers it uses, so that a kernel can place it in whichever of its parts
    /// it falls (see <see cref="Use"/>). The current method body is left as it was.</summary>
    /// <param name="what">What the fragment covers, for the summary of the part that holds it (null: nothing worth naming).</param>
    /// <param name="where">Where that is defined (<see cref="LocationInfo.Describe"/>).</param>
    public KernelFragment Capture(string? what, string? where, System.Action body)
    {
        var outer = W;
        var outerUsed = _used.Copy();
        W = new SourceWriter();
        _used.Clear();
        body();
        var fragment = new KernelFragment(W.ToString(), _used.Copy(), what, where);
        W = outer;
        _used.Clear();
        _used.UnionWith(outerUsed);
        return fragment;
    }

    /// <summary>Appends a captured fragment to the current method body and records the buffers it uses, exactly as if
    /// its body had been written here.</summary>
    public void Use(KernelFragment fragment)
    {
        W.Raw(fragment.Text);
        _used.UnionWith(fragment.Buffers);
    }

    /// <summary>Whether the methods being written run a tile of <c>rows</c> samples at once (see
    /// <see cref="KernelPlan.Tiled"/>).</summary>
    public bool Tiled => Plan.Tiled;

    /// <summary>Writes <paramref name="body"/> once per sample of the tile, in a loop over <c>s</c> that declares the
    /// buffers the body uses at sample s.</summary>
    public void RowLoop(System.Action body) => Scope(body, "s");

    /// <summary>Writes <paramref name="body"/> in a block that declares the buffers it uses at the tile's first
    /// sample (for kernels that take the whole tile with row strides).</summary>
    public void Block(System.Action body) => Scope(body, null);

    private void Scope(System.Action body, string? row)
    {
        var inner = Capture(null, null, body);
        W.Open(row is null ? "" : $"for (int {row} = 0; {row} < rows; {row}++)");
        foreach (string d in Declarations(row, inner.Buffers)) W.Line(d);
        W.Append(inner.Text);
        W.Line();
        W.Close();
    }

    /// <summary>Row stride of a node's values in a tile: the input or target size for those, the workspace size
    /// for workspace values, 0 for parameters and buffers (shared by every sample).</summary>
    public string ValueStride(int id) => Graph[Memory.Root[id]].Op switch
    {
        OpKind.Input => "InputSize",
        OpKind.Target => "TargetSize",
        OpKind.Param or OpKind.Buffer => "0",
        _ => WorkspaceStride,
    };

    /// <summary>The name of the constant that is one sample's share of the value workspace the kernels use (the
    /// inference plan's workspace is its own, smaller one).</summary>
    /// <summary>The trailing argument of a dense product's forward call in an inference plan, where the weights stay the
    /// same from call to call (TileGemm.Forward's <c>fixedWeights</c>); empty in training.</summary>
    public string FixedWeightsArgument => Plan.Mode == ExecutionMode.Inference ? ", fixedWeights: true" : "";

    public string WorkspaceStride => Plan.Mode == ExecutionMode.Inference ? "InferenceWorkspaceSize" : "ValueWorkspaceSize";

    /// <summary>The position in the whole batch of the sample being computed: <c>sample0</c> (the kernel's first sample)
    /// plus the row in a tile. Only stochastic plans have it (<see cref="KernelPlan.Stochastic"/>).</summary>
    public string SampleIndex => Tiled ? "sample0 + s" : "sample0";

    /// <summary>The buffer holding node <paramref name="id"/>'s values (a view's is its root's).</summary>
    public string V(int id) { id = Memory.Root[id]; _used.Values.Add(id); ValuesNamed.Add(id); return "v" + id; }

    /// <summary>The gradient slots that come alive at the backward op being written (<see cref="MemoryPlan.GradientStart"/>)
    /// and that no code has written yet: the emitter zeros those the op does not claim before its code.</summary>
    private readonly HashSet<int> _freshGradients = new();

    /// <summary>Starts a backward op whose code may claim the slots <paramref name="ids"/> (see <see cref="ClaimFreshGradient"/>).</summary>
    public void OfferFreshGradients(IEnumerable<int> ids) { _freshGradients.Clear(); _freshGradients.UnionWith(ids); }

    /// <summary>The offered slots no code claimed: they must be zeroed before the op's code runs.</summary>
    public IReadOnlyCollection<int> UnclaimedFreshGradients() => _freshGradients.ToList();

    /// <summary>Called by a backward op right before the code that writes <paramref name="floats"/> floats of
    /// d loss / d node <paramref name="id"/> for every sample: true when that slot comes alive at this op and is exactly
    /// that big, and nothing has written it yet, so the code must store instead of adding (the slot is then not zeroed
    /// first). The op must claim at its first write to the slot, and write every element of it.</summary>
    public bool ClaimFreshGradient(int id, int floats)
    {
        int root = Memory.Root[id];
        return Graph[root].Size == floats && _freshGradients.Remove(root);
    }

    /// <summary>Every value buffer <see cref="V"/> has named since this set was last cleared, nested blocks included
    /// (the backward emitter checks them against the memory plan).</summary>
    public HashSet<int> ValuesNamed { get; } = new();

    /// <summary>The buffer holding d loss / d node <paramref name="id"/> (a view's is its root's).</summary>
    public string D(int id) { id = Memory.Root[id]; _used.Gradients.Add(id); return "d" + id; }

    /// <summary>The slot where node <paramref name="id"/>'s forward saves what its backward needs (layer norm's mean and
    /// rstd, say: <see cref="Ops.OpDefinition.SavedFloats"/> floats per sample, in the value workspace).</summary>
    public string S(int id) { _used.Saved.Add(id); return "s" + id; }

    /// <summary>Whether the backward pass propagates into node <paramref name="id"/>.</summary>
    public bool HasGradient(int id) => Gradients.NeedsGradient[id] && Graph[Memory.Root[id]].Op is not (OpKind.Input or OpKind.Target or OpKind.Constant);

    /// <summary>The ref-local declarations for the buffers the body used, at the sample in the variable
    /// <paramref name="row"/> of a tile (null: the first or only sample).</summary>
    public IEnumerable<string> Declarations(string? row = null) => Declarations(row, _used);

    private IEnumerable<string> Declarations(string? row, BufferUse used)
    {
        string At(string buffer, string stride, int offset) =>
            row is null ? (offset == 0 ? $"ref {buffer}" : $"ref Unsafe.Add(ref {buffer}, {offset})")
            : offset == 0 ? $"ref Unsafe.Add(ref {buffer}, {row} * {stride})" : $"ref Unsafe.Add(ref {buffer}, {row} * {stride} + {offset})";
        foreach (int id in used.Values)
        {
            var node = Graph[id];
            string location = node.Op switch
            {
                OpKind.Input => At("x", "InputSize", Graph.Spec.Inputs[((InputAttribute)node.Attributes).Index].Offset),
                OpKind.Target => At("t", "TargetSize", 0),
                OpKind.Param => $"ref Unsafe.Add(ref p, {Graph.Spec.Parameters[node.Spec.Parameter].Offset})",
                OpKind.Buffer => $"ref Unsafe.Add(ref bf, {Graph.Spec.Buffers[((BufferAttribute)node.Attributes).Index].Offset})",
                OpKind.CachedValue => $"ref Unsafe.Add(ref kv, {((CachedValueAttribute)node.Attributes).Offset})",
                _ => At("ws", WorkspaceStride, Memory.ValueOffset[id]),
            };
            yield return $"ref float v{id} = {location}; // {Describe(node)}";
        }
        foreach (int id in used.Saved)
            yield return $"ref float s{id} = {At("ws", WorkspaceStride, Memory.SavedOffset[id])}; // " +
                (Plan.Mode == ExecutionMode.Training ? $"saved by {Describe(Graph[id])} for its backward" : $"scratch of {Describe(Graph[id])}");
        foreach (int id in used.Gradients)
        {
            var node = Graph[id];
            string location = node.Op == OpKind.Param
                ? $"ref Unsafe.Add(ref g, {Graph.Spec.Parameters[node.Spec.Parameter].Offset})"
                : At("gs", "GradientWorkspaceSize", Memory.GradientOffset[id]);
            yield return $"ref float d{id} = {location}; // d loss / d {Describe(node)}";
        }
    }

    public string Describe(Node node) => node.Op switch
    {
        OpKind.Input => $"input '{node.Spec.Label}' {node.ShapeText}{(node.DType == DType.Int32 ? " ids" : "")}",
        OpKind.Target => $"target '{node.Spec.Label}' {node.ShapeText}{(node.DType == DType.Int32 ? " ids" : "")}",
        OpKind.Param => $"parameter {node.Spec.Label} {node.ShapeText}",
        OpKind.Buffer => $"buffer {node.Spec.Label} {node.ShapeText}",
        OpKind.CachedValue => $"cached {node.Spec.Label} {node.ShapeText}",
        OpKind.Constant => $"constant {node.Spec.Label}",
        _ => $"{node.Op} {node.ShapeText}",
    };

    /// <summary>A comment tying the next block to the definition line it came from:
    /// <c>// forward|loss|backward Op -> [shape], line N: expression</c>, with <c>File.cs, line N</c> when the expression
    /// is in another file than the network (a module).</summary>
    public void Header(Node node, string what)
    {
        string line = node.Spec.Location is { } l ? l.Describe(HomeFile) + ": " : "";
        W.Line($"// {what} {OpName(node)} -> {node.ShapeText}, {line}{SourceWriter.Comment(node.Spec.Source)}");
    }

    /// <summary>The op a node's code block runs, e.g. <c>Linear 'l0' + Relu</c> (with the activation fused into its epilogue).</summary>
    public string OpName(Node node)
    {
        bool named = node.Op is OpKind.Linear or OpKind.Conv2D && !node.Definition.DslNames.Contains(node.Spec.Label);   // a layer, not an op call
        string op = named ? $"{node.Op} '{node.Spec.Label}'" : node.Op.ToString();
        if (Fusion.Residual[node.Id] >= 0) op += " + Add";   // residual sum fused into the epilogue
        int fused = Fusion.Epilogue[node.Id];
        if (fused >= 0) op += " + " + Graph[fused].Op;   // activation fused into the epilogue
        return op;
    }
}

/// <summary>The code of one op (or a kernel's prologue or epilogue), written on its own by
/// <see cref="KernelContext.Capture"/>: its text at method-body level, the value and gradient buffers it uses (the
/// method that holds it declares them), and what it covers.</summary>
internal sealed class KernelFragment
{
    public KernelFragment(string text, BufferUse buffers, string? what, string? where)
    {
        Text = text; Buffers = buffers; What = what; Where = where;
        Cost = Estimate(text);
    }

    public string Text { get; }
    /// <summary>The buffers it uses (the method that holds it declares them).</summary>
    public BufferUse Buffers { get; }

    /// <summary>The op it covers, e.g. <c>Linear 'l0' + Relu</c>; null for prologues and epilogues.</summary>
    public string? What { get; }

    /// <summary>Where the op is defined, when known: <c>line N</c>, or <c>File.cs, line N</c> outside the network's file.</summary>
    public string? Where { get; }

    /// <summary>The size estimate a kernel's parts are budgeted in, about one IL instruction per unit (see
    /// <see cref="Estimate"/>).</summary>
    public int Cost { get; }

    /// <summary>Weight of a branch (<c>if</c>, <c>for</c>, <c>while</c>, <c>?</c>, <c>&amp;&amp;</c>, <c>||</c>): the JIT allows
    /// ten times as many IL instructions as basic blocks, and a branch starts a block or two.</summary>
    public const int BranchCost = 10;

    /// <summary>What the JIT's MinOpts limits count, estimated from C# text: every identifier (a dotted name
    /// counts once), every number and every arithmetic operator or assignment outside comments is about one IL
    /// instruction (a load, a constant, a call, an add or a store), and every branch weighs <see cref="BranchCost"/>. Lines do not do: a per-sample dense layer writes one
    /// output per line as a chain of fused multiply-adds, hundreds of instructions long.</summary>
    public static int Estimate(string text)
    {
        int cost = 0;
        int i = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (ch == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;   // a comment, to the end of its line
                continue;
            }
            if (ch == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"') i += text[i] == '\\' ? 2 : 1;   // a string literal: one load
                i++;
                cost++;
                continue;
            }
            if (char.IsLetterOrDigit(ch) || ch == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.')) i++;
                string word = text.Substring(start, i - start);
                cost += word switch
                {
                    "if" or "for" or "while" => BranchCost,
                    "ref" or "float" or "double" or "int" or "var" or "else" or "return" or "new" => 0,
                    _ => 1,
                };
                continue;
            }
            if (ch == '?' || (ch == '&' && i + 1 < text.Length && text[i + 1] == '&') || (ch == '|' && i + 1 < text.Length && text[i + 1] == '|'))
                cost += BranchCost;
            else if (ch is '+' or '-' or '*' or '/' or '=')
                cost++;   // an arithmetic instruction or a store (a compound assignment is both)
            i++;
        }
        return cost;
    }
}

/// <summary>The buffers a piece of kernel code uses, by node id: values, saved slots and gradients. The method that holds
/// the code declares exactly these as ref locals.</summary>
internal sealed class BufferUse
{
    public SortedSet<int> Values { get; } = new();
    public SortedSet<int> Saved { get; } = new();
    public SortedSet<int> Gradients { get; } = new();

    public void Clear() { Values.Clear(); Saved.Clear(); Gradients.Clear(); }

    public void UnionWith(BufferUse other)
    {
        Values.UnionWith(other.Values); Saved.UnionWith(other.Saved); Gradients.UnionWith(other.Gradients);
    }

    public BufferUse Copy()
    {
        var copy = new BufferUse();
        copy.UnionWith(this);
        return copy;
    }
}
