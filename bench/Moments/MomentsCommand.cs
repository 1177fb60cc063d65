using System;
using System.Diagnostics;
using System.Linq;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary>The <c>moments</c> command: Adam's moments stored as float32 against bfloat16
/// (<see cref="StatePrecision"/>, issue 18: "Adam's state traffic minimized, measured against accuracy"). Three parts:
/// <list type="bullet">
/// <item>W3 (784 -> 512 -> 512 -> 10) trained on Fashion-MNIST by the <see cref="Trainer"/> (Adam lr 1e-3, batch 128,
/// 5 epochs, two threads), each epoch's training loss and test accuracy;</item>
/// <item>W5 (<see cref="CharGpt"/>) trained with AdamW (lr 3e-4, batch 16) for 1,500 steps on the first seven eighths of
/// its windows, the loss on the last eighth (held out) every 300 steps;</item>
/// <item>the optimizer step alone (random gradients) over W3's 670K parameters (state in L3) and over 16M (in DRAM),
/// on one and two threads, five runs alternating the two precisions, nanoseconds per parameter.</item>
/// </list>
/// <c>moments --times</c> runs the last part alone. Both precisions start from the same network and see the same batches in the same order.</summary>
internal static class MomentsCommand
{
    private static readonly StatePrecision[] Precisions = [StatePrecision.Float32, StatePrecision.BFloat16];

    public static int Run(ReadOnlySpan<string> args)
    {
        Console.WriteLine($"moments: {MachineInfo.Cpu()}; {MachineInfo.Runtime()}; {MachineInfo.Isa()}; commit {MachineInfo.Commit()}");
        bool timesOnly = args.Length > 0 && args[0] == "--times";
        if (!timesOnly)
        {
            FashionMnist();
            CharGptLoss();
        }
        StepTimes();
        return 0;
    }

    private static void FashionMnist()
    {
        var data = FashionMnistSource.Load(null);
        Console.WriteLine($"\nW3 on Fashion-MNIST ({data.Description}), Adam lr 1e-3, batch 128, two threads:");
        Console.WriteLine("| epoch | float32: train loss | test accuracy | bfloat16: train loss | test accuracy |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        var reports = Precisions.Select(precision =>
        {
            var trainer = new Trainer(new WideMlpNet(seed: 1), new Adam(1e-3f) { Moments = precision },
                new TrainerOptions { Epochs = 5, BatchSize = 128, Seed = 1, Threads = 2 });
            return trainer.Fit(data.Train, data.Test).Epochs;
        }).ToArray();
        for (int e = 0; e < reports[0].Count; e++)
            Console.WriteLine($"| {e + 1} | {reports[0][e].TrainLoss:F4} | {reports[0][e].Test!.Value.Accuracy:P2} | {reports[1][e].TrainLoss:F4} | {reports[1][e].Test!.Value.Accuracy:P2} |");
    }

    private static void CharGptLoss()
    {
        const int batch = CharGptWorkload.Batch, steps = 1500, every = 300;
        var data = CharGptData.Instance;
        int heldOut = Math.Max(1, data.Count / 8 / batch) * batch, trainWindows = data.Count - heldOut;
        Console.WriteLine($"\nW5 CharGpt ({data.Description}), AdamW lr 3e-4, batch {batch}: held-out loss on the last {heldOut} windows");
        Console.WriteLine("| step | float32 | bfloat16 |");
        Console.WriteLine("|---:|---:|---:|");
        var losses = Precisions.Select(precision =>
        {
            var net = new CharGpt(seed: 5);
            var optimizer = new AdamW(CharGptWorkload.LearningRate) { Moments = precision };
            var curve = new double[steps / every];
            for (int s = 0; s < steps; s++)
            {
                int start = s * batch % (trainWindows - trainWindows % batch);
                net.TrainStep(data.Inputs(start, batch), data.Targets(start, batch), batch, optimizer);
                if ((s + 1) % every == 0) curve[s / every] = HeldOutLoss(net, data, trainWindows, heldOut, batch);
            }
            return curve;
        }).ToArray();
        for (int i = 0; i < losses[0].Length; i++)
            Console.WriteLine($"| {(i + 1) * every} | {losses[0][i]:F4} | {losses[1][i]:F4} |");
    }

    private static double HeldOutLoss(CharGpt net, CharGptData data, int first, int count, int batch)
    {
        double sum = 0;
        for (int w = first; w + batch <= first + count; w += batch)
            sum += net.ComputeGradients(ExecutionPath.Compiled, data.Inputs(w, batch), data.Targets(w, batch), batch);
        return sum / (count / batch);
    }

    private static void StepTimes()
    {
        Console.WriteLine("\nAdam step alone, random gradients, median of 5 alternating runs of 1.5 s (ns per parameter):");
        Console.WriteLine("| parameters | threads | float32 | bfloat16 | bfloat16 / float32 |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        int threads = WorkerPool.Threads;
        foreach (int count in new[] { new WideMlpNet().Parameters.Count, 16_000_000 })
            foreach (int t in new[] { 1, 2 })
            {
                WorkerPool.Threads = t;
                var times = Precisions.Select(_ => new double[5]).ToArray();
                for (int run = 0; run < 5; run++)
                    for (int p = 0; p < Precisions.Length; p++) times[p][run] = NanosecondsPerParameter(count, Precisions[p]);
                double f32 = Median(times[0]), bf16 = Median(times[1]);
                Console.WriteLine($"| {count:N0} | {t} | {f32:F3} | {bf16:F3} | {bf16 / f32:F2} |");
            }
        WorkerPool.Threads = threads;
    }

    private static double NanosecondsPerParameter(int count, StatePrecision precision)
    {
        var store = new ParameterStore([new ParameterInfo("w", 0, [count])]);
        var adam = new Adam(1e-3f) { Moments = precision };
        var rng = new Rng(7);
        for (int i = 0; i < count; i++) store.Gradients[i] = rng.NextFloat() - 0.5f;
        for (int i = 0; i < 3; i++) adam.Step(store);   // state touched, code optimized
        var clock = Stopwatch.StartNew();
        long steps = 0;
        while (clock.Elapsed.TotalSeconds < 1.5) { adam.Step(store); steps++; }
        return clock.Elapsed.TotalNanoseconds / steps / count;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
