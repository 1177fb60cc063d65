using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace NetCompiler.Bench;

/// <summary>One timing: the median seconds per call over the repetitions, and their spread.</summary>
internal readonly record struct Timing(double SecondsPerCall, double MinSecondsPerCall, double MaxSecondsPerCall, long CallsPerRepetition, int Repetitions);

/// <summary>One thing to time: a call, and what to set around it (e.g. the worker pool's thread count).</summary>
/// <param name="Name">For the progress output.</param>
/// <param name="Call">One call (a step, an inference); its result is kept so the JIT cannot drop the work.</param>
/// <param name="Enter">Run before each warm-up and repetition, untimed; <paramref name="Exit"/> after.</param>
internal sealed record Variant(string Name, Func<float> Call, Action? Enter = null, Action? Exit = null);

/// <summary>The <c>compare</c> command's Stopwatch harness. Each variant of a row is warmed up, then the variants'
/// timed repetitions are interleaved (variant 1, 2, 3, ..., then 1, 2, 3, ... again), each repetition running
/// enough calls to last a target duration, and each variant's median is taken. Interleaving matters on a shared
/// VM: slow phases of the host (seconds long, seen as the same code running 30% slower for a while) then fall on
/// every variant alike instead of on whichever ran at the time, so the ratios hold. Simpler than BenchmarkDotNet
/// (no outlier removal, no separate process) but quick enough to time everything in one run.</summary>
internal sealed class Harness(double warmupSeconds, double repetitionSeconds, int repetitions)
{
    private static float s_sink;
    private double _overhead = double.NaN;

    /// <summary>Timed repetitions per variant.</summary>
    public int Repetitions => repetitions;

    /// <summary>Target duration of one repetition, in seconds.</summary>
    public double RepetitionSeconds => repetitionSeconds;

    /// <summary>Minimum warm-up per variant, in seconds.</summary>
    public double WarmupSeconds => warmupSeconds;

    /// <summary>Times the variants; a variant that throws gets null (and <paramref name="log"/> says why) while
    /// the others go on.</summary>
    public Timing?[] Measure(IReadOnlyList<Variant> variants, Action<string> log)
    {
        // The harness costs a delegate call per call (1-2 ns): measure it once and subtract it, as BenchmarkDotNet
        // does, so that the nanosecond-scale rows are not inflated by it.
        if (double.IsNaN(_overhead))
        {
            var empty = new Variant("empty call", static () => 0f);
            long n = WarmUp(empty);
            var overhead = new double[repetitions];
            for (int r = 0; r < repetitions; r++) overhead[r] = Repeat(empty, n);
            Array.Sort(overhead);
            _overhead = Median(overhead);
        }

        int count = variants.Count;
        var calls = new long[count];
        var samples = new double[count][];
        var failed = new bool[count];
        for (int v = 0; v < count; v++)
        {
            samples[v] = new double[repetitions];
            failed[v] = !Try(variants[v], log, () => calls[v] = WarmUp(variants[v]));
        }
        for (int r = 0; r < repetitions; r++)
            for (int v = 0; v < count; v++)
                if (!failed[v]) failed[v] = !Try(variants[v], log, () => samples[v][r] = Repeat(variants[v], calls[v]));

        var timings = new Timing?[count];
        for (int v = 0; v < count; v++)
        {
            if (failed[v]) continue;
            var s = samples[v];
            Array.Sort(s);
            double o = Math.Min(_overhead, s[0]);
            timings[v] = new Timing(Median(s) - o, s[0] - o, s[^1] - o, calls[v], repetitions);
        }
        return timings;
    }

    /// <summary>Median of sorted values.</summary>
    public static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>The sum of every call's result, so that no call is dead code.</summary>
    public static float Sink => s_sink;

    private static bool Try(Variant variant, Action<string> log, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log($"{variant.Name}: failed, reported as n/a: {e.GetType().Name}: {e.Message.Split('\n', 2)[0]}");
            return false;
        }
    }

    /// <summary>Warm-up in growing chunks, until at least the warm-up time has passed and two chunks in a row agree
    /// within 10% (tiered compilation, e.g. of the interpreted path, takes about a second to settle), at most three
    /// times as long. Returns the calls per repetition that last about the repetition time.</summary>
    private long WarmUp(Variant variant)
    {
        variant.Enter?.Invoke();
        try
        {
            float sink = 0;
            var warm = Stopwatch.StartNew();
            long chunk = 1;
            double previous = double.MaxValue, perCall;
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                for (long i = 0; i < chunk; i++) sink += variant.Call();
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                perCall = seconds / chunk;
                double elapsed = warm.Elapsed.TotalSeconds;
                if (elapsed >= 3 * warmupSeconds) break;
                if (elapsed >= warmupSeconds && Math.Abs(perCall - previous) <= 0.1 * previous) break;
                previous = perCall;
                if (seconds < 0.05) chunk *= 2;
            }
            s_sink += sink;
            return Math.Max(1, (long)(repetitionSeconds / perCall));
        }
        finally
        {
            variant.Exit?.Invoke();
        }
    }

    /// <summary>One timed repetition: seconds per call.</summary>
    private static double Repeat(Variant variant, long calls)
    {
        // Start from a clean heap, so that one variant's garbage is not collected on another's time.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        variant.Enter?.Invoke();
        try
        {
            float sink = 0;
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++) sink += variant.Call();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            s_sink += sink;
            return seconds / calls;
        }
        finally
        {
            variant.Exit?.Invoke();
        }
    }
}
