using System;
using System.Diagnostics;

namespace NetCompiler.Definitions.Training;

/// <summary>A one-line live progress bar (epoch, samples, samples/s, loss, ETA) redrawn in place on a terminal at
/// most ten times a second. When the output is redirected (CI logs) it prints a plain line at each quarter of an
/// epoch instead, so logs stay readable.</summary>
public sealed class ProgressBar
{
    private const int Width = 30;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private int _lastQuarter = -1;
    private int _drawnLength;

    /// <summary>Shows the state after a batch.</summary>
    public void Update(BatchProgress p)
    {
        bool last = p.Batch == p.BatchesPerEpoch;
        if (_interactive)
        {
            if (!last && _sinceDraw.ElapsedMilliseconds < 100) return;
            _sinceDraw.Restart();
            string line = Format(p);
            Console.Write("\r" + line.PadRight(_drawnLength));
            _drawnLength = line.Length;
            if (last) { Console.WriteLine(); _drawnLength = 0; }
            return;
        }
        int quarter = (int)(4 * p.EpochSamplesDone / p.EpochSamples);
        if (p.Batch == 1) _lastQuarter = 0;
        if (quarter > _lastQuarter)
        {
            _lastQuarter = quarter;
            Console.WriteLine(Format(p));
        }
    }

    /// <summary>Ends a line left open by an interrupted epoch.</summary>
    public void Finish()
    {
        if (_interactive && _drawnLength > 0) Console.WriteLine();
        _drawnLength = 0;
    }

    internal static string Format(BatchProgress p)
    {
        double fraction = (double)p.EpochSamplesDone / p.EpochSamples;
        int filled = (int)Math.Round(fraction * Width);
        string bar = new string('#', filled) + new string('.', Width - filled);
        double remaining = p.SamplesPerSecond > 0 ? (p.EpochSamples - p.EpochSamplesDone) / p.SamplesPerSecond : 0;
        return $"epoch {p.Epoch}/{p.Epochs} [{bar}] {p.EpochSamplesDone,6:N0}/{p.EpochSamples:N0}  {p.SamplesPerSecond,9:N0} samples/s  loss {p.Loss:F4}  ETA {Duration(remaining)}";
    }

    /// <summary>Seconds as m:ss (or h:mm:ss).</summary>
    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
    }
}
