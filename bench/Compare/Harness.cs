using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NetCompiler.Bench;

/// <summary>One timing: the median seconds per call over the repetitions, and their spread.</summary>
internal readonly record struct Timing(double SecondsPerCall, double MinSecondsPerCall, double MaxSecondsPerCall, long CallsPerRepetition, int Repetitions);

/// <summary>The <c>compare</c> command's Stopwatch harness: warm up, then time several repetitions of a number of
/// calls sized to a target duration, and take the median. Simpler than BenchmarkDotNet (no outlier removal, no
/// separate process) but quick enough to time everything in one run, with numbers close to BenchmarkDotNet's.</summary>
internal sealed class Harness(double warmupSeconds, double repetitionSeconds, int repetitions)
{
    private static float s_sink;
    private double _overhead = double.NaN;

    /// <summary>Timed repetitions per measurement.</summary>
    public int Repetitions => repetitions;

    /// <summary>Target duration of one repetition, in seconds.</summary>
    public double RepetitionSeconds => repetitionSeconds;

    /// <summary>Times <paramref name="call"/>. Its result is kept so the JIT cannot drop the work.</summary>
    public Timing Measure(Func<float> call)
    {
        if (double.IsNaN(_overhead)) _overhead = MeasureRaw(static () => 0f).SecondsPerCall;
        var raw = MeasureRaw(call);
        // The harness itself costs a delegate call per call (about 1-2 ns); subtract it, as BenchmarkDotNet does, so
        // the nanosecond-scale rows are not inflated by it.
        double o = Math.Min(_overhead, raw.MinSecondsPerCall);
        return raw with
        {
            SecondsPerCall = raw.SecondsPerCall - o,
            MinSecondsPerCall = raw.MinSecondsPerCall - o,
            MaxSecondsPerCall = raw.MaxSecondsPerCall - o,
        };
    }

    private Timing MeasureRaw(Func<float> call)
    {
        float sink = 0;
        // Warm-up in growing chunks, until at least warmupSeconds have passed and two chunks in a row agree within
        // 10% (tiered compilation, e.g. of the interpreted path, takes about a second to settle), at most 3x longer.
        var warm = Stopwatch.StartNew();
        long chunk = 1;
        double previous = double.MaxValue, perCall;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < chunk; i++) sink += call();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            perCall = seconds / chunk;
            double elapsed = warm.Elapsed.TotalSeconds;
            if (elapsed >= 3 * warmupSeconds) break;
            if (elapsed >= warmupSeconds && Math.Abs(perCall - previous) <= 0.1 * previous) break;
            previous = perCall;
            if (seconds < 0.05) chunk *= 2;
        }

        long calls = Math.Max(1, (long)(repetitionSeconds / perCall));
        var samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++) sink += call();
            samples[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        }
        s_sink += sink;
        Array.Sort(samples);
        return new Timing(Median(samples), samples[0], samples[^1], calls, repetitions);
    }

    /// <summary>Median of sorted values.</summary>
    public static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>Keeps <see cref="s_sink"/> observable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Sink() => s_sink;
}
