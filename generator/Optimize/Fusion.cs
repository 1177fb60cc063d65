using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Optimize;

/// <summary>Optimize: fuses a <see cref="OpTraits.FusableEpilogue"/> op (an activation) into the epilogue of the
/// <see cref="OpTraits.EpilogueHost"/> (a dense layer) that feeds it (forward: bias and activation applied as each output
/// is produced; backward: the activation derivative applied to the incoming gradient inside the layer's gradient
/// kernel). Only when the host's result has no other user. Softmax + cross-entropy needs no pass: CrossEntropy takes
/// logits and its rule is softmax - target.</summary>
internal sealed class Fusion
{
    private Fusion(int[] epilogue, int[] producer) { Epilogue = epilogue; FusedInto = producer; }

    /// <summary>For a linear node: the activation node fused into it, else -1.</summary>
    public int[] Epilogue { get; }

    /// <summary>For an activation node: the linear node that computes it, else -1.</summary>
    public int[] FusedInto { get; }

    public static Fusion Build(Graph graph)
    {
        int n = graph.Nodes.Count;
        var epilogue = new int[n];
        var producer = new int[n];
        for (int i = 0; i < n; i++) { epilogue[i] = -1; producer[i] = -1; }
        foreach (var node in graph.Nodes)
        {
            if (!node.Is(OpTraits.FusableEpilogue)) continue;
            var source = graph[node.Inputs[0]];
            if (!source.Is(OpTraits.EpilogueHost) || graph.Users[source.Id].Count != 1) continue;
            if (source.Id == graph.Spec.OutputNode || source.Id == graph.Spec.LossNode) continue;
            epilogue[source.Id] = node.Id;
            producer[node.Id] = source.Id;
        }
        return new Fusion(epilogue, producer);
    }
}
