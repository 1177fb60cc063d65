using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Plotting;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>charlstm</c> command: trains <see cref="CharLstm"/> on English text with live progress, reports the
/// validation loss in nats per character beside the unigram entropy of the text after every epoch, with a short
/// sample, and writes a checkpoint, a PNG plot and a CSV.</summary>
public static class CharLstmCommand
{
    /// <summary>The file name (in the output directory) of the checkpoint, plot and curves, without extension.</summary>
    public const string FileStem = "charlstm";

    /// <summary>The prompt of the sample printed after every epoch.</summary>
    private const string SamplePrompt = "The ";

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        CharLstmArguments a;
        try
        {
            a = CharLstmArguments.Parse(args);
            if (a.Help) { Console.WriteLine(CharLstmArguments.Usage); return 0; }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        try
        {
            return Train(a);
        }
        catch (Exception e)   // every failure ends with one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    private static int Train(CharLstmArguments a)
    {
        var wall = Stopwatch.StartNew();
        var corpus = CharCorpus.Load(a.TextFile);
        Console.WriteLine($"text: {corpus.Description}");
        double unigram = corpus.UnigramEntropy();
        var train = CharCorpus.Windows(corpus.Train, CharLstm.Steps, "train");
        var validation = CharCorpus.Windows(corpus.Validation, CharLstm.Steps, "validation");

        var entry = ZooCatalog.Find(nameof(CharLstm));
        var recipe = entry.Recipe;
        var network = new CharLstm(a.Seed);
        var options = new TrainerOptions { Epochs = a.Epochs ?? recipe.Epochs, BatchSize = a.BatchSize ?? recipe.BatchSize, Seed = a.Seed, Threads = a.Threads };
        int batch = Math.Min(options.BatchSize, train.Count);
        long totalSteps = (long)((train.Count + batch - 1) / batch) * options.Epochs;
        var optimizer = TrainCommand.CreateOptimizer(
            new TrainArguments { LearningRate = a.LearningRate, ClipNorm = a.ClipNorm, Network = entry.Name }, recipe, totalSteps);
        var trainer = new Trainer(network, optimizer, options);
        Console.WriteLine($"network: {entry.Name} ({entry.Summary}), {network.Parameters.Count:N0} parameters");
        Console.WriteLine($"training: {options.Epochs} epochs of {train.Count:N0} windows of {CharLstm.Steps} characters, batch {batch}, " +
            $"{TrainCommand.Describe(optimizer)}, seed {a.Seed}, compiled path");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unigram entropy of the training text: {unigram:F3} nats/char ({unigram / Math.Log(2):F3} bits/char), the loss of knowing only how often each character occurs"));

        string checkpointPath = Path.Combine(a.OutputDirectory, FileStem + ".safetensors");
        TrainCommand.CheckWritable(a.OutputDirectory);
        var history = new List<EpochRow>();
        using var interruption = new Interruption();
        interruption.NowFinishing("the current step, then writing a checkpoint");
        var progress = new ProgressBar();
        var clipping = new ClippingTally(optimizer);
        trainer.BatchCompleted += progress.Update;
        trainer.BatchCompleted += _ => clipping.Observe();
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            var held = NextCharEvaluation.Measure(network, validation, batch);
            history.Add(new EpochRow(report.Epoch, report.TrainLoss, held.NatsPerChar, held.Accuracy, report.Duration.TotalSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {report.Epoch}: train {report.TrainLoss:F3} nats/char, validation {held.NatsPerChar:F3} nats/char ({held.BitsPerChar:F3} bits/char; " +
                $"unigram entropy {unigram:F3}), next-character accuracy {held.Accuracy * 100:F1}%, {report.Duration.TotalSeconds:F1} s " +
                $"({report.SamplesPerSecond * CharLstm.Steps:N0} characters/s)"));
            if (a.ShowGradientNorms)
                Console.WriteLine("  gradient norm (mean / max): " + string.Join(", ", report.GradientNorms.Select(g => $"{g.Name} {g.Mean:G3} / {g.Max:G3}")));
            if (clipping.TakeEpochLine() is { } clipped) Console.WriteLine(clipped);
            string sample = new CharSampler(network, 0.8f, 20, a.Seed).Continue(SamplePrompt, 160);
            Console.WriteLine($"  sample (temperature 0.8, top-k 20): {Quote(SamplePrompt + sample)}");
        };

        TrainingResult result;
        try { result = trainer.Fit(train, null, interruption.Token); }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("No checkpoint was written.");
            return 1;
        }
        finally { progress.Finish(); }

        interruption.NowFinishing($"writing {checkpointPath}");
        var metadata = new Dictionary<string, string>
        {
            ["netcompiler.history"] = EpochRow.FormatAll(history),
            ["netcompiler.text"] = corpus.Description,
            ["netcompiler.unigram_entropy"] = unigram.ToString("R", CultureInfo.InvariantCulture),
        };
        Checkpoint.Save(checkpointPath, network, optimizer, trainer.State, metadata);
        if (result.Cancelled)
        {
            Console.WriteLine($"stopped in epoch {trainer.State.Epoch + 1} after batch {trainer.State.Batch}; checkpoint: {checkpointPath}");
            return 130;
        }
        string plotPath = Path.Combine(a.OutputDirectory, FileStem + ".png"), csvPath = Path.Combine(a.OutputDirectory, FileStem + ".csv");
        var loss = new List<ChartSeries>
        {
            new("train nats/char", history.Select(h => h.TrainLoss).ToList(), ChartColors.Blue),
            new("validation nats/char", history.Select(h => h.TestLoss).ToList(), ChartColors.Orange),
            new("unigram entropy", history.Select(_ => unigram).ToList(), ChartColors.Red),
        };
        var accuracy = new List<ChartSeries> { new("next-character accuracy", history.Select(h => h.TestAccuracy * 100).ToList(), ChartColors.Green) };
        TrainingChart.WritePng(plotPath, $"CharLstm, {TrainCommand.Describe(optimizer)}, batch {batch}", loss, accuracy);
        AtomicFile.WriteAllText(csvPath, EpochRow.Csv(history));

        Console.WriteLine();
        Console.WriteLine("summary");
        if (history.Count > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  validation:        {history[^1].TestLoss:F3} nats/char after {history.Count} epochs vs unigram entropy {unigram:F3} nats/char"));
        Console.WriteLine($"  wall time:         {wall.Elapsed.TotalSeconds:F1} s; training {history.Sum(h => h.Seconds):F1} s");
        Console.WriteLine($"  checkpoint:        {checkpointPath}");
        Console.WriteLine($"  plot / curves:     {plotPath} / {csvPath} (the csv's test columns are the validation loss and next-character accuracy)");
        Console.WriteLine($"  sample with:       dotnet run -c Release --project definitions -- generate --checkpoint {checkpointPath} --prompt \"The \"");
        return interruption.Requested ? 130 : 0;
    }

    /// <summary>Text on one line, newlines shown as \n, so that a sample does not break the report's layout.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\n", "\\n") + "\"";
}
