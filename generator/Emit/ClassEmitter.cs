using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Emit;

/// <summary>Prints the members of a network's class that hold its state: sizes, workspaces, the parameter store, the
/// constructors that initialize parameters as declared and bind the definition's fields, and CreateReplica.</summary>
internal static class ClassEmitter
{
    public static void EmitConstants(SourceWriter w, KernelPlan plan, KernelPlan inference)
    {
        var (graph, memory, tiled) = (plan.Graph, plan.Memory, plan.Tiled);
        var spec = graph.Spec;
        w.Line(spec.Inputs.Count == 1
            ? $"/// <summary>Floats per input sample, shape {Shapes.Format(spec.InputShape)}.</summary>"
            : $"/// <summary>Floats per input sample: {string.Join(", ", spec.Inputs.Select(i => $"{i.Name} {Shapes.Format(i.Shape)}{(i.DType == DType.Int32 ? " (ids)" : "")}"))}.</summary>");
        w.Line($"public const int InputSize = {spec.InputSize};");
        w.Line($"/// <summary>Floats per output sample, shape {graph.Output.ShapeText}.</summary>");
        w.Line($"public const int OutputSize = {graph.Output.Size};");
        w.Line($"/// <summary>Floats per target sample, shape [{SourceWriter.Join(graph.TargetShape)}].</summary>");
        w.Line($"public const int TargetSize = {graph.TargetShape.Aggregate(1, (a, b) => a * b)};");
        w.Line($"private const int ValueWorkspaceSize = {memory.ValueSize}; // floats per sample in training: what backward reads, plus the values in flight");
        w.Line($"private const int GradientWorkspaceSize = {memory.GradientSize};");
        w.Line($"private const int InferenceWorkspaceSize = {inference.Memory.ValueSize}; // floats per sample in Infer: slots reused once dead");
        if (tiled || inference.Tiled)
            w.Line($"private const int TileRows = {(tiled ? plan : inference).TileRows}; // samples per tile; sample s of a tile uses workspace s * size");
        w.Line();
        string rows = tiled ? "TileRows * " : "";
        if (plan.WholeBatch)
        {
            w.Line("// Training holds the whole batch (an op needs it); grown by EnsureBatchWorkspace.");
            w.Line($"private float[] _values = global::NetCompiler.AlignedArrays.Allocate({rows}ValueWorkspaceSize);");
            w.Line($"private float[] _gradients = global::NetCompiler.AlignedArrays.Allocate({rows}GradientWorkspaceSize);");
        }
        else
        {
            w.Line($"private readonly float[] _values = global::NetCompiler.AlignedArrays.Allocate({rows}ValueWorkspaceSize);");
            w.Line($"private readonly float[] _gradients = global::NetCompiler.AlignedArrays.Allocate({rows}GradientWorkspaceSize);");
        }
        // Used by training's batch split (any network with a loss whose training samples are independent) and by
        // inference's (EntryPointEmitter.InferenceSplits).
        if ((graph.Loss is not null && !plan.WholeBatch) || EntryPointEmitter.InferenceSplits(inference))
            w.Line("private global::NetCompiler.DataParallelGradients? _chunks; // a batch split across the cores, made on first use");
        w.Line($"private readonly float[] _inference = global::NetCompiler.AlignedArrays.Allocate({(inference.Tiled ? "TileRows * " : "")}InferenceWorkspaceSize);");
        w.Line();
        w.Line("private int _caller; // managed thread id inside an entry point, 0 when none: concurrent use throws");
        w.Line();
        w.Line("/// <summary>Parameters and gradients by definition name (the compiled and interpreted paths share them).</summary>");
        w.Line("public global::NetCompiler.ParameterStore Parameters { get; }");
        w.Line();
        w.Line($"int[] global::NetCompiler.INetwork.InputShape => new int[] {{ {SourceWriter.Join(spec.InputShape.ToArray())} }};");
        w.Line("global::System.Collections.Generic.IReadOnlyList<global::NetCompiler.NetworkInput> global::NetCompiler.INetwork.Inputs => new global::NetCompiler.NetworkInput[]");
        w.Line("{");
        for (int k = 0; k < spec.Inputs.Count; k++)
        {
            var leaf = graph.Nodes.First(n => n.Op == OpKind.Input && ((InputAttribute)n.Attributes).Index == k);
            w.Line($"    {Describe(graph, leaf, spec.Inputs[k].Name, spec.Inputs[k].Offset)},");
        }
        w.Line("};");
        w.Line($"int[] global::NetCompiler.INetwork.OutputShape => new int[] {{ {SourceWriter.Join(graph.Output.Shape)} }};");
        w.Line($"int[] global::NetCompiler.INetwork.TargetShape => new int[] {{ {SourceWriter.Join(graph.TargetShape)} }};");
        if (plan.WholeBatch) w.Line("bool global::NetCompiler.INetwork.CouplesBatch => true; // batch normalization: never split the batch");
        var target = graph.Nodes.FirstOrDefault(n => n.Op == OpKind.Target);
        if (target is not null)
            w.Line($"global::NetCompiler.NetworkInput global::NetCompiler.INetwork.Target => {Describe(graph, target, target.Spec.Label, 0)};");
        w.Line();
    }

