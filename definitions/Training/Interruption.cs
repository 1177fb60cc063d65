using System;
using System.Threading;

namespace NetCompiler.Definitions.Training;

/// <summary>Ctrl+C in the main job, from the start of training until the job ends: every press only asks the job to
/// stop at the next safe point (<see cref="Token"/>) and says what is being finished, however often it comes. The
/// default handler would kill the process, and in a checkpoint write that loses the checkpoint; so a write is never
/// cut short, and the user is told why the job has not stopped yet.</summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile string _finishing = "the current step";
    private int _presses;

    /// <summary>Starts handling Ctrl+C.</summary>
    public Interruption() => Console.CancelKeyPress += OnCancelKeyPress;

    /// <summary>Signalled at the first Ctrl+C.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether Ctrl+C was pressed.</summary>
    public bool Requested => _stop.IsCancellationRequested;

    /// <summary>Says what a Ctrl+C from now on waits for before the job stops, as the message shows it, e.g. <c>the
    /// current step, then writing a checkpoint</c>.</summary>
    public void NowFinishing(string what) => _finishing = what;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        bool again = Interlocked.Increment(ref _presses) > 1;
        _stop.Cancel();
        Console.Error.WriteLine();
        Console.Error.WriteLine(again
            ? $"interrupted again: still finishing {_finishing}; it is not cut short, so no checkpoint is lost or left partial. The job stops right after it."
            : $"interrupted: finishing {_finishing}, then stopping.");
    }

    /// <summary>Stops handling Ctrl+C. The token source is not disposed: a press that races with this must still be
    /// able to signal it, and without timers it holds nothing to release.</summary>
    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;
}
