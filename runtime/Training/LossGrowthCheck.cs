using System;

namespace NetCompiler;

/// <summary>Notices a loss that grows by orders of magnitude while staying finite: with a learning rate far too high
/// under Adam, whose steps are bounded, the parameters run away without ever overflowing, and training would
/// otherwise "finish" at a loss of 1e22. A running mean of the batch losses (so one odd batch does not count) is
/// compared with the first batch's loss of the <see cref="Trainer.Fit"/> call: a healthy run never ends up
/// <see cref="Factor"/> times above where it started, a diverging one gets there within a few updates. The reference
/// is at least 1, so that noise on a run that starts near zero loss (a converged model, resumed) is not flagged.</summary>
internal struct LossGrowthCheck
{
    /// <summary>How many times its reference the running loss may grow.</summary>
    public const double Factor = 1e4;

    private const double NewestWeight = 0.1;   // of the newest batch in the running mean: it spans about ten batches

    private double _first, _running;
    private bool _started;

    /// <summary>Takes the next batch loss as the reference again (a new <see cref="Trainer.Fit"/> call).</summary>
    public void Restart() => _started = false;

    /// <summary>Adds a finite batch loss to the running mean; returns a description of the growth when the mean is
    /// more than <see cref="Factor"/> times the reference, else null.</summary>
    public string? Observe(float loss)
    {
        if (!_started)
        {
            (_first, _running, _started) = (loss, loss, true);
            return null;
        }
        _running += NewestWeight * (loss - _running);
        if (_running <= Factor * Math.Max(_first, 1.0)) return null;
        return $"the loss grew from {_first:G3} (first batch of this run) to {_running:G3} (running mean of the recent batches; " +
            $"this batch {loss:G3}), more than {Factor:N0} times";
    }
}
