using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>Adam (Kingma and Ba) in PyTorch's formulation: <c>g = scale * grad (+ decay * p for L2)</c>,
/// <c>m = b1 m + (1 - b1) g</c>, <c>v = b2 v + (1 - b2) g^2</c>,
/// <c>p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>.
/// <para>Subnormals are flushed (<see cref="FlushToZero"/>), where PyTorch by default computes with them: a moment is
/// stored as 0 when it falls below the size at which <c>b1 m</c> or the step's <c>stepSize m</c> would be subnormal
/// (m), or below <c>(eps 2^-24 sqrt(1 - b2^t))^2</c>, where it no longer changes the denominator (v); a gradient adds
/// nothing to m where <c>(1 - b1) g</c> would be subnormal, nor to v where <c>g^2</c> is below v's floor. At ordinary
/// sizes nothing changes: a flushed m moved its parameter by under 1.2e-38 / eps per step.</para></summary>
public class Adam : Optimizer
{
    private float _stepSize, _inverseSqrtCorrection2, _decoupledDecay;
    // Flush floors of this step (see the class remarks): for m, for v, and for a gradient entering m and v.
    private float _mFloor, _vFloor, _gradientFloorM, _gradientFloorV;
    // This step's key for the stochastic rounding of bfloat16 moments.
    private uint _roundingKey;

