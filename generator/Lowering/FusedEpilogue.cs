using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Lowering;

/// <summary>What a host's epilogue does after the host's own result z (see <see cref="Optimize.Fusion"/>): add a
/// residual operand r, then apply an activation: s = z + r, y = act(s). The code every host (dense and convolution
/// layers, batch normalization) shares: where the host writes z, the forward expressions, and the backward prologue
/// dz = dy act'(.), dr += dz.</summary>
internal sealed class FusedEpilogue
{
    private FusedEpilogue(Node host, ActivationOp? activation, Node? activationNode, int residual, int preActivation, int result, int destination)
    {
        Host = host; Activation = activation; ActivationNode = activationNode; Residual = residual;
        PreActivation = preActivation; Result = result; Destination = destination;
    }

    public static FusedEpilogue Of(KernelContext c, Node host)
    {
        int act = c.Fusion.Epilogue[host.Id], pre = c.Fusion.PreActivation(host.Id), result = c.Fusion.Result(host.Id);
        // z goes where s is kept (no activation, or its derivative reads s), else straight into y's slot.
        int destination = c.Memory.ValueOffset[pre] >= 0 ? pre : result;
        return new FusedEpilogue(host, act < 0 ? null : (ActivationOp)OpRegistry.For(c.Graph[act].Op), act < 0 ? null : c.Graph[act],
            c.Fusion.ResidualOperand(c.Graph, host.Id), pre, result, destination);
    }

    public Node Host { get; }

    /// <summary>The fused activation, if any, and its node.</summary>
    public ActivationOp? Activation { get; }
    public Node? ActivationNode { get; }

    /// <summary>The residual operand r, else -1.</summary>
    public int Residual { get; }

    /// <summary>The node whose value is s: the residual sum, or the host.</summary>
    public int PreActivation { get; }

    /// <summary>The node whose value the host's code produces last (y): its gradient is the dy the host's backward reads.</summary>
    public int Result { get; }

    /// <summary>Where the host writes z: s's slot when the plan keeps s, else y's.</summary>
    public int Destination { get; }

    public bool Empty => Activation is null && Residual < 0;

    /// <summary>What the host stores into <see cref="Destination"/> for its result <paramref name="z"/> (a parenthesized
    /// expression or a load) and r's element <paramref name="r"/> (null without a residual): act(z + r) when that is
    /// y's slot, else z + r.</summary>
    public string Inline(Isa isa, string z, string? r)
    {
        string s = r is null ? z : $"({z} + {r})";
        return Destination == Result && Activation is not null ? Activation.Apply(ActivationNode!, s, isa) : s;
    }

    /// <summary>The forward epilogue of one sample after the host has written z into <see cref="Destination"/>:
    /// s = z + r and y = act(s), in place where nothing keeps s.</summary>
    public void Forward(KernelContext c)
    {
        if (Empty) return;
        string d = c.V(Destination);
        string? r = Residual >= 0 ? c.V(Residual) : null;
        if (r is not null || Destination == Result)
            VectorLoops.Map(c.W, Host.Size, d, false, (isa, i) => Inline(isa, isa.Load(d, i), r is null ? null : isa.Load(r, i)));
        Finish(c);
    }

    /// <summary>y = act(s) for one sample when the host wrote s (kept for the derivative) rather than y.</summary>
    public void Finish(KernelContext c)
    {
        if (Destination == Result || Activation is null) return;
        string s = c.V(PreActivation);
        VectorLoops.Map(c.W, Host.Size, c.V(Result), false, (isa, i) => Activation.Apply(ActivationNode!, isa.Load(s, i), isa));
    }

    /// <summary>The backward prologue of one sample: dz = dy act'(s or y) in place (nothing else reads dy), then
    /// dr += dz. The host's own gradient code then reads dz from <c>c.D(Result)</c>.</summary>
    public void Backward(KernelContext c)
    {
        string dy = c.D(Result);
        if (Activation is not null)
        {
            string arg = Activation.DerivativeReadsInput ? c.V(PreActivation) : c.V(Result);
            VectorLoops.Map(c.W, Host.Size, dy, false, (isa, i) => $"{isa.Load(dy, i)} * {Activation.Derivative(ActivationNode!, isa.Load(arg, i), isa)}");
        }
        if (Residual >= 0 && c.HasGradient(Residual))
            VectorLoops.Map(c.W, Host.Size, c.D(Residual), !c.ClaimFreshGradient(Residual, Host.Size), (isa, i) => isa.Load(dy, i));
    }
}
