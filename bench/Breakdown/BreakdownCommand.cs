using System;
using System.Diagnostics;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary>The <c>breakdown</c> command: where a step's time goes, for the rows of <c>compare</c> that miss issue 4's
/// targets. Stopwatch loops over the parts of a step (forward alone, gradients alone, the whole step, the update,
/// the gradient clear) for W2 and for W3 at 1 and 2 threads. Random inputs, no data files, no TorchSharp; about
/// 30 seconds. Each line is the better of two timed runs after a warm-up. (Seed 000's calls take nanoseconds, too
/// short for this loop: its lower bound is a BenchmarkDotNet row, <c>--filter '*Seed000*'</c>.)</summary>
internal static class BreakdownCommand
{
    public static int Run()
    {
        Console.WriteLine($"breakdown, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; ns or us per call, best of 2 runs");
        Seed001();
        WideMlp();
        return 0;
    }

    private static void Seed001()
    {
        const int batch = 10, batches = 60;
        var net = new Seed001MnistNet(seed: 1);
        var rng = new Random(1);
        var x = new float[batches * batch * 784];
        var t = new float[batches * batch * 10];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        for (int i = 0; i < batches * batch; i++) t[i * 10 + rng.Next(10)] = 1f;
        var y = new float[batch * 10];
        int k = 0;
        ReadOnlySpan<float> X(int b) => x.AsSpan(b * batch * 784, batch * 784);
        ReadOnlySpan<float> T(int b) => t.AsSpan(b * batch * 10, batch * 10);
        Console.WriteLine($"W2 seed 001, batch {batch} (us; TileGemm.ParallelThreshold {TileGemm.ParallelThreshold:N0}, so one thread):");
        Report("TrainStep(lr), SGD fused into backward", Time(() => { k = (k + 1) % batches; return net.TrainStep(X(k), T(k), batch, 3f); }, 50_000), 1e-3);
        Report("ComputeGradients", Time(() => { k = (k + 1) % batches; return net.ComputeGradients(X(k), T(k), batch); }, 50_000), 1e-3);
        Report("Infer (the forward pass)", Time(() => { k = (k + 1) % batches; net.Infer(X(k), y, batch); return y[0]; }, 50_000), 1e-3);
        Report("clearing the 23,860 gradients", Time(() => { Array.Clear(net.Parameters.Gradients); return 0f; }, 50_000), 1e-3);
    }

    private static void WideMlp()
    {
        const int batch = 128;
        var net = new WideMlpNet(seed: 1);
        var rng = new Random(2);
        var x = new float[batch * 784];
        var t = new float[batch];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        for (int i = 0; i < batch; i++) t[i] = rng.Next(10);
        var y = new float[batch * 10];
        var adam = new Adam(1e-4f);
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                Console.WriteLine($"W3 wide MLP, batch {batch}, WorkerPool.Threads = {threads} (us):");
                Report("TrainStep(Adam), update fused into backward", Time(() => net.TrainStep(x, t, batch, adam), 300), 1e-3);
                Report("ComputeGradients", Time(() => net.ComputeGradients(x, t, batch), 300), 1e-3);
                Report("Infer (the forward pass)", Time(() => { net.Infer(x, y, batch); return y[0]; }, 300), 1e-3);
                Report("Adam Step alone (a separate pass)", Time(() => { adam.Step(net.Parameters); return 0f; }, 300), 1e-3);
                Report("Infer, batch 1", Time(() => { net.Infer(x.AsSpan(0, 784), y, 1); return y[0]; }, 20_000), 1e-3);
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    /// <summary>Nanoseconds per call: a warm-up of half the calls, then the better of two timed runs.</summary>
    private static double Time(Func<float> call, int calls)
    {
        float sink = 0;
        for (int i = 0; i < calls / 2; i++) sink += call();
        double best = double.MaxValue;
        for (int run = 0; run < 2; run++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) sink += call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls);
        }
        s_sink += sink;
        return best;
    }

    private static float s_sink;

    private static void Report(string what, double nanoseconds, double scale) =>
        Console.WriteLine($"  {what,-64} {nanoseconds * scale,12:N1}");
}
