using System;

namespace NetCompiler;

/// <summary>A learning rate as a function of the optimizer step (0 for the first update). A plain
/// <see cref="float"/> converts to a <see cref="ConstantSchedule"/>, so <c>new Sgd(0.1f)</c> reads naturally.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate of update number <paramref name="step"/> (0-based).</summary>
    public abstract float At(long step);

    /// <summary>A short description for logs, e.g. <c>cosine 0.001 -> 0 over 4690 steps</c>.</summary>
    public abstract override string ToString();

    /// <summary>A constant learning rate.</summary>
    public static implicit operator LearningRateSchedule(float learningRate) => new ConstantSchedule(learningRate);

    /// <summary>Checks a rate is finite and not negative.</summary>
    internal static float CheckRate(float rate, string name)
    {
        if (!float.IsFinite(rate) || rate < 0f) ThrowRate(rate, name);
        return rate;
    }

    // Out of line: a check inlined into a small network's training step should cost a compare, not the JIT's inlining budget.
    [System.Diagnostics.CodeAnalysis.DoesNotReturn, System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowRate(float rate, string name) =>
        throw new ArgumentOutOfRangeException(name, rate, "A learning rate must be finite and not negative.");

    /// <summary>Checks a step count is positive.</summary>
    private protected static long CheckSteps(long steps, string name)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(name, steps, "The number of steps must be positive.");
        return steps;
    }
}

/// <summary>The same rate at every step.</summary>
public sealed class ConstantSchedule(float learningRate) : LearningRateSchedule
{
    /// <summary>The rate.</summary>
    public float LearningRate { get; } = CheckRate(learningRate, nameof(learningRate));

    /// <inheritdoc/>
    public override float At(long step) => LearningRate;

    /// <inheritdoc/>
    public override string ToString() => $"{LearningRate:G6}";
}

/// <summary>Step decay: <c>rate * gamma^floor(step / stepSize)</c> (PyTorch's StepLR, counted in updates).</summary>
public sealed class StepSchedule(float learningRate, long stepSize, float gamma) : LearningRateSchedule
{
    /// <summary>The initial rate.</summary>
    public float LearningRate { get; } = CheckRate(learningRate, nameof(learningRate));
    /// <summary>Updates between two decays.</summary>
    public long StepSize { get; } = CheckSteps(stepSize, nameof(stepSize));
    /// <summary>The factor applied at each decay.</summary>
    public float Gamma { get; } = CheckRate(gamma, nameof(gamma));

    /// <inheritdoc/>
    public override float At(long step) => (float)(LearningRate * Math.Pow(Gamma, Math.Max(0, step) / StepSize));

    /// <inheritdoc/>
    public override string ToString() => $"{LearningRate:G6} x {Gamma:G6} every {StepSize} steps";
}

/// <summary>Cosine annealing from <c>learningRate</c> at step 0 to <c>minimum</c> at <c>totalSteps</c>, then
/// <c>minimum</c>: <c>min + (rate - min) (1 + cos(pi step / total)) / 2</c>.</summary>
public sealed class CosineSchedule(float learningRate, long totalSteps, float minimum = 0f) : LearningRateSchedule
{
    /// <summary>The initial rate.</summary>
    public float LearningRate { get; } = CheckRate(learningRate, nameof(learningRate));
    /// <summary>Updates over which the rate decays.</summary>
    public long TotalSteps { get; } = CheckSteps(totalSteps, nameof(totalSteps));
    /// <summary>The final rate.</summary>
    public float Minimum { get; } = CheckRate(minimum, nameof(minimum));

    /// <inheritdoc/>
    public override float At(long step)
    {
        double progress = Math.Clamp((double)step / TotalSteps, 0.0, 1.0);
        return (float)(Minimum + (LearningRate - Minimum) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }

    /// <inheritdoc/>
    public override string ToString() => $"cosine {LearningRate:G6} -> {Minimum:G6} over {TotalSteps} steps";
}

/// <summary>Linear warmup in front of another schedule: update <c>s &lt; warmupSteps</c> uses
/// <c>after.At(0) * (s + 1) / warmupSteps</c>; later updates use <c>after.At(s - warmupSteps)</c>.</summary>
public sealed class WarmupSchedule(long warmupSteps, LearningRateSchedule after) : LearningRateSchedule
{
    /// <summary>Updates spent warming up.</summary>
    public long WarmupSteps { get; } = CheckSteps(warmupSteps, nameof(warmupSteps));
    /// <summary>The schedule that follows the warmup.</summary>
    public LearningRateSchedule After { get; } = after ?? throw new ArgumentNullException(nameof(after));

    /// <inheritdoc/>
    public override float At(long step) =>
        step < WarmupSteps ? (float)((double)After.At(0) * (Math.Max(0, step) + 1) / WarmupSteps) : After.At(step - WarmupSteps);

    /// <inheritdoc/>
    public override string ToString() => $"linear warmup over {WarmupSteps} steps, then {After}";
}
