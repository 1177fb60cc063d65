using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NetCompiler.Definitions.Plotting;

namespace NetCompiler.Definitions.Training;

/// <summary>The main job: trains a zoo network on Fashion-MNIST with live progress, evaluates every epoch, writes a
/// checkpoint, a PNG plot and a CSV of the curves, and ends with a summary that includes one epoch timed on the
/// interpreted path.</summary>
public static class TrainCommand
{
    private const string HistoryKey = "netcompiler.history", SeedKey = "netcompiler.seed", BatchSizeKey = "netcompiler.batch_size";

    /// <summary>Most epochs of history taken over from a checkpoint (for the plot and the curves). A checkpoint can
    /// claim any history; this keeps what it costs to a few megabytes.</summary>
    public const int MaxResumedHistory = 100_000;

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        TrainArguments a;
        ZooEntry entry;
        try
        {
            a = TrainArguments.Parse(args);
            if (a.Help) { PrintHelp(); return 0; }
            entry = ZooCatalog.Find(a.Network);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        try
        {
            return Train(a, entry, args);
        }
        catch (Exception e)   // every failure ends with one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    private static int Train(TrainArguments a, ZooEntry entry, IReadOnlyList<string> args)
    {
        var wall = Stopwatch.StartNew();
        var recipe = entry.Recipe;
        var data = FashionMnistSource.Load(a.DataDirectory);
        Console.WriteLine($"data: {data.Description}");

        var network = entry.Create(a.Seed);
        var options = new TrainerOptions
        {
            Epochs = a.Epochs ?? recipe.Epochs,
            BatchSize = a.BatchSize ?? recipe.BatchSize,
            Seed = a.Seed,
            Threads = a.Threads,
        };
        int batch = Math.Min(options.BatchSize, data.Train.Count);   // the trainer's rule: at most one batch of the whole set
        int batchesPerEpoch = (data.Train.Count + batch - 1) / batch;
        var optimizer = CreateOptimizer(a, recipe, (long)batchesPerEpoch * options.Epochs);
        var trainer = new Trainer(network, optimizer, options);
        var history = new List<EpochRow>();
        if (a.Resume is not null)
        {
            var info = Checkpoint.Load(a.Resume, network, optimizer);
            foreach (string warning in info.Warnings) Console.WriteLine($"warning: {warning}");
            if (info.State is null || !info.OptimizerRestored)
                throw new InvalidDataException($"Checkpoint '{a.Resume}' holds parameters only (no trainer or optimizer state); it cannot be resumed.");
            trainer.Restore(info.State);
            if (info.Metadata.TryGetValue(HistoryKey, out string? saved))
            {
                history.AddRange(EpochRow.ParseLast(saved, MaxResumedHistory, out bool more));
                if (more)
                    Console.WriteLine($"warning: the checkpoint's history has more than {MaxResumedHistory:N0} epochs; the plot and the curves keep the last {MaxResumedHistory:N0}.");
            }
            Console.WriteLine($"resumed from {a.Resume}: epoch {info.State.Epoch + 1}, batch {info.State.Batch}, update {optimizer.StepCount}");
            foreach (var (key, value) in new[] { (SeedKey, a.Seed.ToString(CultureInfo.InvariantCulture)), (BatchSizeKey, options.BatchSize.ToString(CultureInfo.InvariantCulture)) })
                if (info.Metadata.TryGetValue(key, out string? before) && before != value)
                    Console.WriteLine($"warning: the checkpoint was trained with {key["netcompiler.".Length..].Replace('_', ' ')} {before}, this run uses {value}: " +
                        "training continues, but not as the interrupted run would have.");
        }
        Console.WriteLine($"network: {entry.Name} ({entry.Summary}), {network.Parameters.Count:N0} parameters");
        string batchText = batch == options.BatchSize ? $"batch {batch}" : $"batch {batch} (the whole training set: --batch-size {options.BatchSize} is more than its {data.Train.Count:N0} samples)";
        Console.WriteLine($"training: {options.Epochs} epochs, {batchText}, {Describe(optimizer)}, seed {a.Seed}, compiled path, {a.Threads} thread{(a.Threads == 1 ? "" : "s")}");

        string checkpointPath = Path.Combine(a.OutputDirectory, entry.Name + ".safetensors");
        CheckWritable(a.OutputDirectory);   // before training, not after it
        using var interruption = new Interruption();
        interruption.NowFinishing("the current step, then writing a checkpoint");
        var progress = new ProgressBar();
        var clipping = new ClippingTally(optimizer);
        trainer.BatchCompleted += progress.Update;
        trainer.BatchCompleted += _ => clipping.Observe();
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            history.Add(new EpochRow(report.Epoch, report.TrainLoss, report.Test?.Loss ?? double.NaN, report.Test?.Accuracy ?? double.NaN, report.Duration.TotalSeconds));
            Console.WriteLine($"epoch {report.Epoch}: train loss {report.TrainLoss:F4}, test loss {report.Test?.Loss:F4}, test accuracy {report.Test?.Accuracy * 100:F2}%, " +
                $"{report.Duration.TotalSeconds:F2} s ({report.SamplesPerSecond:N0} samples/s)");
            if (a.ShowGradientNorms)
                Console.WriteLine("  gradient norm (mean / max): " + string.Join(", ", report.GradientNorms.Select(g => $"{g.Name} {g.Mean:G3} / {g.Max:G3}")));
            if (clipping.TakeEpochLine() is { } clipped) Console.WriteLine(clipped);
        };

        TrainingResult result;
        try { result = trainer.Fit(data.Train, data.Test, interruption.Token); }
        catch (TrainingDivergedException e)
        {
            // A diverged run is not saved: its parameters are what made the loss explode.
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(File.Exists(checkpointPath)
                ? $"No checkpoint was written; {checkpointPath} is still the one from before this run."
                : "No checkpoint was written.");
            return 1;
        }
        finally { progress.Finish(); }

        string plotPath = Path.Combine(a.OutputDirectory, entry.Name + ".png");
        string csvPath = Path.Combine(a.OutputDirectory, entry.Name + ".csv");
        interruption.NowFinishing($"writing {checkpointPath}{(result.Cancelled ? "" : ", the plot and the curves")}");
        HoldCheckpointWriteForTests();
        var metadata = new Dictionary<string, string>
        {
            [HistoryKey] = EpochRow.FormatAll(history),
            [SeedKey] = a.Seed.ToString(CultureInfo.InvariantCulture),
            [BatchSizeKey] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        };
        Checkpoint.Save(checkpointPath, network, optimizer, trainer.State, metadata);
        VerifyCheckpoint(checkpointPath, entry, network);
        if (result.Cancelled)
        {
            Console.WriteLine($"stopped in epoch {trainer.State.Epoch + 1} after batch {trainer.State.Batch}; checkpoint: {checkpointPath}");
            Console.WriteLine($"continue with: dotnet run -c Release --project definitions -- {ResumeCommand(args, checkpointPath)}");
            return 130;
        }
        WritePlot(plotPath, $"{entry.Name} on Fashion-MNIST, {Describe(optimizer)}, batch {batch}", history);
        AtomicFile.WriteAllText(csvPath, EpochRow.Csv(history));
        if (interruption.Requested)
        {
            Console.WriteLine($"stopped after training finished ({history.Count} epochs); checkpoint {checkpointPath}, plot {plotPath}, curves {csvPath}");
            return 130;
        }
        double trainingSeconds = history.Sum(h => h.Seconds);
        wall.Stop();

        Console.WriteLine();
        Console.WriteLine("summary");
        if (history.Count > 0)
            Console.WriteLine($"  test accuracy:     {history[^1].TestAccuracy * 100:F2}% after {history.Count} epochs (best {history.Max(h => h.TestAccuracy) * 100:F2}%)");
        Console.WriteLine($"  wall time:         {wall.Elapsed.TotalSeconds:F1} s; training {trainingSeconds:F1} s over all {history.Count} epochs" +
            $"{(a.Resume is null ? "" : " (including the runs before the resume)")}, {trainingSeconds / Math.Max(1, history.Count):F2} s per epoch");
        Console.WriteLine($"  checkpoint:        {checkpointPath} (reloaded and verified)");
        Console.WriteLine($"  plot / curves:     {plotPath} / {csvPath}");
        if (a.CompareInterpreted && history.Count > 0)
        {
            interruption.NowFinishing("the current step of the interpreted-path timing (training is finished and saved)");
            if (!CompareInterpreted(entry, a, options, data, history[0].Seconds, (long)batchesPerEpoch * options.Epochs, interruption.Token))
            {
                Console.WriteLine("stopped: the interpreted-path timing was cut short; training is finished and saved");
                return 130;
            }
        }
        return 0;
    }

