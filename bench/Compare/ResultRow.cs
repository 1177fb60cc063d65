using System;

namespace NetCompiler.Bench;

/// <summary>How a row turns seconds per call into the number it shows.</summary>
/// <param name="Unit">Shown in the unit column, e.g. <c>ns/step</c>.</param>
/// <param name="FromSecondsPerCall">The conversion.</param>
internal sealed record Metric(string Unit, Func<double, double> FromSecondsPerCall)
{
    /// <summary>A time per call, in <paramref name="unit"/> (ns, us, ms or s).</summary>
    public static Metric Time(string unit, string per) => new($"{unit}/{per}", unit switch
    {
        "ns" => s => s * 1e9,
        "us" => s => s * 1e6,
        "ms" => s => s * 1e3,
        "s" => s => s,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "ns, us, ms or s"),
    });

    /// <summary>A time per call scaled to <paramref name="calls"/> calls (e.g. the steps of an epoch), in seconds.</summary>
    public static Metric ScaledSeconds(string per, int calls) => new($"s/{per}", s => s * calls);

    /// <summary>Samples per second when each call processes <paramref name="samplesPerCall"/> samples.</summary>
    public static Metric Throughput(int samplesPerCall) => PerSecond("samples", samplesPerCall);

    /// <summary>Items (samples, characters) per second when each call processes <paramref name="itemsPerCall"/> of them.</summary>
    public static Metric PerSecond(string items, int itemsPerCall) => new($"{items}/s", s => itemsPerCall / s);
}

/// <summary>One line of the <c>compare</c> table: a workload's timings per variant (null when a variant does not
/// exist or could not run), how to show them, and notes. <see cref="CompiledOneThread"/> is the compiled code with
/// the runtime's worker pool limited to the calling thread (measured for the W3 rows only).</summary>
internal sealed record ResultRow(string Workload, Metric Metric, Timing? Compiled, Timing? Interpreted,
    Timing? TorchSharp1, Timing? TorchSharp2, string Notes, Timing? CompiledOneThread = null)
{
    /// <summary>The shown value of a timing, or null.</summary>
    public double? Value(Timing? timing) => timing is { } t ? Metric.FromSecondsPerCall(t.SecondsPerCall) : null;

    /// <summary>How many times faster the compiled code is than <paramref name="other"/> (above 1: faster).</summary>
    public double? Speedup(Timing? other) =>
        Compiled is { } c && other is { } o ? o.SecondsPerCall / c.SecondsPerCall : null;

    /// <summary>The faster of the two TorchSharp timings, or null when TorchSharp did not run.</summary>
    public Timing? BestTorchSharp => (TorchSharp1, TorchSharp2) switch
    {
        ({ } one, { } two) => one.SecondsPerCall <= two.SecondsPerCall ? one : two,
        ({ } one, null) => one,
        (null, { } two) => two,
        _ => null,
    };
}
