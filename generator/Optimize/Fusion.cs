using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Optimize;

/// <summary>Optimize: fuses into the epilogue of an <see cref="OpTraits.EpilogueHost"/> (a dense or convolution layer,
/// batch normalization) what follows it element by element: with <see cref="OpTraits.ResidualHost"/>, a residual sum
/// <c>host + r</c> (either order), then a <see cref="OpTraits.FusableEpilogue"/> activation. Forward computes
/// <c>act(z + r)</c> as the host's outputs are produced; backward applies the activation's derivative to the incoming
/// gradient and adds it into r's gradient inside the host's gradient code. A node is fused only when the node before it
/// has no other user and is neither the output nor the loss, and r only when it is computed before the host (its value
/// must exist when the host's epilogue runs) and is no parameter, buffer or constant (their gradients and updates stay
/// with the ops that own them). Softmax + cross-entropy needs no pass: CrossEntropy takes logits and its rule is
/// softmax - target.</summary>
internal sealed class Fusion
{
    private Fusion(int[] epilogue, int[] residual, int[] producer) { Epilogue = epilogue; Residual = residual; FusedInto = producer; }

    /// <summary>For a host: the activation node fused into it, else -1.</summary>
    public int[] Epilogue { get; }

    /// <summary>For a host: the residual sum fused into it (the Add node), else -1.</summary>
    public int[] Residual { get; }

    /// <summary>For a fused node (an activation or a residual sum): the host that computes it, else -1.</summary>
    public int[] FusedInto { get; }

    /// <summary>The node whose value is the host's pre-activation: its residual sum, or the host itself.</summary>
    public int PreActivation(int host) => Residual[host] >= 0 ? Residual[host] : host;

    /// <summary>The node whose value the host's code produces last: its activation, its residual sum, or itself.</summary>
    public int Result(int host) => Epilogue[host] >= 0 ? Epilogue[host] : PreActivation(host);

    /// <summary>The operand a host's fused residual sum adds to the host's value, else -1.</summary>
    public int ResidualOperand(Graph graph, int host)
    {
        if (Residual[host] < 0) return -1;
        var sum = graph[Residual[host]];
        return sum.Inputs[0] == host ? sum.Inputs[1] : sum.Inputs[0];
    }

    public static Fusion Build(Graph graph)
    {
        int n = graph.Nodes.Count;
        var epilogue = new int[n];
        var residual = new int[n];
        var producer = new int[n];
        for (int i = 0; i < n; i++) { epilogue[i] = -1; residual[i] = -1; producer[i] = -1; }
        bool Private(Node node) => graph.Users[node.Id].Count == 1 && node.Id != graph.Spec.OutputNode && node.Id != graph.Spec.LossNode;
        foreach (var host in graph.Nodes)
        {
            if (!host.Is(OpTraits.EpilogueHost) || !Private(host)) continue;
            var next = graph[graph.Users[host.Id][0]];
            if (host.Is(OpTraits.ResidualHost) && next.Op == OpKind.Add && next.Inputs[0] != next.Inputs[1] && next.Size == host.Size
                && graph[next.Inputs[0]].Size == host.Size && graph[next.Inputs[1]].Size == host.Size)
            {
                var other = graph[next.Inputs[0] == host.Id ? next.Inputs[1] : next.Inputs[0]];
                if (other.Id < host.Id && other.Op is not (OpKind.Param or OpKind.Buffer or OpKind.Constant) && !host.Definition.BackwardReadsOutput(host))
                {
                    residual[host.Id] = next.Id;
                    producer[next.Id] = host.Id;
                    if (!Private(next)) continue;
                    next = graph[graph.Users[next.Id][0]];
                }
            }
            if (!next.Is(OpTraits.FusableEpilogue)) continue;
            epilogue[host.Id] = next.Id;
            producer[next.Id] = host.Id;
        }
        return new Fusion(epilogue, residual, producer);
    }
}
