using System;
using System.Numerics;
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

    private protected override void Update(Span<float> values, ReadOnlySpan<float> gradients, int offset, float gradientScale)
    {
        if (Momentum == 0f) UpdatePlain(values, gradients, gradientScale);
        else UpdateMomentum(values, gradients, GetState(0).AsSpan(offset, values.Length), gradientScale);
    }

    private void UpdatePlain(Span<float> values, ReadOnlySpan<float> gradients, float scale)
    {
        float lr = _lr, decay = WeightDecay;
        ref float p = ref MemoryMarshal.GetReference(values);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = values.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var pv = Vector.LoadUnsafe(ref p, (nuint)i);
            var gv = Vector.LoadUnsafe(ref g, (nuint)i) * scale + pv * decay;
            (pv - gv * lr).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float pi = values[i];
            float gi = gradients[i] * scale + pi * decay;
            values[i] = pi - gi * lr;
        }
    }

    private void UpdateMomentum(Span<float> values, ReadOnlySpan<float> gradients, Span<float> buffer, float scale)
    {
        float lr = _lr, decay = WeightDecay, mu = Momentum, floor = _bufferFloor;
        var floors = new Vector<float>(floor);
        bool nesterov = Nesterov;
        ref float p = ref MemoryMarshal.GetReference(values);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float b = ref MemoryMarshal.GetReference(buffer);
        int n = values.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var pv = Vector.LoadUnsafe(ref p, (nuint)i);
            var gv = Vector.LoadUnsafe(ref g, (nuint)i) * scale + pv * decay;
            var bv = FlushToZero.Below(Vector.LoadUnsafe(ref b, (nuint)i) * mu + gv, floors);
            bv.StoreUnsafe(ref b, (nuint)i);
            var step = nesterov ? gv + bv * mu : bv;
            (pv - step * lr).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float pi = values[i];
            float gi = gradients[i] * scale + pi * decay;
            float bi = FlushToZero.Below(buffer[i] * mu + gi, floor);
            buffer[i] = bi;
            float step = nesterov ? gi + bi * mu : bi;
            values[i] = pi - step * lr;
        }
    }
}
