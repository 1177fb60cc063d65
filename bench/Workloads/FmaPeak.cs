using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace NetCompiler.Bench;

/// <summary>The machine's single-precision FMA peak, the yardstick for every GEMM-bound result: a loop of fused
/// multiply-adds on <see cref="Accumulators"/> independent vector accumulators, with no loads or stores, on one
/// thread or on two dedicated threads at once. An FMA counts as 2 FLOPs per lane.
/// Why 12 accumulators: each accumulator is a dependency chain, and the FMA units only stay busy when there are
/// at least latency x throughput chains in flight (4 cycles x 2 per cycle = 8 on current x86 cores); 12 leaves
/// headroom and still fits the 16 (AVX2) or 32 (AVX-512) vector registers.</summary>
internal static class FmaPeak
{
    public const int Accumulators = 12;

    /// <summary>FLOPs of one loop iteration at a vector width of <paramref name="lanes"/> floats.</summary>
    public static double FlopsPerIteration(int lanes) => 2.0 * Accumulators * lanes;

    /// <summary>Whether the width can be measured here (otherwise the JIT would emulate it in software).</summary>
    public static bool IsSupported(int bits) => bits switch
    {
        512 => Vector512.IsHardwareAccelerated,
        256 => Vector256.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>The median GFLOP/s of <paramref name="repetitions"/> runs of about <paramref name="seconds"/> each,
    /// after a calibration run that also gets the loop compiled.</summary>
    public static double Median(int bits, int threads, double seconds, int repetitions)
    {
        const long calibration = 2_000_000;
        // Capped: a calibration timed too short (seen once on this VM) would otherwise ask for hours of iterations.
        double gflops = Math.Min(Run(bits, threads, calibration), 500.0 * threads);
        long iterations = Math.Max(calibration, (long)(seconds * gflops * 1e9 / threads / FlopsPerIteration(bits / 32)));
        var results = new double[repetitions];
        for (int r = 0; r < repetitions; r++) results[r] = Run(bits, threads, iterations);
        Array.Sort(results);
        return Harness.Median(results);
    }

    /// <summary>Runs <paramref name="iterations"/> iterations on each of <paramref name="threads"/> threads at
    /// once and returns the GFLOP/s of all threads together (wall time from the common start to the last finish).</summary>
    public static double Run(int bits, int threads, long iterations)
    {
        if (!IsSupported(bits)) throw new PlatformNotSupportedException($"Vector{bits} is not hardware accelerated here.");
        int lanes = bits / 32;
        if (threads == 1)
        {
            long start = Stopwatch.GetTimestamp();
            Sink += Loop(bits, iterations);
            return threads * iterations * FlopsPerIteration(lanes) / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }

        // Dedicated threads, released together by a barrier the timing thread also waits at, so the clock starts
        // when both start and neither finishes its share before the other has begun.
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        var results = new float[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() => { ready.SignalAndWait(); results[index] = Loop(bits, iterations); }) { IsBackground = true };
            workers[t].Start();
        }
        ready.SignalAndWait();
        long begin = Stopwatch.GetTimestamp();
        foreach (var worker in workers) worker.Join();
        double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        foreach (float r in results) Sink += r;
        return threads * iterations * FlopsPerIteration(lanes) / seconds / 1e9;
    }

    /// <summary>Keeps the loops' results alive so the JIT cannot drop them.</summary>
    public static float Sink;

    private static float Loop(int bits, long iterations) => bits == 512 ? Loop512(iterations) : Loop256(iterations);

    // acc = acc * m + c with m just below 1 converges to c / (1 - m) = 1: values stay normal (no denormal slowdown)
    // and finite however long the loop runs.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(0.000001f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = Vector512.Create(0.2f), a2 = Vector512.Create(0.3f),
            a3 = Vector512.Create(0.4f), a4 = Vector512.Create(0.5f), a5 = Vector512.Create(0.6f),
            a6 = Vector512.Create(0.7f), a7 = Vector512.Create(0.8f), a8 = Vector512.Create(0.9f),
            a9 = Vector512.Create(1.1f), a10 = Vector512.Create(1.2f), a11 = Vector512.Create(1.3f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(0.000001f);
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = Vector256.Create(0.2f), a2 = Vector256.Create(0.3f),
            a3 = Vector256.Create(0.4f), a4 = Vector256.Create(0.5f), a5 = Vector256.Create(0.6f),
            a6 = Vector256.Create(0.7f), a7 = Vector256.Create(0.8f), a8 = Vector256.Create(0.9f),
            a9 = Vector256.Create(1.1f), a10 = Vector256.Create(1.2f), a11 = Vector256.Create(1.3f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }
}
