using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Autodiff;

/// <summary>Differentiate: decides which nodes the forward passes compute and which gradients reverse mode
/// needs. A node needs a gradient when it depends on a parameter and the loss depends on it (dead-gradient
/// pruning: inputs, targets, constants and branches the loss ignores get no gradient code). The derivative
/// rule of each op lives in its definition in <c>Ops/</c>, beside its forward, the way llm.c pairs
/// <c>*_forward</c> with <c>*_backward</c>.</summary>
internal sealed class GradientPlan
{
    private GradientPlan(bool[] forward, bool[] lossOnly, bool[] needsGradient, List<int> blockingSteps)
    {
        InForward = forward; InLoss = lossOnly; NeedsGradient = needsGradient; BlockingSteps = blockingSteps;
    }

    /// <summary><see cref="OpTraits.BlocksGradient"/> nodes (Step) between a parameter and the loss: nothing flows back
    /// through them, so the parameters before them would never train (reported as NC0104).</summary>
    public List<int> BlockingSteps { get; }

    /// <summary>Nodes the output depends on (computed by inference and training).</summary>
    public bool[] InForward { get; }

    /// <summary>Nodes only the loss depends on (computed by training after the forward nodes).</summary>
    public bool[] InLoss { get; }

    /// <summary>Nodes whose gradient the backward pass computes.</summary>
    public bool[] NeedsGradient { get; }

    public static GradientPlan Build(Graph graph)
    {
        int n = graph.Nodes.Count;
        var forward = Ancestors(graph, graph.Output.Id);
        var loss = graph.Loss is { } l ? Ancestors(graph, l.Id) : new bool[n];
        var lossOnly = new bool[n];
        for (int i = 0; i < n; i++) lossOnly[i] = loss[i] && !forward[i];
        var dependsOnParam = new bool[n];
        var needs = new bool[n];
        foreach (var node in graph.Nodes)
        {
            dependsOnParam[node.Id] = node.Op == OpKind.Param;
            if (node.Is(OpTraits.BlocksGradient)) continue; // zero derivative: nothing flows back through it
            foreach (int input in node.Inputs) dependsOnParam[node.Id] |= dependsOnParam[input];
        }
        for (int i = 0; i < n; i++) needs[i] = loss[i] && dependsOnParam[i];
        var blocking = new List<int>();
        foreach (var node in graph.Nodes)
            if (node.Is(OpTraits.BlocksGradient) && loss[node.Id] && dependsOnParam[node.Inputs[0]]) blocking.Add(node.Id);
        return new GradientPlan(forward, lossOnly, needs, blocking);
    }

    private static bool[] Ancestors(Graph graph, int root)
    {
        var seen = new bool[graph.Nodes.Count];
        var stack = new Stack<int>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (seen[id]) continue;
            seen[id] = true;
            foreach (int input in graph[id].Inputs) stack.Push(input);
        }
        return seen;
    }
}
