using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace NetCompiler;

/// <summary>Updates a network's parameters from the gradients that <see cref="INetwork.ComputeGradients"/> (or the
/// interpreted path) left in <see cref="ParameterStore.Gradients"/> — already averaged over the batch, as in the
/// seeds' <c>update_mini_batch</c>. One <see cref="Step(ParameterStore)"/> is a single vectorized pass per parameter that applies
/// clipping, weight decay and the rule's own state together; frozen parameters are skipped and stay bit-identical.
/// An optimizer belongs to one <see cref="ParameterStore"/>; its state arrays are allocated on first use (or by
/// <see cref="Attach"/>), after which a step allocates nothing.</summary>
public abstract class Optimizer
{
    private readonly float[][] _state;
    private int _attachedCount = -1;

    /// <summary>Creates the optimizer with <paramref name="stateSlots"/> per-parameter state arrays.</summary>
    private protected Optimizer(LearningRateSchedule learningRate, IReadOnlyList<string> stateSlots)
    {
        LearningRate = learningRate ?? throw new ArgumentNullException(nameof(learningRate));
        StateSlots = stateSlots;
        _job = new UpdateJob(this);
        _state = new float[stateSlots.Count][];
        for (int i = 0; i < _state.Length; i++) _state[i] = [];
    }

    /// <summary>The learning-rate schedule, queried with <see cref="StepCount"/>.</summary>
    public LearningRateSchedule LearningRate { get; }

