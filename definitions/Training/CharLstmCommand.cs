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
    public static int Run(IReadOnlyList<string> args) => LanguageModelJob.Run(args, Usage, Train);

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- charlstm [options]

        Trains CharLstm, a character-level language model (embedding, two-layer LSTM, a softmax over 97 characters at
        every position), on English text: Debian's fortunes (/usr/share/games/fortunes; apt-get install fortunes) when
        installed, else the text shipped in Data/text. Every tenth fortune (or paragraph) is held out for validation.
        After every epoch it reports the validation loss in nats per character beside the unigram entropy of the text
        (the loss of guessing from character frequencies alone) and prints a short sample; it writes a checkpoint
        (out/charlstm.safetensors), a PNG plot and a CSV. The generate command samples from the checkpoint.

        options:
          --epochs N            epochs over the training text (default: the recipe's)
          --batch-size N        windows of 64 characters per batch (default: the recipe's)
          --lr X                Adam's learning rate (default: the recipe's)
          --clip-norm X         clip gradients to this global L2 norm; 0 turns clipping off (default: the recipe's)
          --steps N             batches per epoch, over the first windows of the text (default: the whole text)
          --text FILE           train on this UTF-8 text file instead (paragraphs separated by blank lines)
          --seed N              seed for initialization, shuffling and the samples (default 1)
          --threads N           threads sharing each batch (1 to 256, default 1)
          --output DIR          output directory (default ./out)
          --no-grad-norms       do not print per-parameter gradient norms
          --help                this text

        Ctrl+C stops after the current step and writes the checkpoint. Exit codes: 0 done, 1 failed (with a message),
        2 bad usage, 130 interrupted.
        """;

    private static int Train(LanguageModelArguments a)
    {
        var wall = Stopwatch.StartNew();
        var corpus = CharCorpus.Load(a.TextFile);
        Console.WriteLine($"text: {corpus.Description}");
        double unigram = corpus.UnigramEntropy();
        var windows = CharCorpus.Windows(corpus.Train, CharLstm.Steps, "train");
        var validation = CharCorpus.Windows(corpus.Validation, CharLstm.Steps, "validation");

        var entry = ZooCatalog.Find(nameof(CharLstm));
        var recipe = entry.Recipe;
        var network = new CharLstm(a.Seed);
        var options = new TrainerOptions { Epochs = a.Epochs ?? recipe.Epochs, BatchSize = a.BatchSize ?? recipe.BatchSize, Seed = a.Seed, Threads = a.Threads };
        int batch = Math.Min(options.BatchSize, windows.Count);
        var train = a.EpochWindows(windows, batch);
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
            Console.WriteLine($"  sample (temperature 0.8, top-k 20): {LanguageModelJob.Quote(SamplePrompt + sample)}");
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
}
