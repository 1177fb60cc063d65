using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Bench;

/// <summary>The <c>compare</c> command: a short, fixed version of every workload (W1 seed 000, W2 seed 001, W3 wide
/// MLP, W4 LeNet-5, ResNetSmall, W6 LSTM sequence, RowLstmNet, W5 CharGpt, CharLstm generation, W7 T5Translator, FMA peak), each variant in this one process, printed as one Markdown
/// table on standard output (progress goes to standard error, so <c>compare &gt; table.md</c> keeps just the table).
/// About a minute and a half for W1-W3 on the quiet 2-core development machine, plus an estimated 45 s for W4 and
/// ResNetSmall. <c>compare --short</c> takes a third of that with fewer, shorter repetitions (a smoke test, not for
/// publishing); <c>--only W6</c> (a comma-separated list) runs the named workloads alone, after the FMA peaks.</summary>
internal static class CompareCommand
{
    /// <summary>Repetition settings for the normal and the <c>--short</c> run.</summary>
    private static Harness CreateHarness(bool brief) => brief ? new Harness(0.3, 0.1, 3) : new Harness(1.0, 0.25, 7);

    /// <summary>The workloads <c>--only</c> selects from, in the order they run.</summary>
    private static readonly string[] s_workloads = ["W1", "W2", "W3", "W4", "ResNetSmall", "W6", "RowLstmNet", "W5", "CharLstmGen", "W7"];

    private const string Usage = "usage: compare [--short] [--only W1,W2,W3,W4,ResNetSmall,W6,RowLstmNet,W5,CharLstmGen,W7]";

