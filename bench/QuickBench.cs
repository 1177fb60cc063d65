using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetCompiler.Definitions.Seeds;

namespace NetCompiler.Bench;

/// <summary>The <c>quick</c> command: an in-process Stopwatch timing of seed 000 (batch 1, x = [0.7, 0.8], y = 1,
/// lr 0.1) without BenchmarkDotNet. Each variant is warmed up, then timed once over a fixed number of calls;
/// it reports ns per call, bytes allocated per call and the ratio to the naive baseline. Good for a sanity check
/// in about ten seconds, not for publishing: no outlier removal, no statistics.</summary>
internal static class QuickBench
{
    private const float LearningRate = 0.1f;

    public static int Run(ReadOnlySpan<string> args)
    {
        double scale = 1;
        if (args.Length > 0 && !double.TryParse(args[0], out scale))
        {
            Console.Error.WriteLine("usage: quick [scale]   (scale multiplies the iteration counts; default 1)");
            return 2;
        }

        float[] x = { 0.7f, 0.8f }, y = { 1f }, output = new float[1];
        var compiled = new Seed000Net();
        var interpreted = new Seed000Net();
        var naive = new NaiveSeed000();
        long big = (long)(1_000_000 * scale), small = Math.Max(1, (long)(10_000 * scale));

        Console.WriteLine($"Seed 000 (2 -> 2 tanh -> 1 sigmoid, BCE), batch 1; {Environment.ProcessorCount} cores; " +
                          $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}; .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine($"{"",-22} {"calls",10} {"ns/call",10} {"B/call",8} {"vs naive",9}");

        var trainNaive = Time("train naive C#", big, () => naive.TrainStep(x, y[0], LearningRate));
        Report(trainNaive, trainNaive);
        Report(Time("train compiled", big, () => compiled.TrainStep(x, y, 1, LearningRate)), trainNaive);
        Report(Time("train interpreted", small, () => Interpreter.TrainStep(interpreted, x, y, 1, LearningRate)), trainNaive);

        var inferNaive = Time("infer naive C#", big, () => naive.Infer(x));
        Report(inferNaive, inferNaive);
        Report(Time("infer compiled", big, () => { compiled.Infer(x, output, 1); return output[0]; }), inferNaive);
        Report(Time("infer interpreted", small, () => { Interpreter.Infer(interpreted, x, output, 1); return output[0]; }), inferNaive);
        return 0;
    }

    private readonly record struct Result(string Name, long Calls, double NsPerCall, double BytesPerCall);

    private static float _sink;

    /// <summary>Times <paramref name="calls"/> calls after a warm-up long enough for tiered compilation to finish.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Result Time(string name, long calls, Func<float> step)
    {
        float sink = 0;
        // Warm up in chunks of calls/10 until two chunks in a row agree within 10% and at least 1 s has passed
        // (the interpreted path needs about 0.7 s before tiered compilation has finished), at most 5 s.
        long chunk = Math.Max(1, calls / 10);
        double previous = double.MaxValue;
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 5000)
        {
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < chunk; i++) sink += step();
            double current = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            if (warm.ElapsedMilliseconds >= 1000 && Math.Abs(current - previous) < 0.1 * previous) break;
            previous = current;
        }
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < calls; i++) sink += step();
        sw.Stop();
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        _sink += sink;
        return new Result(name, calls, sw.Elapsed.TotalNanoseconds / calls, (double)bytes / calls);
    }

    private static void Report(Result r, Result baseline)
    {
        Console.WriteLine($"{r.Name,-22} {r.Calls,10} {r.NsPerCall,10:F1} {r.BytesPerCall,8:F0} {r.NsPerCall / baseline.NsPerCall,8:F2}x");
    }
}
