using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Bench;

/// <summary>The <c>scaling</c> command (issue 18, item 6): how close compiled training comes to the machine's FMA peak
/// as the network and the batch grow. MLPs 784 -> H ReLU -> H ReLU -> 10 with softmax cross-entropy (W3's layers, see
/// <see cref="ScalingMlp512"/>), H in 64, 256, 512, 1024, 2048, each trained with Adam (lr 1e-3) through the generated
/// <c>TrainStep(inputs, targets, batch, optimizer)</c> at batch 8, 32, 128 and 512, on 1 and 2 threads
/// (<see cref="WorkerPool.Threads"/>). Each cell is the step's GFLOP/s (W3's counting, <see cref="TrainFlopsPerSample"/>)
/// as a percentage of the widest FMA peak measured in the same run at the same thread count, printed as a Markdown
/// table, with a second table of the step times. Random inputs and classes from a fixed seed, no data files, no
/// TorchSharp. An estimated 1-1.5 minutes on the 2-core development machine; <c>--brief</c> (a smoke check, not for
/// publishing) about 20 s; <c>--only 512,2048</c> runs some widths alone. Table on standard output, progress on standard error.</summary>
internal static class ScalingCommand
{
    private const float LearningRate = 1e-3f;
    private const int Features = 784, Classes = 10;

    /// <summary>Random samples cycled through batch after batch (4 batches of 512; 6.4 MB of inputs): more than one
    /// batch, so a step does not find its inputs in cache just because the previous step read the same ones.</summary>
    private const int Samples = 2048;

    private static readonly int[] s_batches = [8, 32, 128, 512];
    private static readonly int[] s_threads = [1, 2];

    /// <summary>The hidden widths and their networks (one generated class each: the generator specializes every size).</summary>
    private static readonly (int Hidden, Func<INetwork> Create)[] s_networks =
    [
        (64, () => new ScalingMlp64(seed: 1)),
        (256, () => new ScalingMlp256(seed: 1)),
        (512, () => new ScalingMlp512(seed: 1)),
        (1024, () => new ScalingMlp1024(seed: 1)),
        (2048, () => new ScalingMlp2048(seed: 1)),
    ];

    private const string Usage = "usage: scaling [--brief] [--only H,H,...]   (H: 64, 256, 512, 1024, 2048)";

    /// <summary>Repetition settings: 3 timed repetitions per cell (the median is reported), each at least 0.25 s
    /// (0.05 s brief) of consecutive steps after a warm-up of at least 0.5 s (0.2 s brief) that also waits for the step
    /// time to settle. A single step longer than a repetition (H 2048 at batch 512: 0.28 s on one thread of the development
    /// machine's Xeon) is one call.</summary>
    private static Harness CreateHarness(bool brief) => brief ? new Harness(0.2, 0.05, 3) : new Harness(0.5, 0.25, 3);

    /// <summary>Forward FLOPs per sample, counted as <see cref="WideMlpWorkload.ForwardFlopsPerSample"/> counts W3's:
    /// 2 per multiply-add of the three matrix products (biases and activations not counted).</summary>
    public static double ForwardFlopsPerSample(int hidden) => 2.0 * ((double)Features * hidden + (double)hidden * hidden + (double)hidden * Classes);

    /// <summary>Training FLOPs per sample, as <see cref="WideMlpWorkload.TrainFlopsPerSample"/> counts W3's (at H = 512
    /// it is that number): the forward products, the weight gradients dW (as many again) and the input gradients dX of
    /// the second and third layers; the first layer's dX, the gradient of the inputs, is neither computed nor counted.
    /// Softmax, the loss, biases, ReLU and Adam's update are not counted either. 2.09x forward at H = 64, 2.4x at 512,
    /// 2.72x at 2048.</summary>
    public static double TrainFlopsPerSample(int hidden) =>
        2 * ForwardFlopsPerSample(hidden) + 2.0 * ((double)hidden * hidden + (double)hidden * Classes);