    public static void EmitConstructor(SourceWriter w, KernelPlan plan, KernelPlan inference, KernelPlan? decoder, KernelPlan? encoder)
    {
        var graph = plan.Graph;
        var spec = graph.Spec;
        string name = spec.Class.Name;
        w.Line("/// <summary>Creates the network with parameters initialized as declared; random initializers draw");
        w.Line("/// from <paramref name=\"seed\"/>, so the same seed gives the same network.</summary>");
        w.Line("/// <param name=\"seed\">Seed of the random initializers.</param>");
        w.Line($"public {name}(int seed = 0)");
        w.Indent++;
        w.Line(": this(new global::NetCompiler.ParameterStore(new global::NetCompiler.ParameterInfo[]");
        w.Line("{");
        w.Indent++;
        foreach (var p in spec.Parameters)
            w.Line($"new({SourceWriter.Quote(p.Name)}, {p.Offset}, new int[] {{ {SourceWriter.Join(p.Shape.ToArray())} }}),");
        w.Indent--;
        if (spec.Buffers.Count > 0)
        {
            w.Line("}, new global::NetCompiler.ParameterInfo[]");
            w.Line("{");
            w.Indent++;
            foreach (var b in spec.Buffers)
                w.Line($"new({SourceWriter.Quote(b.Name)}, {b.Offset}, new int[] {{ {SourceWriter.Join(b.Shape.ToArray())} }}),");
            w.Indent--;
        }
        w.Line("}))");
        w.Indent--;
        w.Open("");
        w.Line("var parameters = Parameters;");
        w.Line("parameters.RandomSeed = seed; // dropout masks draw from it too");
        for (int i = 0; i < spec.Parameters.Count; i++)
        {
            var p = spec.Parameters[i];
            string where = p.Location is { } l ? $" ({l.Describe(spec.HomeFile)})" : "";
            if (p.Init == "Values")
                w.Line($"new float[] {{ {string.Join(", ", p.Values.Select(SourceWriter.Float))} }}.CopyTo(parameters.Values, {p.Offset}); // {p.Name}{where}");
            else
                w.Line($"global::NetCompiler.Initializers.Fill(parameters.Values.AsSpan({p.Offset}, {p.Length}), global::NetCompiler.Init.{p.Init}, " +
                       $"{p.FanIn}, {p.FanOut}, {SourceWriter.Float(p.Std)}, seed, {i}); // {p.Name}{where}");
        }
        foreach (var b in spec.Buffers.Where(b => b.Init == "Ones"))
            w.Line($"parameters.Buffers.AsSpan({b.Offset}, {b.Length}).Fill(1f); // buffer {b.Name}");
        w.Close();
        w.Line();
        w.Line("/// <summary>Binds the network to <paramref name=\"parameters\"/>: workspace constants and the definition's fields.</summary>");
        w.Open($"private {name}(global::NetCompiler.ParameterStore parameters)");
        w.Line("Parameters = parameters;");
        if (HasConstants(plan)) w.Line($"FillConstants(_values, {(plan.Tiled ? "TileRows" : "1")});");
        if (HasConstants(inference)) w.Line($"FillInferenceConstants(_inference, {(inference.Tiled ? "TileRows" : "1")});");
        if (decoder is not null && HasConstants(decoder)) w.Line("FillDecodeConstants(_decode, 1);");
        if (encoder is not null && HasConstants(encoder)) w.Line("FillEncodeConstants(_encode, 1);");
        BindingEmitter.Emit(w, spec.Fields, "");
        w.Close();
        w.Line();
        w.Line("/// <summary>A second instance over the same parameter values with its own gradients and workspace, for");
        w.Line("/// data-parallel training (see <see cref=\"global::NetCompiler.INetwork.CreateReplica\"/>).</summary>");
        w.Line($"public {name} CreateReplica() => new {name}(Parameters.CreateReplica());");
        w.Line();
        w.Line($"global::NetCompiler.INetwork global::NetCompiler.INetwork.CreateReplica() => CreateReplica();");
        w.Line();
    }

