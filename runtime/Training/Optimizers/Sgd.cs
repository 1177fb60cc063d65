using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov), following PyTorch's
/// <c>torch.optim.SGD</c> without dampening: <c>g = scale * grad + decay * p</c>; with momentum
/// <c>b = mu * b + g</c> and the step is <c>b</c> (or <c>g + mu * b</c> for Nesterov); then <c>p -= lr * step</c>.
/// With momentum 0 this is the seeds' plain update <c>p -= eta * mean gradient</c>. The momentum buffer is stored as
/// 0 below the size at which <c>mu * b</c> or <c>lr * b</c> would be subnormal (<see cref="FlushToZero"/>): a buffer
/// whose gradient has gone to 0 decays into that range and would slow every later step on Intel cores.</summary>
public sealed class Sgd : Optimizer
{
    private float _lr, _bufferFloor;

    /// <summary>Creates SGD with a learning rate or schedule, optional momentum and Nesterov's variant.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Momentum is outside [0, 1), or Nesterov without momentum.</exception>
    public Sgd(LearningRateSchedule learningRate, float momentum = 0f, bool nesterov = false)
        : base(learningRate, momentum > 0f ? ["momentum"] : [])
    {
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        if (nesterov && momentum == 0f)
            throw new ArgumentOutOfRangeException(nameof(nesterov), "Nesterov momentum needs a momentum above 0.");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor (0 = plain SGD).</summary>
    public float Momentum { get; }

    /// <summary>Whether the step looks ahead along the momentum (Nesterov).</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override string Name => Momentum == 0f ? "sgd" : Nesterov ? "nesterov" : "momentum";

    private protected override void BeginStep(long t, float learningRate)
    {
        _lr = learningRate;
        _bufferFloor = FlushToZero.FloorFor(Momentum, learningRate);
    }

    // Fully optimized from the first call: at tier 0 every register operation of Run would be a call; never inlined into
    // a caller whose inlining budget is spent (as in Adam).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private protected override void Update(Span<float> values, ReadOnlySpan<float> gradients, int offset, float gradientScale)
    {
        ref float p = ref MemoryMarshal.GetReference(values);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float b = ref Momentum == 0f ? ref Unsafe.NullRef<float>() : ref MemoryMarshal.GetReference(GetState(0).AsSpan(offset, values.Length));
        int n = values.Length, i = 0;
        // The widest register, then one float for the rest (the same operations in every lane, as in Adam).
        if (Vector512.IsHardwareAccelerated) i = Run<Float512>(ref p, ref g, ref b, 0, n, gradientScale);
        else if (Vector256.IsHardwareAccelerated) i = Run<Float256>(ref p, ref g, ref b, 0, n, gradientScale);
        Run<Float1>(ref p, ref g, ref b, i, n, gradientScale);
    }

    /// <summary>Updates whole registers of elements from <paramref name="start"/> while they fit before
    /// <paramref name="n"/> (<paramref name="b"/>: the momentum buffer, unused without momentum); returns the first
    /// element not updated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Run<V>(ref float p, ref float g, ref float b, int start, int n, float gradientScale) where V : struct, IFloatVector<V>
    {
        V lr = V.Broadcast(_lr), decay = V.Broadcast(WeightDecay), scale = V.Broadcast(gradientScale);
        V mu = V.Broadcast(Momentum), floor = V.Broadcast(_bufferFloor);
        bool momentum = Momentum != 0f, nesterov = Nesterov;
        int i = start;
        for (; i <= n - V.Count; i += V.Count)
        {
            V pv = V.Load(ref p, i);
            V gv = V.Add(V.Multiply(V.Load(ref g, i), scale), V.Multiply(pv, decay));
            V step = gv;
            if (momentum)
            {
                V bv = FlushToZero.Below(V.Add(V.Multiply(V.Load(ref b, i), mu), gv), floor);
                V.Store(bv, ref b, i);
                step = nesterov ? V.Add(gv, V.Multiply(bv, mu)) : bv;
            }
            V.Store(V.Subtract(pv, V.Multiply(step, lr)), ref p, i);
        }
        return i;
    }
}