    public static int Run(ReadOnlySpan<string> args)
    {
        bool brief = false;
        var widths = s_networks.Select(n => n.Hidden).ToList();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--brief" or "--short") brief = true;
            else if (args[i] == "--only" && i + 1 < args.Length && ParseWidths(args[++i]) is { } only) widths = only;
            else
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        bool quiet = SystemLoad.WaitForQuiet(0.2, TimeSpan.FromSeconds(30), Progress);
        if (!quiet) Progress("the machine is still busy: the results will be unreliable");
        var load = SystemLoad.Start();
        var started = DateTime.UtcNow;
        var harness = CreateHarness(brief);
        Progress($"scaling: {(brief ? "brief run" : "full run")}, H = {string.Join(", ", widths)}, batch {string.Join(", ", s_batches)}, 1 and 2 threads");

        var (bits, peaks) = MeasurePeaks(brief);
        var (inputs, targets) = RandomData();
        var timings = new Dictionary<(int Hidden, int Batch, int Threads), Timing?>();
        int poolThreads = WorkerPool.Threads;
        try
        {
            foreach (var (hidden, create) in s_networks.Where(n => widths.Contains(n.Hidden)))
            {
                var net = create();
                // Class indices as floats, one per sample: what CrossEntropy(logits, label) with [Shape(1)] takes.
                if (net.InputShape is not [Features] || net.TargetShape is not [1])
                    throw new InvalidOperationException($"H {hidden}: expected input [{Features}] and a class-index target [1].");
                var adam = new Adam(LearningRate);
                foreach (int batch in s_batches)
                {
                    // The 1- and 2-thread variants train the same network and take turns (see Harness: a slow phase of
                    // the VM then falls on both); the pool's size is set around each warm-up and repetition.
                    var cursor = new BatchCursor(Samples, batch);
                    float Step()
                    {
                        int s = cursor.Next();
                        return net.TrainStep(inputs.AsSpan(s * Features, batch * Features), targets.AsSpan(s, batch), batch, adam);
                    }
                    var variants = s_threads.Select(t => new Variant($"H {hidden}, batch {batch}, {t} thread{(t > 1 ? "s" : "")}", Step,
                        () => WorkerPool.Threads = t, () => WorkerPool.Threads = poolThreads)).ToList();
                    var measured = harness.Measure(variants, Progress);
                    for (int v = 0; v < variants.Count; v++)
                    {
                        timings[(hidden, batch, s_threads[v])] = measured[v];
                        if (measured[v] is { } t) Progress(Describe(variants[v].Name, t, batch * TrainFlopsPerSample(hidden), peaks.TryGetValue(s_threads[v], out double p) ? p : null));
                    }
                }
                Progress($"H {hidden} done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }
        }
        finally
        {
            WorkerPool.Threads = poolThreads;
        }

        string loadLine = CompareCommand.LoadLine(load.Stop(), quiet, out bool disturbed);
        Console.Write(Report(widths, timings, bits, peaks, started, harness, brief, loadLine, disturbed));
        Progress($"scaling took {(DateTime.UtcNow - started).TotalSeconds:F0} s");
        GC.KeepAlive(Harness.Sink);
        return 0;
    }

    /// <summary>The widths named in a comma-separated <c>--only</c> list, or null (after saying which is unknown).</summary>
    private static List<int>? ParseWidths(string list)
    {
        var widths = new List<int>();
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int h) || !s_networks.Any(n => n.Hidden == h))
            {
                Console.Error.WriteLine($"scaling: no network with H = '{item}'; the widths are {string.Join(", ", s_networks.Select(n => n.Hidden))}");
                return null;
            }
            widths.Add(h);
        }
        return widths.Count > 0 ? widths : null;
    }

    /// <summary>The FMA peak (<see cref="FmaPeak"/>, as <c>compare</c> measures it) at the widest accelerated vector
    /// width, GFLOP/s by thread count; bits 0 and no peaks when neither Vector512 nor Vector256 is accelerated.</summary>
    private static (int Bits, Dictionary<int, double> Peaks) MeasurePeaks(bool brief)
    {
        var peaks = new Dictionary<int, double>();
        int bits = FmaPeak.IsSupported(512) ? 512 : FmaPeak.IsSupported(256) ? 256 : 0;
        if (bits == 0)
        {
            Progress("FMA peak: no accelerated Vector512 or Vector256; the cells show n/a");
            return (0, peaks);
        }
        foreach (int threads in s_threads)
        {
            peaks[threads] = FmaPeak.Median(bits, threads, brief ? 0.1 : 0.25, brief ? 3 : 7);
            Progress(string.Create(CultureInfo.InvariantCulture, $"FMA peak Vector{bits}, {threads} thread(s): {peaks[threads]:F1} GFLOP/s"));
        }
        return (bits, peaks);
    }

    /// <summary>Inputs uniform in [0, 1) and uniformly drawn classes (as floats), from a fixed seed: the step's time
    /// does not depend on the data, so no data set is loaded.</summary>
    private static (float[] Inputs, float[] Targets) RandomData()
    {
        var rng = new Rng(18);
        var inputs = new float[Samples * Features];
        var targets = new float[Samples];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextFloat();
        for (int i = 0; i < targets.Length; i++) targets[i] = rng.NextInt(Classes);
        return (inputs, targets);
    }

    /// <summary>A progress line for one measured cell.</summary>
    private static string Describe(string name, Timing t, double flopsPerStep, double? peak)
    {
        double gflops = flopsPerStep / t.SecondsPerCall / 1e9;
        string fraction = peak is { } p ? string.Create(CultureInfo.InvariantCulture, $" = {100 * gflops / p:F0}% of the peak") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}: {MarkdownTable.Number(t.SecondsPerCall * 1e6)} us/step (median of {t.Repetitions} x {t.CallsPerRepetition:N0} steps; range " +
            $"{MarkdownTable.Number(t.MinSecondsPerCall * 1e6)}-{MarkdownTable.Number(t.MaxSecondsPerCall * 1e6)}), {MarkdownTable.Number(gflops)} GFLOP/s{fraction}");
    }

    private static string Report(List<int> widths, Dictionary<(int Hidden, int Batch, int Threads), Timing?> timings, int bits,
        Dictionary<int, double> peaks, DateTime started, Harness harness, bool brief, string loadLine, bool disturbed)
    {
        // One cell: the 1-thread and 2-thread values side by side, "42 / 27".
        string Cell(int hidden, int batch, Func<int, Timing, string> value) => string.Join(" / ", s_threads.Select(threads =>
            timings.GetValueOrDefault((hidden, batch, threads)) is { } t ? value(threads, t) : "n/a"));
        string Percent(int hidden, int batch, int threads, Timing t) =>
            peaks.TryGetValue(threads, out double peak)
                ? (100 * batch * TrainFlopsPerSample(hidden) / t.SecondsPerCall / 1e9 / peak).ToString("F0", CultureInfo.InvariantCulture)
                : "n/a";

        List<string[]> fractions = [["H", "training MFLOP per sample", .. s_batches.Select(b => $"batch {b}")]];
        List<string[]> times = [["H", .. s_batches.Select(b => $"batch {b}")]];
        foreach (int hidden in s_networks.Select(n => n.Hidden).Where(widths.Contains))
        {
            fractions.Add([hidden.ToString(CultureInfo.InvariantCulture), MarkdownTable.Number(TrainFlopsPerSample(hidden) / 1e6),
                .. s_batches.Select(b => Cell(hidden, b, (threads, t) => Percent(hidden, b, threads, t)))]);
            times.Add([hidden.ToString(CultureInfo.InvariantCulture),
                .. s_batches.Select(b => Cell(hidden, b, (_, t) => MarkdownTable.Number(t.SecondsPerCall * 1e6)))]);
        }
        bool[] numeric = [.. Enumerable.Repeat(true, fractions[0].Length)];

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"NetCompiler scaling, {started:yyyy-MM-dd HH:mm} UTC{(brief ? " (--brief run: fewer, shorter repetitions; a smoke check, not for publishing)" : "")}");
        text.AppendLine();
        if (disturbed) text.AppendLine("**Warning: other processes or the hypervisor took CPU time during this run (see the last note); the numbers are unreliable.**").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {MachineInfo.Cpu()}; {MachineInfo.Runtime()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- ISA: {MachineInfo.Isa()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- NetCompiler commit: {MachineInfo.Commit()}");
        text.AppendLine(bits == 0
            ? "- FMA peak: n/a (no accelerated Vector512 or Vector256)"
            : string.Create(CultureInfo.InvariantCulture,
                $"- FMA peak (Vector{bits}, 12 independent accumulators, no memory traffic): {string.Join(", ", peaks.Select(p => $"{p.Key} thread{(p.Key > 1 ? "s" : "")} {MarkdownTable.Number(p.Value)} GFLOP/s"))}"));
        text.AppendLine();
        text.AppendLine("Training step (Adam, lr 1e-3) of 784 -> H -> H -> 10, percent of the FMA peak at the same thread count, 1 thread / 2 threads:");
        text.AppendLine();
        text.Append(MarkdownTable.Render(fractions, numeric));
        text.AppendLine();
        text.AppendLine("Step time in microseconds, 1 thread / 2 threads:");
        text.AppendLine();
        text.Append(MarkdownTable.Render(times, numeric[..times[0].Length]));
        text.AppendLine();
        text.AppendLine("Notes:");
        text.AppendLine("- Networks (bench/Scaling/ScalingMlps.cs): 784 -> H ReLU -> H ReLU -> 10 logits, softmax cross-entropy with class-index targets, " +
                        "W3's layers and initialization; trained with Adam (lr 1e-3) through the generated TrainStep(inputs, targets, batch, optimizer), " +
                        $"one network and optimizer per H kept training across its cells, on {Samples:N0} random samples (inputs uniform in [0, 1), random classes, fixed seed) in a fixed order.");
        text.AppendLine("- FLOPs as compare counts W3's: 2 per multiply-add of the three products forward (784H + H^2 + 10H per sample); training = the forward, " +
                        "the weight gradients (as many again) and the input gradients of layers 2 and 3 (2(H^2 + 10H)); the first layer's input gradient is not computed. " +
                        "That is 2.09x forward at H = 64, 2.4x at 512, 2.72x at 2048 (not the rule-of-thumb 3x). Biases, ReLU, softmax, the loss and Adam's update are not counted.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- Each cell: warm-up (at least {harness.WarmupSeconds} s, until the step time settles), then the 1- and 2-thread variants take turns, " +
            $"{harness.Repetitions} repetitions of about {harness.RepetitionSeconds} s each (at least one step), median per variant. " +
            $"1 thread: WorkerPool.Threads = 1; 2 threads: WorkerPool.Threads = 2 (restored afterwards). The percentage is that median's GFLOP/s over the peak at the same thread count.");
        text.AppendLine("- " + loadLine);
        return text.ToString();
    }

    private static void Progress(string line) => Console.Error.WriteLine(line);
}
