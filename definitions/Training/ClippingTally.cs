using System;
using System.Globalization;

namespace NetCompiler.Definitions.Training;

/// <summary>What gradient clipping by global norm did over an epoch: the global norms the optimizer measured before
/// each update (<see cref="Optimizer.LastGradientNorm"/>) and how many of them it scaled down to
/// <see cref="Optimizer.MaxGradientNorm"/>. The per-parameter norms of the main job's report are the unclipped
/// gradients; this line is what shows that clipping is on and how often it acts.</summary>
public sealed class ClippingTally(Optimizer optimizer)
{
    private int _updates, _clipped;
    private double _sum;
    private float _max;

    /// <summary>Records the update just applied (call after every step); nothing when clipping is off.</summary>
    public void Observe()
    {
        float norm = optimizer.LastGradientNorm;
        if (!float.IsFinite(optimizer.MaxGradientNorm) || float.IsNaN(norm)) return;
        _updates++;
        _sum += norm;
        _max = Math.Max(_max, norm);
        if (norm > optimizer.MaxGradientNorm) _clipped++;
    }

    /// <summary>The epoch's line (null when clipping is off or no update was observed), then starts a new epoch.</summary>
    public string? TakeEpochLine()
    {
        string? line = _updates == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"  global gradient norm (mean / max): {_sum / _updates:G3} / {_max:G3}; clipped to {optimizer.MaxGradientNorm:G3} in {_clipped:N0} of {_updates:N0} updates ({100.0 * _clipped / _updates:F1}%)");
        (_updates, _clipped, _sum, _max) = (0, 0, 0, 0);
        return line;
    }
}
