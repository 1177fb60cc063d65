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
    private GradientPlan(bool[] forward, bool[] lossOnly, bool[] needsGradient, List<int> blockingSteps,
        List<(int Node, int Operand, int Parameter)> trainedOperands)
    {
        InForward = forward; InLoss = lossOnly; NeedsGradient = needsGradient; BlockingSteps = blockingSteps;
        ParameterDependentOperands = trainedOperands;
    }

    /// <summary>Operands that no gradient flows into (<see cref="OpDefinition.Differentiable"/>: Where's mask) but that
    /// depend on a parameter (through ops a gradient flows through), with one such parameter node: reported as NC0107,
    /// since that parameter would not train through them (and the mask was most likely meant to be another argument).</summary>
    public List<(int Node, int Operand, int Parameter)> ParameterDependentOperands { get; }

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
        // Nodes a gradient reaches from the loss: ancestors through operands it flows into (not Where's mask).
        var reached = graph.Loss is { } l2 ? Ancestors(graph, l2.Id, differentiableOnly: true) : new bool[n];
        var lossOnly = new bool[n];
        for (int i = 0; i < n; i++) lossOnly[i] = loss[i] && !forward[i];
        // For each node, a parameter it depends on through ops the gradient flows back through (-1: none).
        var parameterOf = new int[n];
        var trainedOperands = new List<(int, int, int)>();
        foreach (var node in graph.Nodes)
        {
            parameterOf[node.Id] = node.Op == OpKind.Param ? node.Id : -1;
            if (node.Is(OpTraits.BlocksGradient)) continue; // zero derivative: nothing flows back through it
            for (int k = 0; k < node.Inputs.Count; k++)
            {
                int p = parameterOf[node.Inputs[k]];
                if (p < 0) continue;
                if (!node.Definition.Differentiable(node.Spec, k)) trainedOperands.Add((node.Id, k, p));
                else if (parameterOf[node.Id] < 0) parameterOf[node.Id] = p;
            }
        }
        var dependsOnParam = new bool[n];
        for (int i = 0; i < n; i++) dependsOnParam[i] = parameterOf[i] >= 0;
        var needs = new bool[n];
        for (int i = 0; i < n; i++) needs[i] = reached[i] && dependsOnParam[i];
        var blocking = new List<int>();
        foreach (var node in graph.Nodes)
            if (node.Is(OpTraits.BlocksGradient) && reached[node.Id] && dependsOnParam[node.Inputs[0]]) blocking.Add(node.Id);
        return new GradientPlan(forward, lossOnly, needs, blocking, trainedOperands);
    }

    /// <summary>The nodes <paramref name="root"/> depends on (itself included); with <paramref name="differentiableOnly"/>,
    /// only through operands a gradient flows into.</summary>
    private static bool[] Ancestors(Graph graph, int root, bool differentiableOnly = false)
    {
        var seen = new bool[graph.Nodes.Count];
        var stack = new Stack<int>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (seen[id]) continue;
            seen[id] = true;
            var node = graph[id];
            for (int k = 0; k < node.Inputs.Count; k++)
                if (!differentiableOnly || node.Definition.Differentiable(node.Spec, k)) stack.Push(node.Inputs[k]);
        }
        return seen;
    }
}
