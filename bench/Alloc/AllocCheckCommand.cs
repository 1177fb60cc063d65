using System;
using System.Diagnostics;
using System.Threading;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary>The <c>alloc-check</c> command: how many bytes compiled W3 inference at batch 128 allocates, counted the
/// way BenchmarkDotNet's MemoryDiagnoser counts (GC.GetTotalAllocatedBytes(precise: true), every thread of the
/// process) at 2 threads and at 1, once without and once with the GC.Collect() that BenchmarkDotNet does before each
/// reading, next to the same readings around no work at all. Random inputs; <c>--calls N</c> (default 10,000).
/// Not a timing benchmark.</summary>
internal static class AllocCheckCommand
{
    private const int Batch = 128;
    private const int Rounds = 5;
    /// <summary>Calls per GC.Collect-bracketed round: about what BenchmarkDotNet's pilot picks for a 1 ms call (a
    /// power of two near 500 ms of work).</summary>
    private const int RoundCalls = 512;

    public static int Run(ReadOnlySpan<string> args)
    {
        int calls = 10_000;
        if (args.Length == 2 && args[0] == "--calls" && int.TryParse(args[1], out int n) && n >= Rounds) calls = n;
        else if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: alloc-check [--calls N]");
            return 2;
        }

        var net = new WideMlpNet(seed: 1);
        var rng = new Random(1);
        var x = new float[Batch * WideMlpNet.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
        var y = new float[Batch * WideMlpNet.OutputSize];
        void Infer() => net.Infer(x, y, Batch);

        Console.WriteLine($"alloc-check: WideMlpNet.Infer at batch {Batch}, {calls:N0} calls per measurement; bytes from GC.GetTotalAllocatedBytes(precise: true), all threads");
        int saved = WorkerPool.Threads;
        foreach (int threads in new[] { 2, 1 })
        {
            WorkerPool.Threads = threads;
            for (int i = 0; i < 300; i++) Infer();
            Thread.Sleep(300);   // let tiered compilation finish its background work
            for (int i = 0; i < 300; i++) Infer();

            var clock = new Stopwatch();   // created outside the window: it is an object too
            long caller = GC.GetAllocatedBytesForCurrentThread();
            long total = GC.GetTotalAllocatedBytes(precise: true);
            clock.Start();
            for (int i = 0; i < calls; i++) Infer();
            clock.Stop();
            total = GC.GetTotalAllocatedBytes(precise: true) - total;
            caller = GC.GetAllocatedBytesForCurrentThread() - caller;
            Console.WriteLine($"WorkerPool.Threads = {threads}: {calls:N0} calls in a row ({clock.Elapsed.TotalMilliseconds / calls:F2} ms/call): " +
                $"{total} B on all threads, {caller} B on the calling thread");
            Console.WriteLine($"  with GC.Collect() before each reading (BenchmarkDotNet's way), {Rounds} rounds of {RoundCalls} calls: "
                + MeasureRounds(() => { for (int i = 0; i < RoundCalls; i++) Infer(); }, RoundCalls));
            Console.WriteLine("  the same readings around 0.5 s of sleep, no NetCompiler code: "
                + MeasureRounds(() => Thread.Sleep(500), 0));
        }
        WorkerPool.Threads = saved;
        return 0;
    }

    /// <summary>Bytes allocated on all threads during each of <see cref="Rounds"/> runs of <paramref name="body"/>, each
    /// between two GC.Collect() + GC.GetTotalAllocatedBytes(true) readings, as BenchmarkDotNet's GcStats does.</summary>
    private static string MeasureRounds(Action body, int callsPerRound)
    {
        var parts = new string[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            GC.Collect();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            body();
            GC.Collect();
            long bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
            // BenchmarkDotNet's Allocated column: total / operations, rounded to whole bytes (to even).
            parts[r] = callsPerRound > 0
                ? $"{bytes} B ({(double)bytes / callsPerRound:F2} B/call, shown as {Math.Round((double)bytes / callsPerRound, MidpointRounding.ToEven)} B)"
                : $"{bytes} B";
        }
        return string.Join(", ", parts);
    }
}
