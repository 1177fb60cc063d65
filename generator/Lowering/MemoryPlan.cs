using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Optimize;

namespace NetCompiler.Generator.Lowering;

/// <summary>Where every per-sample value and gradient lives. Inputs, targets and parameters are read in place;
/// a view (<see cref="OpTraits.View"/>) shares its operand's storage; every other node gets a slot in the value
/// workspace (and a saved slot beside it when its op saves something for backward), and a slot in the gradient
/// workspace when reverse mode needs it. Slots start on 16-float (64-byte)
/// boundaries.</summary>
internal sealed class MemoryPlan
{
    public const int NoSlot = -1;

    private MemoryPlan(int[] value, int[] saved, int[] gradient, int[] root, int valueSize, int gradientSize)
    {
        ValueOffset = value; SavedOffset = saved; GradientOffset = gradient; Root = root; ValueSize = valueSize; GradientSize = gradientSize;
    }

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

    public static MemoryPlan Build(Graph graph, GradientPlan gradients, Fusion fusion)
    {
        int n = graph.Nodes.Count;
        var value = new int[n];
        var saved = new int[n];
        var gradient = new int[n];
        var root = new int[n];
        int valueTop = 0, gradientTop = 0;
        foreach (var node in graph.Nodes)
        {
            value[node.Id] = saved[node.Id] = gradient[node.Id] = NoSlot;
            root[node.Id] = node.Is(OpTraits.View) ? root[node.Inputs[0]] : node.Id;
            bool live = gradients.InForward[node.Id] || gradients.InLoss[node.Id];
            if (!live || node.Is(OpTraits.View) || node.Op is OpKind.Input or OpKind.Target or OpKind.Param) continue;
            // A linear layer with a fused activation keeps its pre-activation only if the derivative needs it.
            int act = fusion.Epilogue[node.Id];
            bool keepsValue = act < 0 || ((ActivationOp)graph[act].Definition).DerivativeReadsInput;
            if (keepsValue) { value[node.Id] = valueTop; valueTop += Align(node.Size); }
            int savedFloats = node.Definition.SavedFloats(node);
            if (savedFloats > 0) { saved[node.Id] = valueTop; valueTop += Align(savedFloats); }
            bool needsSlot = gradients.NeedsGradient[node.Id] && act < 0 && node.Op != OpKind.Constant;
            if (needsSlot) { gradient[node.Id] = gradientTop; gradientTop += Align(node.Size); }
        }
        return new MemoryPlan(value, saved, gradient, root, valueTop, gradientTop);
    }

    private static int Align(int size) => (size + 15) / 16 * 16;
}