    internal static bool HasConstants(KernelPlan plan) => plan.Graph.Nodes.Any(n => n.Op == OpKind.Constant && plan.Memory.ValueOffset[n.Id] >= 0);

    /// <summary>The workspace helpers: FillConstants / FillInferenceConstants write the constant tensors into every
    /// sample's slots of a workspace (once, when it is created); EnsureBatchWorkspace grows the training workspaces of
    /// a network that runs the whole batch at once.</summary>
    public static void EmitWorkspaceHelpers(SourceWriter w, KernelPlan plan, KernelPlan inference)
    {
        EmitFillConstants(w, plan, "FillConstants", "ValueWorkspaceSize");
        EmitFillConstants(w, inference, "FillInferenceConstants", "InferenceWorkspaceSize");
        if (!plan.WholeBatch) return;
        w.Line("/// <summary>Grows the training workspaces to <paramref name=\"batch\"/> samples (the whole batch runs at once).</summary>");
        w.Open("private void EnsureBatchWorkspace(int batch)");
        w.Line("if (_values.Length >= (long)batch * ValueWorkspaceSize) return;");
        w.Line("_values = global::NetCompiler.AlignedArrays.Allocate(global::NetCompiler.CompiledSupport.WorkspaceLength(batch, ValueWorkspaceSize));");
        w.Line("_gradients = global::NetCompiler.AlignedArrays.Allocate(global::NetCompiler.CompiledSupport.WorkspaceLength(batch, GradientWorkspaceSize));");
        if (HasConstants(plan)) w.Line("FillConstants(_values, batch);");
        w.Close();
        w.Line();
    }

    internal static void EmitFillConstants(SourceWriter w, KernelPlan plan, string name, string stride)
    {
        if (!HasConstants(plan)) return;
        var (graph, memory, spec) = (plan.Graph, plan.Memory, plan.Graph.Spec);
        w.Line($"/// <summary>Writes the constants into the first <paramref name=\"rows\"/> samples' slots of <paramref name=\"values\"/>.</summary>");
        w.Open($"private static void {name}(float[] values, int rows)");
        foreach (var node in graph.Nodes.Where(n => n.Op == OpKind.Constant && memory.ValueOffset[n.Id] >= 0))
        {
            int offset = memory.ValueOffset[node.Id];
            string comment = $" // constant{Where(node, spec)}{SourceWriter.Comment(node.Spec.Source)}";
            if (node.Attributes is ConstantFillAttribute fill)
                // A constant tensor: filled by the runtime method the eager op calls.
                w.Line($"{ConstantOp.RuntimeMethod(fill.Fill)}(values.AsSpan({offset}, {node.Size}), {SourceWriter.Join(fill.Shape.ToArray())});{comment}");
            else
                w.Line($"values[{offset}] = {SourceWriter.Float(Value(node))};{comment}");
        }
        // Filled once (a table of sines is not cheap), then copied into the other samples' slots.
        w.Line($"for (int s = 1; s < rows; s++) Array.Copy(values, 0, values, s * {stride}, {stride});");
        w.Close();
        w.Line();
    }

    /// <summary>A <c>NetworkInput</c> expression describing the input or target <paramref name="leaf"/>.</summary>
    private static string Describe(Graph graph, Node leaf, string name, int offset) =>
        $"new({SourceWriter.Quote(name)}, new int[] {{ {SourceWriter.Join(leaf.Shape)} }}, " + (leaf.DType == DType.Int32
            ? $"global::NetCompiler.InputKind.Tokens, {SourceWriter.Int(offset)}, {SourceWriter.Int(IdCount(graph, leaf))})"
            : $"global::NetCompiler.InputKind.Values, {SourceWriter.Int(offset)})");

    /// <summary>How many distinct ids the ids <paramref name="leaf"/> may hold: the fewest any op reading it accepts
    /// (the rows of a table it selects from, the classes of a cross-entropy); 0 when none reads it as ids.</summary>
    private static int IdCount(Graph graph, Node leaf)
    {
        var counts = graph.Users[leaf.Id].Select(id => graph[id])
            .SelectMany(user => Enumerable.Range(0, user.Inputs.Count).Where(k => user.Inputs[k] == leaf.Id)
                .Select(k => user.Definition.IdCount(graph, user, k)))
            .Where(n => n > 0).ToList();
        return counts.Count == 0 ? 0 : counts.Min();
    }

    private static float Value(Node constant) => ((ScalarAttribute)constant.Attributes).Value;

    /// <summary>", line N: " (or ", File.cs, line N: ") for a comment quoting the node's expression, " " without a location.</summary>
    private static string Where(Node node, NetworkSpec spec) => node.Spec.Location is { } l ? $", {l.Describe(spec.HomeFile)}: " : " ";
}
