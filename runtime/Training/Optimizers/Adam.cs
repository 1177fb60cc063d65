using System;
using System.Globalization;
using System.Numerics;
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
    }

    private protected override void Update(Span<float> values, ReadOnlySpan<float> gradients, int offset, float gradientScale)
    {
        float b1 = Beta1, b2 = Beta2, c1 = 1f - Beta1, c2 = 1f - Beta2, eps = Epsilon;
        float stepSize = _stepSize, invSqrtBc2 = _inverseSqrtCorrection2, shrink = _decoupledDecay;
        float l2 = DecoupledDecay ? 0f : WeightDecay;
        float mFloor = _mFloor, vFloor = _vFloor, gmFloor = _gradientFloorM, gvFloor = _gradientFloorV;
        Vector<float> mFloors = new(mFloor), vFloors = new(vFloor), gmFloors = new(gmFloor), gvFloors = new(gvFloor);
        ref float p = ref MemoryMarshal.GetReference(values);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(GetState(0).AsSpan(offset, values.Length));
        ref float v = ref MemoryMarshal.GetReference(GetState(1).AsSpan(offset, values.Length));
        int n = values.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var pv = Vector.LoadUnsafe(ref p, (nuint)i);
            var gv = Vector.LoadUnsafe(ref g, (nuint)i) * gradientScale + pv * l2;
            var gm = FlushToZero.Below(gv, gmFloors);
            var gq = FlushToZero.Below(gv, gvFloors);
            var mv = FlushToZero.Below(Vector.LoadUnsafe(ref m, (nuint)i) * b1 + gm * c1, mFloors);
            var vv = FlushToZero.Below(Vector.LoadUnsafe(ref v, (nuint)i) * b2 + gq * gq * c2, vFloors);
            mv.StoreUnsafe(ref m, (nuint)i);
            vv.StoreUnsafe(ref v, (nuint)i);
            var denominator = Vector.SquareRoot(vv) * invSqrtBc2 + new Vector<float>(eps);
            (pv * shrink - mv * stepSize / denominator).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            float pi = Unsafe(ref p, i);
            float gi = Unsafe(ref g, i) * gradientScale + pi * l2;
            float gm = FlushToZero.Below(gi, gmFloor), gq = FlushToZero.Below(gi, gvFloor);
            float mi = FlushToZero.Below(Unsafe(ref m, i) * b1 + gm * c1, mFloor);
            float vi = FlushToZero.Below(Unsafe(ref v, i) * b2 + gq * gq * c2, vFloor);
            Unsafe(ref m, i) = mi;
            Unsafe(ref v, i) = vi;
            float denominator = MathF.Sqrt(vi) * invSqrtBc2 + eps;
            Unsafe(ref p, i) = pi * shrink - mi * stepSize / denominator;
        }
    }

    private static ref float Unsafe(ref float start, int i) => ref System.Runtime.CompilerServices.Unsafe.Add(ref start, i);
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
