using System.Collections.Generic;
using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Optimize;

namespace NetCompiler.Generator.Lowering;

/// <summary>What a kernel emitter sees while writing one generated method: the graph, the plans, the writer,
/// and the names of value (<c>vN</c>) and gradient (<c>dN</c>) buffers. Buffers a method touches are recorded
/// so the method declares exactly those refs.</summary>
internal sealed class KernelContext
{
    private readonly SortedSet<int> _values = new(), _gradients = new();

    public KernelContext(Graph graph, GradientPlan gradients, Fusion fusion, MemoryPlan memory)
    {
        Graph = graph; Gradients = gradients; Fusion = fusion; Memory = memory;
    }

    public Graph Graph { get; }
    public GradientPlan Gradients { get; }
    public Fusion Fusion { get; }
    public MemoryPlan Memory { get; }
    public SourceWriter W { get; private set; } = new();

    /// <summary>Starts a new method body.</summary>
    public void Begin() { W = new SourceWriter(); _values.Clear(); _gradients.Clear(); }

    public string V(int id) { _values.Add(id); return "v" + id; }

    public string D(int id) { _gradients.Add(id); return "d" + id; }

    /// <summary>Whether the backward pass propagates into node <paramref name="id"/>.</summary>
    public bool HasGradient(int id) => Gradients.NeedsGradient[id] && Graph[id].Op is not (OpKind.Input or OpKind.Target or OpKind.Constant);

    /// <summary>The ref-local declarations for the buffers the body used.</summary>
    public IEnumerable<string> Declarations()
    {
        foreach (int id in _values)
        {
            var node = Graph[id];
            string location = node.Op switch
            {
                OpKind.Input => "ref x",
                OpKind.Target => "ref t",
                OpKind.Param => $"ref Unsafe.Add(ref p, {Graph.Spec.Parameters[node.Spec.Parameter].Offset})",
                _ => $"ref Unsafe.Add(ref ws, {Memory.ValueOffset[id]})",
            };
            yield return $"ref float v{id} = {location}; // {Describe(node)}";
        }
        foreach (int id in _gradients)
        {
            var node = Graph[id];
            string location = node.Op == OpKind.Param
                ? $"ref Unsafe.Add(ref g, {Graph.Spec.Parameters[node.Spec.Parameter].Offset})"
                : $"ref Unsafe.Add(ref gs, {Memory.GradientOffset[id]})";
            yield return $"ref float d{id} = {location}; // d loss / d {Describe(node)}";
        }
    }

    public string Describe(Node node) => node.Op switch
    {
        OpKind.Input => $"input '{node.Spec.Label}' {node.ShapeText}",
        OpKind.Target => $"target '{node.Spec.Label}' {node.ShapeText}",
        OpKind.Param => $"parameter {node.Spec.Label} {node.ShapeText}",
        OpKind.Constant => $"constant {node.Spec.Label}",
        _ => $"{node.Op} {node.ShapeText}",
    };

    /// <summary>A comment tying the next block to the definition line it came from.</summary>
    public void Header(Node node, string what)
    {
        string line = node.Spec.Location is { } l ? $"line {l.Line}: " : "";
        string op = node.Op == OpKind.Linear ? $"Linear '{node.Spec.Label}'" : node.Op.ToString();
        int fused = Fusion.Epilogue[node.Id];
        if (fused >= 0) op += " + " + Graph[fused].Op;   // activation fused into the epilogue
        W.Line($"// {what} {op} -> {node.ShapeText}, {line}{SourceWriter.Comment(node.Spec.Source)}");
    }
}