    /// <summary>Creates <paramref name="directory"/> and writes (then deletes) a file in it, so that an unwritable
    /// output directory fails the job before training rather than after it.</summary>
    internal static void CheckWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            using var _ = new FileStream(Path.Combine(directory, $".write-test-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write,
                FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write to the output directory '{directory}': {e.Message}", e);
        }
    }

    /// <summary>Test hook: with <c>NETCOMPILER_TEST_HOLD_CHECKPOINT=DIR</c>, creates <c>DIR/saving</c> just before the
    /// checkpoint write and waits for <c>DIR/continue</c>, so that a test can press Ctrl+C at exactly this point.</summary>
    private static void HoldCheckpointWriteForTests()
    {
        if (Environment.GetEnvironmentVariable("NETCOMPILER_TEST_HOLD_CHECKPOINT") is not { Length: > 0 } gate) return;
        File.WriteAllText(Path.Combine(gate, "saving"), "");
        while (!File.Exists(Path.Combine(gate, "continue"))) Thread.Sleep(10);
    }

    /// <summary>The same options with <c>--resume</c> pointing at the new checkpoint (same seed, batch size,
    /// optimizer and epochs, which an identical continuation needs).</summary>
    private static string ResumeCommand(IReadOnlyList<string> args, string checkpointPath)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--resume") { i++; continue; }
            kept.Add(args[i].Contains(' ') ? $"\"{args[i]}\"" : args[i]);
        }
        kept.Add("--resume");
        kept.Add(checkpointPath.Contains(' ') ? $"\"{checkpointPath}\"" : checkpointPath);
        return string.Join(' ', kept);
    }

    internal static Optimizer CreateOptimizer(TrainArguments a, TrainingRecipe recipe, long totalSteps)
    {
        float lr = a.LearningRate ?? recipe.LearningRate;
        LearningRateSchedule schedule = (a.Schedule ?? recipe.Schedule) switch
        {
            "cosine" => new CosineSchedule(lr, Math.Max(1, totalSteps - a.WarmupSteps)),
            "step" => new StepSchedule(lr, Math.Max(1, totalSteps / 3), 0.1f),
            _ => new ConstantSchedule(lr),
        };
        if (a.WarmupSteps > 0) schedule = new WarmupSchedule(a.WarmupSteps, schedule);
        float clip = (a.ClipNorm ?? recipe.MaxGradientNorm) is var c && c > 0 ? c : float.PositiveInfinity;   // --clip-norm 0 turns the recipe's off
        string name = a.Optimizer ?? recipe.Optimizer;
        float decay = a.WeightDecay ?? recipe.WeightDecay;
        if (a.Moments != StatePrecision.Float32 && name is not ("adam" or "adamw"))
            throw new ArgumentException($"--moments {a.Moments.ToString().ToLowerInvariant()} applies to adam and adamw; this network's recipe trains with {name} (choose one with --optimizer).");
        return name switch
        {
            "sgd" => new Sgd(schedule) { WeightDecay = decay, MaxGradientNorm = clip },
            "momentum" => new Sgd(schedule, a.Momentum) { WeightDecay = decay, MaxGradientNorm = clip },
            "nesterov" => new Sgd(schedule, a.Momentum, nesterov: true) { WeightDecay = decay, MaxGradientNorm = clip },
            "adam" => new Adam(schedule) { WeightDecay = decay, MaxGradientNorm = clip, Moments = a.Moments },
            "adamw" => new AdamW(schedule) { WeightDecay = decay, MaxGradientNorm = clip, Moments = a.Moments },
            _ => throw new ArgumentException($"--optimizer must be sgd, momentum, nesterov, adam or adamw, not '{name}'."),
        };
    }

    internal static string Describe(Optimizer o)
    {
        var s = new StringBuilder(o.Name);
        s.Append(" lr ").Append(o.LearningRate);
        if (o is Sgd { Momentum: > 0 } sgd) s.Append(" momentum ").Append(sgd.Momentum.ToString(CultureInfo.InvariantCulture));
        if (o.WeightDecay > 0) s.Append(" weight decay ").Append(o.WeightDecay.ToString(CultureInfo.InvariantCulture));
        if (float.IsFinite(o.MaxGradientNorm)) s.Append(" clip ").Append(o.MaxGradientNorm.ToString(CultureInfo.InvariantCulture));
        if (o.StatePrecision != StatePrecision.Float32) s.Append(" moments ").Append(o.StatePrecision.ToString().ToLowerInvariant());
        return s.ToString();
    }

    /// <summary>Reloads the checkpoint into a fresh instance and checks every parameter bit for bit.</summary>
    private static void VerifyCheckpoint(string path, ZooEntry entry, INetwork trained)
    {
        var copy = entry.Create(0);
        Checkpoint.Load(path, copy);
        if (!copy.Parameters.Values.AsSpan().SequenceEqual(trained.Parameters.Values))
            throw new InvalidDataException($"Checkpoint '{path}' did not reload to the trained parameters.");
    }

    /// <summary>The interpreted path's timing stops after this long (ResNetSmall's interpreted epoch would take an
    /// hour); its rate is then compared over the samples it did.</summary>
    private static readonly TimeSpan InterpretedBudget = TimeSpan.FromSeconds(60);

    /// <summary>Times the first epoch again on the interpreted path, from the same initial parameters and order (for at
    /// most <see cref="InterpretedBudget"/>, then the rates of the two are compared); false when
    /// <paramref name="cancellation"/> stopped it.</summary>
    private static bool CompareInterpreted(ZooEntry entry, TrainArguments a, TrainerOptions options, FashionMnistData data, double compiledSeconds, long totalSteps,
        CancellationToken cancellation)
    {
        var network = entry.Create(a.Seed);
        var optimizer = CreateOptimizer(a, entry.Recipe, totalSteps);   // the same schedule as the compiled run's first epoch
        var trainer = new Trainer(network, optimizer, options with { Epochs = 1, Path = ExecutionPath.Interpreted });
        var progress = new ProgressBar();
        long samples = 0;
        trainer.BatchCompleted += p => { samples = p.EpochSamplesDone; progress.Update(p); };
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        budget.CancelAfter(InterpretedBudget);
        Console.WriteLine();
        Console.WriteLine("the same first epoch on the interpreted path (eager tensors over the same definition):");
        var clock = Stopwatch.StartNew();
        var result = trainer.Fit(data.Train, null, budget.Token);
        double seconds = clock.Elapsed.TotalSeconds;
        progress.Finish();
        if (cancellation.IsCancellationRequested) return false;
        if (!result.Cancelled) seconds = result.Epochs[0].Duration.TotalSeconds;
        double compiledRate = data.Train.Count / compiledSeconds, interpretedRate = samples / seconds;
        double ratio = compiledRate / interpretedRate;
        string what = result.Cancelled
            ? $"  interpreted: {interpretedRate:N0} samples/s over its first {samples:N0} samples ({seconds:F0} s, the budget) vs compiled {compiledRate:N0} samples/s over the epoch: "
            : $"  interpreted epoch: {seconds:F2} s vs compiled {compiledSeconds:F2} s: ";
        Console.WriteLine(what + (ratio >= 1 ? $"compiled is {ratio:F1}x faster" : $"compiled is {1 / ratio:F1}x SLOWER (large layers still run per sample, without batch GEMM)"));
        return true;
    }

    private static void WritePlot(string path, string title, IReadOnlyList<EpochRow> history)
    {
        var loss = new List<ChartSeries>
        {
            new("train loss", history.Select(h => h.TrainLoss).ToList(), ChartColors.Blue),
            new("test loss", history.Select(h => h.TestLoss).ToList(), ChartColors.Orange),
        };
        var accuracy = new List<ChartSeries> { new("test accuracy", history.Select(h => h.TestAccuracy * 100).ToList(), ChartColors.Green) };
        TrainingChart.WritePng(path, title, loss, accuracy);
    }

    private static void PrintHelp()
    {
        Console.WriteLine(TrainArguments.Usage);
        Console.WriteLine("networks:");
        foreach (var e in ZooCatalog.All) Console.WriteLine($"  {e.Name,-24} {e.Summary}");
    }
}