    /// <summary>Weight decay factor (0 = none). <see cref="Sgd"/> and <see cref="Adam"/> add it to the gradient as L2
    /// regularization (<c>g + decay * p</c>); <see cref="AdamW"/> decouples it (<c>p -= lr * decay * p</c>).</summary>
    public float WeightDecay
    {
        get;
        init => field = float.IsFinite(value) && value >= 0f ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "Weight decay must be finite and not negative.");
    }

    /// <summary>Clip gradients by their global L2 norm over all trainable parameters (seed 002, 3.5.3): when the
    /// norm exceeds this, every gradient is scaled by <c>max / (norm + 1e-6)</c> as PyTorch's
    /// <c>clip_grad_norm_</c> does. Infinity (the default) disables clipping. The gradients are scaled inside the
    /// update; <see cref="ParameterStore.Gradients"/> keeps the unclipped values.</summary>
    public float MaxGradientNorm
    {
        get;
        init => field = value > 0f ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxGradientNorm), value, "The clipping norm must be positive (use infinity for no clipping).");
    } = float.PositiveInfinity;

    /// <summary>Updates applied so far; the schedule is evaluated at this step. Restored from checkpoints.</summary>
    public long StepCount { get; private set; }

    /// <summary>The global gradient norm of the last step, when clipping computed it (NaN otherwise).</summary>
    public float LastGradientNorm { get; private set; } = float.NaN;

    /// <summary>The short name of the rule, as checkpoints record it (<c>sgd</c>, <c>adam</c>, <c>adamw</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The names of the per-parameter state arrays (e.g. <c>m</c>, <c>v</c>), for checkpoints.</summary>
    public IReadOnlyList<string> StateSlots { get; }

    /// <summary>How the per-parameter state is stored (float32 unless the optimizer offers and is given another).</summary>
    public virtual StatePrecision StatePrecision => StatePrecision.Float32;

    /// <summary>State array number <paramref name="slot"/>, laid out like <see cref="ParameterStore.Values"/>
    /// (empty before <see cref="Attach"/> or the first step), when it is stored as float32. For any precision,
    /// <see cref="CopyState"/> and <see cref="SetState"/> read and write it as floats.</summary>
    /// <exception cref="InvalidOperationException">The state is stored in bfloat16.</exception>
    public float[] GetState(int slot)
    {
        if (StatePrecision != StatePrecision.Float32)
            throw new InvalidOperationException($"This {Name} optimizer stores its state in {StatePrecision}; read it with CopyState and write it with SetState.");
        return _state[slot];
    }

    /// <summary>Copies state array number <paramref name="slot"/> (one value per parameter element, in
    /// <see cref="ParameterStore.Values"/>' layout) into <paramref name="destination"/> as floats: bfloat16 state widened
    /// exactly.</summary>
    /// <exception cref="InvalidOperationException">The optimizer is not attached yet (<see cref="Attach"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/>'s length is not the parameter count, or there is
    /// no state array <paramref name="slot"/>.</exception>
    public void CopyState(int slot, Span<float> destination)
    {
        CheckStateSpan(slot, destination.Length, nameof(destination));
        if (StatePrecision == StatePrecision.Float32) { _state[slot].CopyTo(destination); return; }
        var bits = CompactState(slot);
        for (int i = 0; i < bits.Length; i++) destination[i] = BFloat16.Widen(bits[i]);
    }

    /// <summary>Overwrites state array number <paramref name="slot"/> with <paramref name="source"/> (checkpoint loading),
    /// rounding each value to the nearest bfloat16 when the state is stored so; the values are not checked.</summary>
    /// <exception cref="InvalidOperationException">The optimizer is not attached yet (<see cref="Attach"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/>'s length is not the parameter count, or there is no
    /// state array <paramref name="slot"/>.</exception>
    public void SetState(int slot, ReadOnlySpan<float> source)
    {
        CheckStateSpan(slot, source.Length, nameof(source));
        if (StatePrecision == StatePrecision.Float32) { source.CopyTo(_state[slot]); return; }
        var bits = CompactState(slot);
        for (int i = 0; i < bits.Length; i++) bits[i] = BFloat16.RoundToNearest(source[i]);
    }

    private void CheckStateSpan(int slot, int length, string name)
    {
        if ((uint)slot >= (uint)_state.Length) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"This {Name} optimizer has {_state.Length} state arrays ({string.Join(", ", StateSlots)}).");
        if (_attachedCount < 0) throw new InvalidOperationException($"This {Name} optimizer holds no state yet: attach it to a network's parameters first (Attach).");
        if (length != _attachedCount) throw new ArgumentException($"The state has one value per parameter element ({_attachedCount}); the span has {length}.", name);
    }

    /// <summary>State array number <paramref name="slot"/> stored as bfloat16 (<see cref="StatePrecision.BFloat16"/>):
    /// two values per float of the aligned array behind it.</summary>
    private protected Span<ushort> CompactState(int slot) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<float, ushort>(_state[slot].AsSpan()).Slice(0, Math.Max(0, _attachedCount));

    /// <summary>Allocates the state for <paramref name="store"/> (zeroed) if not done yet.</summary>
    /// <exception cref="InvalidOperationException">The optimizer is already attached to storage of another size.</exception>
    public void Attach(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (_attachedCount == store.Count) return;
        if (_attachedCount >= 0)
            throw new InvalidOperationException($"This {Name} optimizer holds state for {_attachedCount} parameters; the network has {store.Count}. Create one optimizer per network.");
        // bfloat16 state packs two values into each float of an aligned array (its element 0 on a cache line too).
        int floats = StatePrecision == StatePrecision.Float32 ? store.Count : (store.Count + 1) / 2;
        for (int i = 0; i < _state.Length; i++) _state[i] = AlignedArrays.Allocate(floats);
        _attachedCount = store.Count;
    }

    /// <summary>Largest step count <see cref="RestoreStepCount"/> accepts: 2^53, beyond which a count is no longer exact
    /// as the double that schedules and Adam's bias correction compute with (and 285 years of steps at one per
    /// microsecond).</summary>
    public const long MaxStepCount = 1L << 53;

    /// <summary>Restores the step count (checkpoint loading; the state arrays are filled through <see cref="GetState"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> is negative or above <see cref="MaxStepCount"/>.</exception>
    public void RestoreStepCount(long stepCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepCount, MaxStepCount);
        StepCount = stepCount;
    }

    /// <summary>The first value in <paramref name="values"/>, loaded for state slot <paramref name="slot"/>, that no
    /// sequence of steps could have produced, with the reason; or null. A NaN never comes out of a step on finite
    /// gradients (the trainer applies no other), and it would turn every later update of its parameter into NaN.</summary>
    internal virtual string? ImpossibleState(int slot, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (float.IsNaN(values[i])) return $"NaN at index {i} (no step on finite gradients produces one)";
        return null;
    }

    /// <summary>Applies one update to every trainable parameter of <paramref name="store"/> from its gradients.</summary>
    public void Step(ParameterStore store) => Step(store, default);

    /// <summary>As <see cref="Step(ParameterStore)"/>, with the per-parameter gradient norms already computed
    /// (<see cref="GradientNorms.PerParameter"/>) so clipping does not read the gradients twice.</summary>
    public void Step(ParameterStore store, ReadOnlySpan<float> gradientNorms)
    {
        Attach(store);
        float scale = 1f;
        if (float.IsFinite(MaxGradientNorm))
        {
            float norm = gradientNorms.IsEmpty ? GradientNorms.Global(store) : GradientNorms.Global(store, gradientNorms);
            LastGradientNorm = norm;
            if (norm > MaxGradientNorm) scale = MaxGradientNorm / (norm + 1e-6f);
        }
        long t = StepCount + 1;
        BeginStep(t, CurrentRate());
        var layout = store.Layout;
        for (int i = 0; i < layout.Count; i++)
        {
            if (store.IsFrozen(i)) continue;
            UpdateParameter(store, layout[i], scale);
        }
        StepCount = t;
    }

    private long _fusedStep;

    /// <summary>Starts a step that generated code fuses into backward, updating each parameter through
    /// <see cref="UpdateFused(ParameterStore, int)"/> as soon as its gradient is final, then calling <see cref="EndFusedStep"/>.
    /// Returns false when the step cannot be fused: gradient clipping needs the global norm of every gradient
    /// first, so the caller runs <see cref="Step(ParameterStore)"/> after the gradients instead.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool BeginFusedStep(ParameterStore store)
    {
        if (float.IsFinite(MaxGradientNorm)) return false;
        Attach(store);
        _fusedStep = StepCount + 1;
        BeginStep(_fusedStep, CurrentRate());
        return true;
    }

    /// <summary>Updates parameter <paramref name="index"/> of <paramref name="store"/> from its final gradient, within a
    /// fused step (see <see cref="BeginFusedStep"/>); frozen parameters are skipped.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void UpdateFused(ParameterStore store, int index) => UpdateFused(store, index, WorkerPool.MaxThreads);

    /// <summary>As <see cref="UpdateFused(ParameterStore, int)"/>, cut into at most <paramref name="parts"/> parts (the
    /// parts its gradient's product was cut into, see <see cref="CompiledSupport.UpdateParameter(ParameterStore, int, Optimizer?, float, int)"/>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void UpdateFused(ParameterStore store, int index, int parts)
    {
        if (_fusedStep != StepCount + 1) throw new InvalidOperationException("UpdateFused outside BeginFusedStep / EndFusedStep.");
        if (store.IsFrozen(index)) return;
        UpdateParameter(store, store.Layout[index], 1f, parts);
    }

    /// <summary>Updates the elements [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="store"/> from
    /// their final gradients within a fused step, on the calling thread, whichever parameters they belong to (frozen ones
    /// are skipped): one slice of a gradient combined across cores (<see cref="DataParallelGradients"/>), updated by the
    /// thread that summed it. Elements are independent, so the result is the same bits as whole-parameter updates.</summary>
    internal void UpdateFusedRange(ParameterStore store, int start, int end)
    {
        if (_fusedStep != StepCount + 1) throw new InvalidOperationException("UpdateFusedRange outside BeginFusedStep / EndFusedStep.");
        foreach (var (from, to) in store.TrainableRuns(start, end))
            Update(store.Values.AsSpan(from, to - from), store.Gradients.AsSpan(from, to - from), from, 1f);
    }

    /// <summary>Parameters with at least this many elements are updated on both cores (see <see cref="WorkerPool"/>):
    /// an Adam update reads and writes 28 bytes per element, so a 512 x 512 weight is 7 MB of memory traffic.</summary>
    internal const int ParallelUpdateMinimum = 1 << 16;

    // Made with the optimizer, not on first use: that first use may come late (whenever the pool is first free),
    // inside a training step that must not allocate.
    private readonly UpdateJob _job;

    /// <summary>Updates one parameter, split over the worker pool (into at most <paramref name="maxParts"/> parts) when it
    /// is large (elements are independent, so the result is the same bits however it is split).</summary>
    private void UpdateParameter(ParameterStore store, ParameterInfo p, float scale, int maxParts = WorkerPool.MaxThreads)
    {
        int parts = Math.Min(Math.Min(WorkerPool.Threads, maxParts), p.Length / (ParallelUpdateMinimum / 2));
        if (parts > 1 && WorkerPool.TryAcquire())
        {
            var job = _job;
            (job.Store, job.Offset, job.Length, job.Scale, job.Parts) = (store, p.Offset, p.Length, scale, parts);
            WorkerPool.RunAcquired(job, parts);
            job.Store = null;
            return;
        }
        Update(store.Values.AsSpan(p.Offset, p.Length), store.Gradients.AsSpan(p.Offset, p.Length), p.Offset, scale);
    }

    /// <summary>One parameter's update cut into parts at multiples of 64 elements.</summary>
    private sealed class UpdateJob(Optimizer owner) : IPartedWork
    {
        public ParameterStore? Store;
        public int Offset, Length, Parts;
        public float Scale;

        public void RunPart(int part)
        {
            int blocks = Length / 64;
            int start = blocks * part / Parts * 64;
            int end = part == Parts - 1 ? Length : blocks * (part + 1) / Parts * 64;
            var store = Store!;
            owner.Update(store.Values.AsSpan(Offset + start, end - start), store.Gradients.AsSpan(Offset + start, end - start), Offset + start, Scale);
        }
    }

    /// <summary>Ends a fused step: counts it, as <see cref="Step(ParameterStore)"/> does.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndFusedStep()
    {
        if (_fusedStep != StepCount + 1) throw new InvalidOperationException("EndFusedStep without BeginFusedStep.");
        StepCount = _fusedStep;
    }

    /// <summary>The schedule's rate for the next update, checked: a user-written schedule that returns NaN, an infinity
    /// or a negative rate is refused before any parameter changes, rather than turning every parameter into NaN.</summary>
    private float CurrentRate()
    {
        float rate = LearningRate.At(StepCount);
        if (!float.IsFinite(rate) || rate < 0f)
            throw new InvalidOperationException($"The learning-rate schedule {LearningRate} returned {rate} for step {StepCount}; a learning rate must be finite and not negative.");
        return rate;
    }

    /// <summary>Prepares the per-step constants for update number <paramref name="t"/> (1-based) at
    /// <paramref name="learningRate"/>.</summary>
    private protected abstract void BeginStep(long t, float learningRate);

    /// <summary>Updates one parameter: <paramref name="offset"/> locates it in the state arrays;
    /// <paramref name="gradientScale"/> is the clipping factor.</summary>
    private protected abstract void Update(Span<float> values, ReadOnlySpan<float> gradients, int offset, float gradientScale);
}