    public static int Run(ReadOnlySpan<string> args)
    {
        bool brief = false;
        var selected = new HashSet<string>(s_workloads, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--short") brief = true;
            else if (args[i] == "--only" && i + 1 < args.Length && ParseSelection(args[++i]) is { } only) selected = only;
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
        var rows = new List<ResultRow>();
        var checks = new List<string>();
        var gemmLines = new List<string>();
        var dataLines = new List<string>();
        var lstmFlops = new List<string>();
        var flopNotes = new List<string>();
        Progress($"compare: {(brief ? "short run" : "full run")} of {string.Join(", ", s_workloads.Where(selected.Contains))}; " +
                 $"TorchSharp: {(TorchSharpPeer.IsAvailable ? "available" : "n/a, " + TorchSharpPeer.FailureReason)}");

        var peaks = MeasurePeaks(brief);
        if (selected.Overlaps(["W2", "W3", "W4", "ResNetSmall", "RowLstmNet"]))
        {
            dataLines.Add("W2-W4, ResNetSmall, RowLstmNet: " + TrainingData.Instance.Description);
            Progress($"data: {dataLines[^1]}");
        }

        if (selected.Contains("W1"))
            using (var w1 = new Seed000Workload())
            {
                PrepareTorchSharp("W1", w1.CreateTorchSharp, w1.CheckTorchSharp, checks);
                rows.Add(Row(harness, "W1 seed 000 training step (SGD, batch 1)", Metric.Time("ns", "step"),
                    w1.TrainCompiled, w1.TrainInterpreted, () => w1.TrainTorchSharp(1), () => w1.TrainTorchSharp(2), naive: w1.TrainNaive));
                rows.Add(Row(harness, "W1 seed 000 inference (batch 1)", Metric.Time("ns", "call"),
                    w1.InferCompiled, w1.InferInterpreted, () => w1.InferTorchSharp(1), () => w1.InferTorchSharp(2), naive: w1.InferNaive));
                Progress($"W1 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("W2"))
            using (var w2 = new Seed001Workload())
            {
                PrepareTorchSharp("W2", w2.CreateTorchSharp, w2.CheckTorchSharp, checks);
                rows.Add(Row(harness, $"W2 seed 001 epoch ({w2.EpochSamples:N0} samples, SGD, batch 10)", Metric.ScaledSeconds("epoch", w2.StepsPerEpoch),
                    w2.StepCompiled, w2.StepInterpreted, () => w2.StepTorchSharp(1), () => w2.StepTorchSharp(2),
                    note: $"median step time x {w2.StepsPerEpoch:N0} steps"));
                Progress($"W2 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("W3"))
            using (var w3 = new WideMlpWorkload())
            {
                PrepareTorchSharp("W3", w3.CreateTorchSharp, w3.CheckTorchSharp, checks);
                var train = Row(harness, "W3 wide MLP training (Adam, batch 128)", Metric.Throughput(WideMlpWorkload.TrainBatch),
                    w3.TrainCompiled, w3.TrainInterpreted, () => w3.TrainTorchSharp(1), () => w3.TrainTorchSharp(2),
                    compiledOneThread: true);
                var inferOne = Row(harness, "W3 wide MLP inference latency (batch 1)", Metric.Time("us", "call"),
                    () => w3.InferCompiled(1), () => w3.InferInterpreted(1), () => w3.InferTorchSharp(1, 1), () => w3.InferTorchSharp(2, 1),
                    compiledOneThread: true);
                var inferBatch = Row(harness, "W3 wide MLP inference (batch 128)", Metric.Throughput(WideMlpWorkload.InferBatch),
                    () => w3.InferCompiled(WideMlpWorkload.InferBatch), () => w3.InferInterpreted(WideMlpWorkload.InferBatch),
                    () => w3.InferTorchSharp(1, WideMlpWorkload.InferBatch), () => w3.InferTorchSharp(2, WideMlpWorkload.InferBatch),
                    compiledOneThread: true);
                rows.AddRange([train, inferOne, inferBatch]);
                gemmLines.Add(PeakLine("W3 training, batch 128", train, WideMlpWorkload.TrainBatch * WideMlpWorkload.TrainFlopsPerSample, peaks));
                gemmLines.Add(PeakLine("W3 inference, batch 128", inferBatch, WideMlpWorkload.InferBatch * WideMlpWorkload.ForwardFlopsPerSample, peaks));
                gemmLines.Add(BandwidthLine("W3 inference, batch 1", inferOne, WideMlpWorkload.ParameterCount * (double)sizeof(float)));
                Progress($"W3 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("W4"))
            using (var w4 = new LeNet5Workload())
            {
                PrepareTorchSharp("W4", w4.CreateTorchSharp, w4.CheckTorchSharp, checks);
                var lenet = Row(harness, $"W4 LeNet-5 training (SGD momentum, batch {LeNet5Workload.Batch})", Metric.Throughput(LeNet5Workload.Batch),
                    w4.TrainCompiled, w4.TrainInterpreted, () => w4.TrainTorchSharp(1), () => w4.TrainTorchSharp(2), compiledOneThread: true);
                rows.Add(lenet);
                gemmLines.Add(PeakLine($"W4 training, batch {LeNet5Workload.Batch}", lenet, LeNet5Workload.Batch * LeNet5Workload.TrainFlopsPerSample, peaks));
                gemmLines.Add(ConvolutionLine(harness, w4, lenet, peaks));
                Progress($"W4 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("ResNetSmall"))
            using (var resnet = new ResNetSmallWorkload())
            {
                PrepareTorchSharp("ResNetSmall", resnet.CreateTorchSharp, resnet.CheckTorchSharp, checks);
                var resnetTrain = Row(harness, $"ResNetSmall training (SGD momentum, batch {ResNetSmallWorkload.TrainBatch})", Metric.Throughput(ResNetSmallWorkload.TrainBatch),
                    resnet.TrainCompiled, null, () => resnet.TrainTorchSharp(1), () => resnet.TrainTorchSharp(2), compiledOneThread: true,
                    note: "interpreted not timed here (seconds per step; the BenchmarkDotNet suite times it)");
                // No 'compiled at 1 thread' here: the convolutions split a tile by samples, so batch 1 runs on one core anyway.
                var resnetInfer = Row(harness, "ResNetSmall inference latency (batch 1)", Metric.Time("us", "call"),
                    resnet.InferCompiled, resnet.InferInterpreted, () => resnet.InferTorchSharp(1), () => resnet.InferTorchSharp(2),
                    note: "one core: the convolutions split a batch by samples");
                rows.AddRange([resnetTrain, resnetInfer]);
                gemmLines.Add(PeakLine($"ResNetSmall training, batch {ResNetSmallWorkload.TrainBatch}", resnetTrain,
                    ResNetSmallWorkload.TrainBatch * ResNetSmallWorkload.TrainFlopsPerSample, peaks));
                gemmLines.Add(PeakLine("ResNetSmall inference, batch 1", resnetInfer, ResNetSmallWorkload.ForwardFlopsPerSample, peaks));
                Progress($"ResNetSmall done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("W6"))
            using (var w6 = LstmClassifierWorkload.W6())
            {
                dataLines.Add($"W6: {SequenceData.Count:N0} synthetic sequences of {SequenceData.Steps} x {SequenceData.Features} (fixed seed)");
                PrepareTorchSharp("W6", w6.CreateTorchSharp, w6.CheckTorchSharp, checks);
                var lstmTrain = Row(harness, $"W6 LSTM sequence training (Adam, batch {w6.Batch})", Metric.Throughput(w6.Batch),
                    w6.TrainCompiled, w6.TrainInterpreted, () => w6.TrainTorchSharp(1), () => w6.TrainTorchSharp(2), compiledOneThread: true,
                    note: "target: 3x the best TorchSharp (issue 15)");
                var lstmInfer = Row(harness, $"W6 LSTM sequence inference (batch {w6.Batch})", Metric.Throughput(w6.Batch),
                    w6.InferCompiled, w6.InferInterpreted, () => w6.InferTorchSharp(1), () => w6.InferTorchSharp(2), compiledOneThread: true);
                rows.AddRange([lstmTrain, lstmInfer]);
                gemmLines.Add(PeakLine($"W6 training, batch {w6.Batch}", lstmTrain, w6.Batch * w6.TrainFlopsPerSample, peaks));
                gemmLines.Add(PeakLine($"W6 inference, batch {w6.Batch}", lstmInfer, w6.Batch * w6.ForwardFlopsPerSample, peaks));
                lstmFlops.Add(w6.FlopsNote);
                Progress($"W6 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("RowLstmNet"))
            using (var rowLstm = LstmClassifierWorkload.RowLstm())
            {
                PrepareTorchSharp("RowLstmNet", rowLstm.CreateTorchSharp, rowLstm.CheckTorchSharp, checks);
                var rowTrain = Row(harness, $"RowLstmNet training (Adam {rowLstm.LearningRate:0.###e0}, batch {rowLstm.Batch})", Metric.Throughput(rowLstm.Batch),
                    rowLstm.TrainCompiled, rowLstm.TrainInterpreted, () => rowLstm.TrainTorchSharp(1), () => rowLstm.TrainTorchSharp(2), compiledOneThread: true,
                    note: "a plain Adam step: without the definition's training's gradient clipping (norm 5), no schedule");
                rows.Add(rowTrain);
                gemmLines.Add(PeakLine($"RowLstmNet training, batch {rowLstm.Batch}", rowTrain, rowLstm.Batch * rowLstm.TrainFlopsPerSample, peaks));
                lstmFlops.Add(rowLstm.FlopsNote);
                Progress($"RowLstmNet done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("W5"))
            using (var w5 = new CharGptWorkload())
            {
                dataLines.Add("W5: " + w5.DataDescription);
                Progress($"data: {dataLines[^1]}");
                PrepareTorchSharp("W5", w5.CreateTorchSharp, w5.CheckTorchSharp, checks);
                var tokens = Metric.PerSecond("tokens", CharGptWorkload.TokensPerCall);
                var gptTrain = Row(harness, $"W5 CharGpt training (AdamW 3e-4, batch {CharGptWorkload.Batch})", tokens,
                    w5.TrainCompiled, w5.TrainInterpreted, () => w5.TrainTorchSharp(1), () => w5.TrainTorchSharp(2), compiledOneThread: true,
                    note: $"{CharGptWorkload.TokensPerCall} tokens per step (16 windows x 64 positions)");
                var gptInfer = Row(harness, $"W5 CharGpt inference (batch {CharGptWorkload.Batch})", tokens,
                    w5.InferCompiled, w5.InferInterpreted, () => w5.InferTorchSharp(1), () => w5.InferTorchSharp(2), compiledOneThread: true);
                rows.AddRange([gptTrain, gptInfer]);
                gemmLines.Add(PeakLine($"W5 training, batch {CharGptWorkload.Batch}", gptTrain, CharGptWorkload.TokensPerCall * CharGptWorkload.TrainFlopsPerToken, peaks));
                gemmLines.Add(PeakLine($"W5 inference, batch {CharGptWorkload.Batch}", gptInfer, CharGptWorkload.TokensPerCall * CharGptWorkload.ForwardFlopsPerToken, peaks));
                var attention = new AttentionWorkload();
                rows.AddRange(AttentionRows(harness, attention, peaks, gemmLines));
                flopNotes.Add(CharGptWorkload.FlopsNote + "; " + attention.FlopsNote);
                using (var generation = new CharGptGenerationWorkload())
                {
                    PrepareTorchSharp("W5 generation", generation.CreateTorchSharp, generation.Check, checks);
                    rows.AddRange(GenerationRows(harness, generation));
                }
                Progress($"W5 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        if (selected.Contains("CharLstmGen"))
        {
            rows.Add(GenerationRow(harness, new CharLstmGenerationWorkload()));
            Progress($"CharLstmGen done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
        }

        if (selected.Contains("W7"))
            using (var w7 = new T5TranslatorWorkload())
            {
                dataLines.Add("W7: " + w7.DataDescription);
                Progress($"data: {dataLines[^1]}");
                PrepareTorchSharp("W7", w7.CreateTorchSharp, w7.CheckTorchSharp, checks);
                var t5Train = Row(harness, $"W7 T5Translator training (AdamW 1e-3, weight decay 0.01, batch {T5TranslatorWorkload.Batch})",
                    Metric.PerSecond("tokens", w7.TargetTokensPerStep),
                    w7.TrainCompiled, w7.TrainInterpreted, () => w7.TrainTorchSharp(1), () => w7.TrainTorchSharp(2), compiledOneThread: true,
                    note: $"target tokens: the {w7.TargetTokensPerStep} subwords and end tokens the loss counts per step, padding not counted " +
                          $"(the step also reads {w7.SourceTokensPerStep} source tokens); dropout 0.1 on; no schedule or gradient clipping");
                rows.Add(t5Train);
                gemmLines.Add(PeakLine($"W7 training, batch {T5TranslatorWorkload.Batch}", t5Train, T5TranslatorWorkload.Batch * T5TranslatorWorkload.TrainFlopsPerSample, peaks));
                flopNotes.Add(T5TranslatorWorkload.FlopsNote);
                using (var translation = new T5TranslationWorkload())
                {
                    PrepareTorchSharp("W7 translation", translation.CreateTorchSharp, translation.Check, checks);
                    rows.AddRange(TranslationRows(harness, translation));
                }
                Progress($"W7 done, {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            }

        string loadLine = LoadLine(load.Stop(), quiet, out bool disturbed);
        Console.Write(Report(rows, peaks, gemmLines, checks, lstmFlops, flopNotes, string.Join("; ", dataLines), started, harness, brief, loadLine, disturbed, selected));
        Progress($"compare took {(DateTime.UtcNow - started).TotalSeconds:F0} s");
        GC.KeepAlive(Harness.Sink);
        return s_mismatches.Count > 0 ? 1 : 0;
    }

    /// <summary>The workloads named in a comma-separated <c>--only</c> list (case-insensitive), or null (after saying
    /// which name is unknown) when one is not a workload.</summary>
    private static HashSet<string>? ParseSelection(string list)
    {
        var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!s_workloads.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"compare: no workload '{name}'; the workloads are {string.Join(", ", s_workloads)}");
                return null;
            }
            selected.Add(name);
        }
        return selected.Count > 0 ? selected : null;
    }

    /// <summary>Workloads whose TorchSharp check failed or could not run: the report says so above the table and the
    /// command exits with 1.</summary>
    private static readonly List<string> s_mismatches = [];

    /// <summary>Builds a workload's TorchSharp models and runs its correctness check, noting the result. A failure
    /// here is reported and leaves that workload's TorchSharp columns n/a (the variants then throw and are caught).
    /// A mismatch is noted in <see cref="s_mismatches"/>.</summary>
    private static void PrepareTorchSharp(string workload, Action create, Func<(bool Ok, string Line)> check, List<string> checks)
    {
        if (!TorchSharpPeer.IsAvailable) return;
        try
        {
            create();
            var (ok, line) = check();
            checks.Add(line);
            if (!ok)
            {
                Progress(line);
                s_mismatches.Add(workload);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string line = $"{workload}: TorchSharp setup failed, its columns are n/a: {e.GetType().Name}: {e.Message.Split('\n', 2)[0]}";
            checks.Add(line);
            Progress(line);
            s_mismatches.Add(workload);
        }
    }

    /// <summary>The four FMA peaks, GFLOP/s, keyed by (bits, threads); absent when the width is not accelerated.</summary>
    private static Dictionary<(int Bits, int Threads), double> MeasurePeaks(bool brief)
    {
        var peaks = new Dictionary<(int, int), double>();
        foreach (int bits in new[] { 512, 256 })
        {
            if (!FmaPeak.IsSupported(bits)) { Progress($"FMA peak Vector{bits}: not hardware accelerated, skipped"); continue; }
            foreach (int threads in new[] { 1, 2 })
            {
                double gflops = FmaPeak.Median(bits, threads, brief ? 0.1 : 0.25, brief ? 3 : 7);
                peaks[(bits, threads)] = gflops;
                Progress($"FMA peak Vector{bits}, {threads} thread(s): {gflops:F1} GFLOP/s");
            }
        }
        return peaks;
    }

    /// <summary>Measures the variants of one row, interleaved (see <see cref="Harness"/>): compiled, interpreted and
    /// TorchSharp at 1 and 2 threads (when it loads; interpreted unless null); with <paramref name="compiledOneThread"/> also the compiled code
    /// with the runtime's worker pool off (what the 1-thread FMA peak compares with), and with
    /// <paramref name="naive"/> the hand-written baseline. The extra variants are given in the notes.</summary>
    private static ResultRow Row(Harness harness, string workload, Metric metric, Func<float> compiled, Func<float>? interpreted,
        Func<float> torch1, Func<float> torch2, bool compiledOneThread = false, Func<float>? naive = null, string note = "")
    {
        int poolThreads = WorkerPool.Threads;
        var variants = new List<Variant>();
        int Add(Variant variant) { variants.Add(variant); return variants.Count - 1; }
        int iCompiled = Add(new(workload + ": compiled", compiled));
        int iInterpreted = interpreted is not null ? Add(new(workload + ": interpreted", interpreted)) : -1;
        int iTorch1 = TorchSharpPeer.IsAvailable ? Add(new(workload + ": TorchSharp 1 thread", torch1)) : -1;
        int iTorch2 = TorchSharpPeer.IsAvailable ? Add(new(workload + ": TorchSharp 2 threads", torch2)) : -1;
        int iCompiled1 = compiledOneThread
            ? Add(new(workload + ": compiled, 1 thread", compiled, () => WorkerPool.Threads = 1, () => WorkerPool.Threads = poolThreads))
            : -1;
        int iNaive = naive is not null ? Add(new(workload + ": naive C#", naive)) : -1;

        var timings = harness.Measure(variants, Progress);
        for (int v = 0; v < variants.Count; v++)
            if (timings[v] is { } t) Log(variants[v].Name, t, metric);
        Timing? Get(int index) => index >= 0 ? timings[index] : null;
        Timing? c = Get(iCompiled), c1 = Get(iCompiled1), baseline = Get(iNaive);

        var notes = new List<string>();
        if (c1 is { } one) notes.Add($"compiled at 1 thread: {MarkdownTable.Number(metric.FromSecondsPerCall(one.SecondsPerCall))} {metric.Unit}");
        if (baseline is { } b)
            notes.Add($"naive scalar C#: {MarkdownTable.Number(metric.FromSecondsPerCall(b.SecondsPerCall))} {metric.Unit}" +
                      (c is { } cc ? $" (compiled runs at {MarkdownTable.Ratio(b.SecondsPerCall / cc.SecondsPerCall)} its speed)" : ""));
        if (note != "") notes.Add(note);
        return new ResultRow(workload, metric, c, Get(iInterpreted), Get(iTorch1), Get(iTorch2), string.Join("; ", notes), c1);
    }

    /// <summary>W5 generation at batch 1 (<see cref="CharGptGenerationWorkload"/>): the KV-cached decoders (compiled and
    /// TorchSharp's), then re-running the full forward per token (compiled, interpreted, TorchSharp); the first row's note
    /// compares the compiled decoder with TorchSharp's re-run (issue 16's target: 50x).</summary>
    private static ResultRow[] GenerationRows(Harness harness, CharGptGenerationWorkload w)
    {
        var tokens = Metric.PerSecond("tokens", CharGptGenerationWorkload.Tokens);
        string setup = $"batch 1, greedy, a {CharGptGenerationWorkload.PromptLength}-character prompt read first (in the time), {CharGptGenerationWorkload.Tokens} tokens generated";
        var rerun = Row(harness, $"W5 generation re-running the full forward per token ({setup})", tokens,
            w.RerunCompiled, w.RerunInterpreted, () => w.RerunTorchSharp(1), () => w.RerunTorchSharp(2),
            note: "each token runs the whole 64-position window (as generation without a cache does)");
        var cached = Row(harness, $"W5 generation with the KV cache ({setup})", tokens,
            w.Cached, null, () => w.CachedTorchSharp(1), () => w.CachedTorchSharp(2),
            note: "compiled: the generated decoder (TokenGenerator over Prefill for the prompt but its last token, then Decode); TorchSharp: its twin with a hand-written KV cache (TorchCharGpt.Decode)");
        if (cached.Speedup(rerun.BestTorchSharp) is { } overRerun)
            cached = cached with { Notes = cached.Notes + $"; {MarkdownTable.Ratio(overRerun)} the better TorchSharp re-running the full forward per token (target 50x)" };
        return [cached, rerun];
    }

    /// <summary>W7 translation of one word at batch 1 (<see cref="T5TranslationWorkload"/>): greedy with the KV cache
    /// (compiled BeamSearch(1) against TorchSharp's cached twin), greedy without a cache (compiled Infer and the interpreter
    /// re-run the whole network per token, TorchSharp its decoder only), and the compiled beam search of width 4.</summary>
    private static ResultRow[] TranslationRows(Harness harness, T5TranslationWorkload w)
    {
        var metric = Metric.Time("ms", "word");
        w.Greedy();
        string generated = $"{w.Generated} tokens generated" + (w.Ended ? " and the end token" : " (initial weights: no end token, the 20 target positions ran out)");
        string word = $"one word: a {T5TranslationWorkload.SourceTokens}-id source, batch 1";
        var cached = Row(harness, $"W7 T5Translator greedy translation, KV cache ({word})", metric,
            w.Greedy, null, () => w.CachedTorchSharp(1), () => w.CachedTorchSharp(2),
            note: $"{generated}, encoder included; compiled: BeamSearch width 1 over the generated Encode and Decode; " +
                  "TorchSharp: its twin with a hand-written KV cache (self-attention keys and values per position, cross-attention's once)");
        var rerun = Row(harness, $"W7 T5Translator greedy translation, no cache ({word})", metric,
            w.RerunCompiled, w.RerunInterpreted, () => w.RerunTorchSharp(1), () => w.RerunTorchSharp(2),
            note: "the same tokens; compiled and interpreted: Infer of the whole network (encoder too) per token, there being no decoder-only forward; " +
                  "TorchSharp: the encoder once, the decoder over the prefix per token");
        if (cached.Speedup(rerun.BestTorchSharp) is { } overRerun)
            cached = cached with { Notes = cached.Notes + $"; {MarkdownTable.Ratio(overRerun)} the better TorchSharp without a cache" };
        string beamName = $"W7 T5Translator beam search, width {T5TranslationWorkload.BeamWidth} ({word})";
        var timings = harness.Measure([new Variant(beamName + ": compiled", w.Beam)], Progress);
        if (timings[0] is { } t) Log(beamName + ": compiled", t, metric);
        w.Beam();
        var beam = new ResultRow(beamName, metric, timings[0], null, null, null,
            $"compiled BeamSearch only (no TorchSharp beam search written); the best hypothesis has {w.Generated} tokens{(w.Ended ? " and the end token" : "")}; length penalty 1");
        return [cached, rerun, beam];
    }

    /// <summary>CharLstm generation: one variant, <see cref="CharLstm.Step"/> (the eager ops, so the interpreted
    /// column); there is no compiled single-character step and no TorchSharp twin of the sampler.</summary>
    private static ResultRow GenerationRow(Harness harness, CharLstmGenerationWorkload generation)
    {
        string workload = $"CharLstm generation ({CharLstmGenerationWorkload.Characters} characters, batch 1)";
        var metric = Metric.PerSecond("chars", CharLstmGenerationWorkload.Characters);
        var timings = harness.Measure([new Variant(workload + ": CharLstm.Step (eager)", generation.Generate)], Progress);
        if (timings[0] is { } t) Log(workload + ": CharLstm.Step (eager)", t, metric);
        return new ResultRow(workload, metric, null, timings[0], null, null,
            $"CharLstm.Step, what generate runs: eager ops (the interpreted column), no compiled single-character step; no TorchSharp twin for generation; " +
            $"each call also reads the {CharLstmGenerationWorkload.Prompt.Length}-character prompt; temperature 0.8, top-20, fixed seed, initial weights");
    }

    private static void Log(string name, Timing t, Metric metric)
    {
        // For throughputs the fastest repetition is the largest value: show the range low to high either way.
        double a = metric.FromSecondsPerCall(t.MinSecondsPerCall), b = metric.FromSecondsPerCall(t.MaxSecondsPerCall);
        Progress(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {MarkdownTable.Number(metric.FromSecondsPerCall(t.SecondsPerCall))} {metric.Unit} " +
            $"(median of {t.Repetitions} x {t.CallsPerRepetition:N0} calls; range {MarkdownTable.Number(Math.Min(a, b))}-{MarkdownTable.Number(Math.Max(a, b))})"));
    }

    /// <summary>GFLOP/s of each variant of a GEMM-bound row and its fraction of the widest FMA peak at the same
    /// thread count: the compiled code (all cores) and TorchSharp 2 threads against the 2-thread peak, the compiled
    /// code at 1 thread and TorchSharp 1 thread against the 1-thread peak.</summary>
    private static string PeakLine(string name, ResultRow row, double flopsPerCall, Dictionary<(int Bits, int Threads), double> peaks)
    {
        int bits = peaks.ContainsKey((512, 1)) ? 512 : 256;
        peaks.TryGetValue((bits, 1), out double one);
        peaks.TryGetValue((bits, Environment.ProcessorCount >= 2 ? 2 : 1), out double two);
        string Rate(Timing? t, double peak)
        {
            if (t is not { } v) return "n/a";
            double gflops = flopsPerCall / v.SecondsPerCall / 1e9;
            return peak > 0 ? $"{MarkdownTable.Number(gflops)} GFLOP/s = {100 * gflops / peak:F0}%" : $"{MarkdownTable.Number(gflops)} GFLOP/s";
        }
        string perCall = flopsPerCall >= 1e9 ? string.Create(CultureInfo.InvariantCulture, $"{flopsPerCall / 1e9:F1} GFLOP") : string.Create(CultureInfo.InvariantCulture, $"{flopsPerCall / 1e6:F0} MFLOP");
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} ({perCall} per call): compiled {Rate(row.Compiled, two)}, compiled at 1 thread {Rate(row.CompiledOneThread, one)}; " +
            $"TorchSharp 1 thread {Rate(row.TorchSharp1, one)}, 2 threads {Rate(row.TorchSharp2, two)}; interpreted {Rate(row.Interpreted, 0)}");
    }

    /// <summary>W4's convolutions alone (<see cref="ConvStepTimer"/>: one step's forward, dW and dX through ConvolutionGemm),
    /// timed at the default thread count and at 1 thread: their GFLOP/s against the FMA peak at the same thread count,
    /// and at 1 thread the share of the compiled step they take (on more threads the step splits its batch instead).</summary>
    private static string ConvolutionLine(Harness harness, LeNet5Workload w4, ResultRow lenet, Dictionary<(int Bits, int Threads), double> peaks)
    {
        int poolThreads = WorkerPool.Threads;
        const string Name = "W4 convolutions alone";
        var timings = harness.Measure(
        [
            new Variant(Name, w4.ConvolutionsOnly),
            new Variant(Name + ", 1 thread", w4.ConvolutionsOnly, () => WorkerPool.Threads = 1, () => WorkerPool.Threads = poolThreads),
        ], Progress);
        var metric = Metric.Time("ms", "step");
        for (int v = 0; v < timings.Length; v++)
            if (timings[v] is { } t) Log(v == 0 ? Name : Name + ", 1 thread", t, metric);
        double flops = LeNet5Workload.Batch * LeNet5Workload.Convolutions.TrainFlopsPerSample;
        int bits = peaks.ContainsKey((512, 1)) ? 512 : 256;
        peaks.TryGetValue((bits, 1), out double one);
        peaks.TryGetValue((bits, Environment.ProcessorCount >= 2 ? 2 : 1), out double two);
        string Rate(Timing? t, double peak, Timing? step)
        {
            if (t is not { } v) return "n/a";
            double gflops = flops / v.SecondsPerCall / 1e9;
            string rate = MarkdownTable.Number(gflops) + " GFLOP/s" + (peak > 0 ? string.Create(CultureInfo.InvariantCulture, $" = {100 * gflops / peak:F0}%") : "");
            string share = step is { } s ? string.Create(CultureInfo.InvariantCulture, $", {100 * v.SecondsPerCall / s.SecondsPerCall:F0}% of the compiled step") : "";
            return $"{MarkdownTable.Number(v.SecondsPerCall * 1e3)} ms ({rate}{share})";
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"W4 convolutions alone (ConvolutionGemm with the step's shapes, {LeNet5Workload.Batch / LeNet5Workload.TileRows} tiles of {LeNet5Workload.TileRows}; " +
            $"{flops / 1e6:F0} MFLOP per step): each call split over the pool {Rate(timings[0], two, null)}; at 1 thread {Rate(timings[1], one, lenet.CompiledOneThread)} (the compiled step on 2 threads runs one chunk of the batch per core, its convolutions on one thread each, so its share is the 1-thread one)");
    }

    /// <summary>W5's attention kernels alone (<see cref="AttentionWorkload"/>): forward and backward with CharGpt's geometry
    /// over a batch of 16, and one sample's forward at T = 1024, each on the calling thread; rows in the compiled column
    /// (microseconds per call) and a line of GFLOP/s against the 1-thread FMA peak.</summary>
    private static ResultRow[] AttentionRows(Harness harness, AttentionWorkload attention, Dictionary<(int Bits, int Threads), double> peaks, List<string> gemmLines)
    {
        string forward = $"W5 attention alone, forward (T 64, 4 heads of 16, causal, batch {AttentionWorkload.Batch})";
        string backward = $"W5 attention alone, backward (T 64, batch {AttentionWorkload.Batch}: dQ, dK, dV)";
        string latency = $"W5 attention inference latency at T = {AttentionWorkload.LongContext} (4 heads of 16, causal, 1 sample)";
        var timings = harness.Measure(
        [
            new Variant(forward, attention.Forward),
            new Variant(backward, attention.Backward),
            new Variant(latency, attention.ForwardLong),
        ], Progress);
        var metric = Metric.Time("us", "call");
        string[] names = [forward, backward, latency];
        for (int v = 0; v < timings.Length; v++)
            if (timings[v] is { } t) Log(names[v], t, metric);
        int bits = peaks.ContainsKey((512, 1)) ? 512 : 256;
        peaks.TryGetValue((bits, 1), out double one);
        double[] flops =
        [
            AttentionWorkload.Batch * AttentionWorkload.ForwardFlopsPerSample(attention.Geometry),
            AttentionWorkload.Batch * AttentionWorkload.BackwardFlopsPerSample(attention.Geometry),
            AttentionWorkload.ForwardFlopsPerSample(attention.LongGeometry),
        ];
        string Rate(int v)
        {
            if (timings[v] is not { } t) return "n/a";
            double gflops = flops[v] / t.SecondsPerCall / 1e9;
            return MarkdownTable.Number(gflops) + " GFLOP/s" + (one > 0 ? string.Create(CultureInfo.InvariantCulture, $" = {100 * gflops / one:F0}%") : "");
        }
        gemmLines.Add(string.Create(CultureInfo.InvariantCulture,
            $"W5 attention alone (ScaledDotProductAttention on the calling thread, against the 1-thread peak): forward at T 64, batch {AttentionWorkload.Batch} " +
            $"({flops[0] / 1e6:F1} MFLOP per call) {Rate(0)}; backward ({flops[1] / 1e6:F1} MFLOP) {Rate(1)}; forward at T = {AttentionWorkload.LongContext}, 1 sample ({flops[2] / 1e6:F1} MFLOP) {Rate(2)}"));
        const string Note = "ScaledDotProductAttention alone, one thread; no interpreted or TorchSharp variant";
        return
        [
            new ResultRow(forward, metric, timings[0], null, null, null, Note),
            new ResultRow(backward, metric, timings[1], null, null, null, Note + "; the gradients accumulate, as in a step"),
            new ResultRow(latency, metric, timings[2], null, null, null, Note),
        ];
    }

    /// <summary>Weight traffic of batch-1 inference, which reads every weight once per call: bytes / latency.</summary>
    private static string BandwidthLine(string name, ResultRow row, double weightBytes)
    {
        string GBs(Timing? t) => t is { } v ? MarkdownTable.Number(weightBytes / 1e9 / v.SecondsPerCall) + " GB/s" : "n/a";
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} (weight-bandwidth bound: {weightBytes / 1e6:F2} MB of weights per call): compiled {GBs(row.Compiled)}, " +
            $"compiled at 1 thread {GBs(row.CompiledOneThread)}; TorchSharp 1 thread {GBs(row.TorchSharp1)}, 2 threads {GBs(row.TorchSharp2)}; interpreted {GBs(row.Interpreted)}");
    }

    private static string Report(List<ResultRow> rows, Dictionary<(int Bits, int Threads), double> peaks, List<string> gemmLines, List<string> checks,
        List<string> lstmFlops, List<string> flopNotes, string data, DateTime started, Harness harness, bool brief, string loadLine, bool disturbed, HashSet<string> selected)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"NetCompiler compare, {started:yyyy-MM-dd HH:mm} UTC{(brief ? " (--short run: fewer, shorter repetitions)" : "")}");
        text.AppendLine();
        if (s_mismatches.Count > 0)
            text.AppendLine($"**The TorchSharp check failed for {string.Join(", ", s_mismatches)} (see the checks below): those TorchSharp columns are n/a or compare different things.**").AppendLine();
        if (disturbed) text.AppendLine("**Warning: other processes or the hypervisor took CPU time during this run (see the last note); the numbers are unreliable.**").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {MachineInfo.Cpu()}; {MachineInfo.Runtime()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- ISA: {MachineInfo.Isa()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- NetCompiler commit: {MachineInfo.Commit()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- TorchSharp: {TorchSharpPeer.Describe()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Data: {data}");
        text.AppendLine();
        text.Append(MarkdownTable.Render(rows));
        text.AppendLine();
        text.Append("FMA peak (12 independent accumulators, no memory traffic):");
        if (peaks.Count == 0) text.Append(" n/a (no accelerated Vector256/Vector512)");
        text.AppendJoin(";", peaks.Select(p => string.Create(CultureInfo.InvariantCulture,
            $" Vector{p.Key.Bits} {p.Key.Threads} thread{(p.Key.Threads > 1 ? "s" : "")} {MarkdownTable.Number(p.Value)} GFLOP/s")));
        text.AppendLine();
        text.AppendLine();
        text.AppendLine("Fraction of the FMA peak at the same thread count (GEMM- and convolution-bound rows), and weight bandwidth at batch 1:");
        foreach (var line in gemmLines) text.AppendLine("- " + line);
        text.AppendLine();
        text.AppendLine("Checks (TorchSharp against compiled NetCompiler, same initial weights; tolerances in each line):");
        if (checks.Count == 0) text.AppendLine("- not run: TorchSharp is not available");
        foreach (var check in checks) text.AppendLine("- " + check);
        text.AppendLine();
        text.AppendLine("Notes:");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- Each variant is warmed up (at least {harness.WarmupSeconds} s), then the variants of a row take turns: {harness.Repetitions} repetitions of about {harness.RepetitionSeconds} s each, median per variant. Ratios are speedups of the compiled code (above 1: compiled is faster); 'best TorchSharp' is the faster of its two thread counts.");
        text.AppendLine("- Training rows: every variant trains its own copy of the same initial network on the training set in a fixed order; " +
                        "W2, W3, W4, ResNetSmall, W6, RowLstmNet, W5 and W7 time steps on consecutive batches, W2 scaled from the median step time to a whole epoch.");
        if (selected.Contains("W3"))
            text.AppendLine("- W3 FLOPs: forward 2 x multiply-adds of the three products (1.34 MFLOP/sample), training 2.4x forward (dW for all layers, dX for layers 2 and 3).");
        if (selected.Overlaps(["W4", "ResNetSmall"]))
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- W4 and ResNetSmall FLOPs: 2 per multiply-add of each convolution and dense layer, forward, dW and dX, except the first convolution's dX " +
                $"(its input is the image; neither NetCompiler nor libtorch computes it); pooling, batch norm, activations and biases not counted. " +
                $"W4 {LeNet5Workload.TrainFlopsPerSample / 1e6:F2} MFLOP per training sample, of which the convolutions {LeNet5Workload.Convolutions.TrainFlopsPerSample / 1e6:F2}; " +
                $"ResNetSmall {ResNetSmallWorkload.TrainFlopsPerSample / 1e6:F1} MFLOP per training sample, {ResNetSmallWorkload.ForwardFlopsPerSample / 1e6:F1} per inference."));
        if (lstmFlops.Count > 0)
            text.AppendLine("- LSTM FLOPs: 2 per multiply-add of the input projection (4H x F) and recurrent product (4H x H) at each of the T steps and of the head; " +
                            "training adds their weight gradients and the hidden state's gradient through W_hh and the head; gate activations and state updates not counted: " +
                            string.Join("; ", lstmFlops) + ".");
        foreach (var note in flopNotes) text.AppendLine("- " + note + ".");
        if (selected.Contains("ResNetSmall"))
            text.AppendLine("- ResNetSmall: batch norm in training mode (batch statistics) in the training row, on its running statistics (TorchSharp in eval mode) in the inference row; " +
                            "every batch norm's weight, bias and running statistics start at fixed values away from 1, 0, 0, 1 so that the check covers them.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- The compiled column runs with the runtime's default worker pool (WorkerPool.Threads = {WorkerPool.Threads}: all cores); 'compiled at 1 thread' sets WorkerPool.Threads = 1. TorchSharp is pinned with torch.set_num_threads.");
        text.AppendLine("- TorchSharp runs under GLIBC_TUNABLES=" + (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { Length: > 0 } tunables ? tunables : "(not set)") +
                        " (libtorch's large temporaries are otherwise unmapped and re-faulted every step).");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- Garbage collection: workstation, background (concurrent) collection {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "off" : "on")}: with it off, a variant's garbage is collected in its own turn, not by a third thread during the next variant's.");
        text.AppendLine("- " + loadLine);
        return text.ToString();
    }

    /// <summary>The note on what else ran: cores used by other processes and hypervisor steal during the run.
    /// More than a tenth of a core of either (or a machine that never got quiet) marks the run as disturbed.
    /// Also used by <c>scaling</c>.</summary>
    internal static string LoadLine((double OtherCores, double StealCores)? load, bool quiet, out bool disturbed)
    {
        if (load is not var (other, steal))
        {
            disturbed = !quiet;
            return "Other load during the run: unknown (no /proc/stat).";
        }
        disturbed = !quiet || other > 0.1 || steal > 0.1;
        return string.Create(CultureInfo.InvariantCulture,
            $"Other load during the run: {other:F2} cores busy in other processes, {steal:F2} cores of hypervisor steal (from /proc/stat; more than 0.1 of either disturbs a 2-core run).");
    }

    private static void Progress(string line) => Console.Error.WriteLine(line);
}