    /// <summary>Creates Adam with the usual defaults (beta1 0.9, beta2 0.999, epsilon 1e-8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A beta is outside [0, 1) or epsilon is not positive.</exception>
    public Adam(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(learningRate, ["m", "v"])
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon > 0f && float.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive and finite.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Decay of the first-moment average.</summary>
    public float Beta1 { get; }
    /// <summary>Decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; }

    /// <summary>How m and v are stored: float32 (the default, as PyTorch) or bfloat16, which cuts a step's memory
    /// traffic from 28 to 20 bytes per parameter (see <see cref="StatePrecision.BFloat16"/>). The update is computed in
    /// float32 from the stored moments either way; the new moments are rounded when stored, the parameter's step uses
    /// them unrounded.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a <see cref="StatePrecision"/> value.</exception>
    public StatePrecision Moments
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Moments), value, "Moments are Float32 or BFloat16.");
    }

    /// <inheritdoc/>
    public override StatePrecision StatePrecision => Moments;

    /// <summary>Whether weight decay is decoupled from the gradient (AdamW) instead of added to it (L2).</summary>
    private protected virtual bool DecoupledDecay => false;

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <summary>The second moment is an average of squares: never negative (it may be +inf, when a finite gradient
    /// above 1.8e19 is squared, and the update is then 0).</summary>
    internal override string? ImpossibleState(int slot, ReadOnlySpan<float> values)
    {
        if (slot == 1)
            for (int i = 0; i < values.Length; i++)
                if (!(values[i] >= 0f)) return $"{values[i].ToString(CultureInfo.InvariantCulture)} at index {i} (a second moment averages squares: never negative or NaN)";
        return base.ImpossibleState(slot, values);
    }

    private protected override void BeginStep(long t, float learningRate)
    {
        _stepSize = (float)(learningRate / (1.0 - Math.Pow(Beta1, t)));
        _inverseSqrtCorrection2 = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(Beta2, t)));
        _decoupledDecay = DecoupledDecay ? 1f - learningRate * WeightDecay : 1f;
        _mFloor = FlushToZero.FloorFor(Beta1, _stepSize);
        // v below this changes sqrt(v) / sqrt(1 - b2^t) + eps by less than eps 2^-24, now and (v only decays, the
        // correction only shrinks) in every later step, and so does a gradient below its square root (a steady
        // gradient g holds v near g^2). With epsilon 1e-8 the floor is above 3e-34, so b2 v and (1 - b2) g^2 stay
        // normal; with an epsilon below about 1e-9, tiny moments decide the step and are computed exactly, subnormal
        // or not.
        double negligible = Epsilon * Math.Pow(2, -24) / _inverseSqrtCorrection2;
        _vFloor = (float)(negligible * negligible);
        _gradientFloorV = MathF.Sqrt(_vFloor);
        _gradientFloorM = FlushToZero.FloorFor(1f - Beta1);
        _roundingKey = (uint)DropoutMasks.StepKey(unchecked((int)0xADA3B16F), t);
    }

    private protected override void Update(Span<float> values, ReadOnlySpan<float> gradients, int offset, float gradientScale)
    {
        ref float p = ref MemoryMarshal.GetReference(values);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = values.Length;
        if (Moments == StatePrecision.Float32)
            Update<Float32Moments>(ref p, ref g, ref At(GetState(0).AsSpan(), offset), ref At(GetState(1).AsSpan(), offset), n, offset, gradientScale);
        else
            Update<BFloat16Moments>(ref p, ref g, ref At(CompactState(0), offset), ref At(CompactState(1), offset), n, offset, gradientScale);
    }

    /// <summary>The first byte of element <paramref name="offset"/> of a state array (which holds every element).</summary>
    private static ref byte At<T>(Span<T> state, int offset) where T : unmanaged =>
        ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(state), offset));

    // Fully optimized from the first call: at tier 0 every register operation of Run would be a call (the first steps
    // of an Adam update over WideMlpNet took 2.4-2.6 ms each at tier 0, 0.4-0.5 ms so). And never inlined, so each
    // precision is compiled on its own inlining budget: inlined into a caller (the JIT devirtualizes Update into
    // Optimizer.Step and the pool's parts), the register operations past the caller's budget stayed calls, 25x slower.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Update<S>(ref float p, ref float g, ref byte m, ref byte v, int n, int offset, float gradientScale) where S : struct, IMomentStorage
    {
        // The widest register first (sqrt and division dominate: Vector512 halves every other instruction against the
        // Vector256 of Vector<float>), one float for the rest; every lane computes the same operations in the same order.
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Float512, S>(ref p, ref g, ref m, ref v, 0, n, offset, gradientScale);
        else if (Vector256.IsHardwareAccelerated) i = Run<Float256, S>(ref p, ref g, ref m, ref v, 0, n, offset, gradientScale);
        Run<Float1, S>(ref p, ref g, ref m, ref v, i, n, offset, gradientScale);
    }

    /// <summary>Updates whole registers of elements from <paramref name="start"/> while they fit before
    /// <paramref name="n"/>; returns the first element not updated. <paramref name="offset"/> is the first element's
    /// place in the store: bfloat16 moments draw their rounding from it and the step, so the same element rounds the
    /// same way whichever thread, register or slice updates it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Run<V, S>(ref float p, ref float g, ref byte m, ref byte v, int start, int n, int offset, float gradientScale)
        where V : struct, IFloatVector<V> where S : struct, IMomentStorage
    {
        // The virtual DecoupledDecay first: a call between the broadcasts below would send them all to the stack (no
        // vector register survives a call), to be reloaded in every iteration.
        float coupledDecay = DecoupledDecay ? 0f : WeightDecay;
        V b1 = V.Broadcast(Beta1), b2 = V.Broadcast(Beta2), c1 = V.Broadcast(1f - Beta1), c2 = V.Broadcast(1f - Beta2), eps = V.Broadcast(Epsilon);
        V stepSize = V.Broadcast(_stepSize), invSqrtBc2 = V.Broadcast(_inverseSqrtCorrection2), shrink = V.Broadcast(_decoupledDecay);
        V l2 = V.Broadcast(coupledDecay), scale = V.Broadcast(gradientScale);
        V mFloor = V.Broadcast(_mFloor), vFloor = V.Broadcast(_vFloor), gmFloor = V.Broadcast(_gradientFloorM), gvFloor = V.Broadcast(_gradientFloorV);
        uint key = _roundingKey;
        int i = start;
        for (; i <= n - V.Count; i += V.Count)
        {
            V pv = V.Load(ref p, i);
            V gv = V.Add(V.Multiply(V.Load(ref g, i), scale), V.Multiply(pv, l2));
            V gm = FlushToZero.Below(gv, gmFloor), gq = FlushToZero.Below(gv, gvFloor);
            V mv = FlushToZero.Below(V.Add(V.Multiply(S.Load<V>(ref m, i), b1), V.Multiply(gm, c1)), mFloor);
            V vv = FlushToZero.Below(V.Add(V.Multiply(S.Load<V>(ref v, i), b2), V.Multiply(V.Multiply(gq, gq), c2)), vFloor);
            // One 32-bit hash rounds both moments: its low half m, its high half v.
            V noise = S.Rounds ? V.CounterHash((uint)(offset + i), key) : V.Zero;
            S.Store(mv, noise, 0, ref m, i);
            S.Store(vv, noise, 16, ref v, i);
            V denominator = V.Add(V.Multiply(V.SquareRoot(vv), invSqrtBc2), eps);
            V.Store(V.Subtract(V.Multiply(pv, shrink), V.Divide(V.Multiply(mv, stepSize), denominator)), ref p, i);
        }
        return i;
    }
}

/// <summary>AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, <c>p *= 1 - lr * decay</c> before the
/// Adam update, as PyTorch's <c>torch.optim.AdamW</c> (whose default decay is 0.01; set
/// <see cref="Optimizer.WeightDecay"/>).</summary>
public sealed class AdamW(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    : Adam(learningRate, beta1, beta2, epsilon)
{
    private protected override bool DecoupledDecay => true;

    /// <inheritdoc/>
    public override string Name => "adamw";
}
