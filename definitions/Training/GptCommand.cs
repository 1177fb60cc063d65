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

/// <summary>The <c>gpt</c> command: trains <see cref="FortuneGpt"/> on English text with live progress; after every
/// epoch reports the validation loss in nats per character beside the unigram and bigram baselines of the same text
/// (<see cref="NGramBaselines"/>), prints a short sample drawn through the KV-cached decoder, and writes the checkpoint,
/// a PNG plot and a CSV, so that an interrupted or stopped run keeps its last epoch.</summary>
public static class GptCommand
{
    /// <summary>The file name (in the output directory) of the checkpoint, plot and curves, without extension.</summary>
    public const string FileStem = "gpt";

    /// <summary>Updates over which the learning rate rises linearly from 0 before the cosine decay (fewer when the run
    /// is short: a tenth of its updates). Adam's first updates, with second-moment estimates from a few batches, are
    /// the large ones that destabilize a Transformer at the full rate.</summary>
    public const int WarmupSteps = 100;

    /// <summary>The prompt of the sample printed after every epoch.</summary>
    private const string SamplePrompt = "The ";

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args) => LanguageModelJob.Run(args, Usage, Train);

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- gpt [options]

        Trains FortuneGpt, a character-level GPT (4 pre-norm Transformer blocks, width 128, 4 heads, context 128, a
        softmax over 97 characters at every position), on English text: Debian's fortunes (/usr/share/games/fortunes;
        apt-get install fortunes) when installed, else the text shipped in Data/text. Every tenth fortune (or
        paragraph) is held out for validation. After every epoch it reports the validation loss in nats per character
        beside two baselines of the same text (unigram: character frequencies; bigram: the character before, both
        counted on the training text and scored on the validation text), prints a short sample, and writes the
        checkpoint (out/gpt.safetensors), a PNG plot and a CSV. AdamW with a linear warmup over the first 100 updates
        and a cosine decay; generate --network gpt samples from the checkpoint.

        options:
          --epochs N            epochs over the training text (default: the recipe's)
          --batch-size N        windows of 128 characters per batch (default: the recipe's)
          --lr X                AdamW's peak learning rate (default: the recipe's)
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
        var baselines = NGramBaselines.Measure(corpus.Train, corpus.Validation, CharVocabulary.Size);
        var windows = CharCorpus.Windows(corpus.Train, FortuneGpt.Context, "train");
        var validation = CharCorpus.Windows(corpus.Validation, FortuneGpt.Context, "validation");

        var entry = ZooCatalog.Find(nameof(FortuneGpt));
        var recipe = entry.Recipe;
        var network = new FortuneGpt(a.Seed);
        var options = new TrainerOptions { Epochs = a.Epochs ?? recipe.Epochs, BatchSize = a.BatchSize ?? recipe.BatchSize, Seed = a.Seed, Threads = a.Threads };
        int batch = Math.Min(options.BatchSize, windows.Count);
        var train = a.EpochWindows(windows, batch);
        long totalSteps = (long)((train.Count + batch - 1) / batch) * options.Epochs;
        int warmup = (int)Math.Min(WarmupSteps, totalSteps / 10);
        var optimizer = TrainCommand.CreateOptimizer(
            new TrainArguments { LearningRate = a.LearningRate, ClipNorm = a.ClipNorm, Network = entry.Name, WarmupSteps = warmup }, recipe, totalSteps);
        var trainer = new Trainer(network, optimizer, options);
        Console.WriteLine($"network: {entry.Name} ({entry.Summary}), {network.Parameters.Count:N0} parameters");
        Console.WriteLine($"training: {options.Epochs} epochs of {train.Count:N0} windows of {FortuneGpt.Context} characters, batch {batch}, " +
            $"{TrainCommand.Describe(optimizer)}, seed {a.Seed}, compiled path, {a.Threads} thread{(a.Threads == 1 ? "" : "s")}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baselines on the validation text: unigram {baselines.Unigram:F3} nats/char, bigram {baselines.Bigram:F3} nats/char (counted on the training text, add-one smoothing)"));

        string checkpointPath = Path.Combine(a.OutputDirectory, FileStem + ".safetensors");
        string plotPath = Path.Combine(a.OutputDirectory, FileStem + ".png"), csvPath = Path.Combine(a.OutputDirectory, FileStem + ".csv");
        TrainCommand.CheckWritable(a.OutputDirectory);
        var history = new List<EpochRow>();
        using var interruption = new Interruption();
        var progress = new ProgressBar();
        var clipping = new ClippingTally(optimizer);
        trainer.BatchCompleted += progress.Update;
        trainer.BatchCompleted += _ => clipping.Observe();
        void Save() => Checkpoint.Save(checkpointPath, network, optimizer, trainer.State, Metadata(history, corpus, baselines));
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            var held = NextCharEvaluation.Measure(network, validation, batch);
            history.Add(new EpochRow(report.Epoch, report.TrainLoss, held.NatsPerChar, held.Accuracy, report.Duration.TotalSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {report.Epoch}: train {report.TrainLoss:F3} nats/char, validation {held.NatsPerChar:F3} nats/char ({held.BitsPerChar:F3} bits/char; " +
                $"unigram {baselines.Unigram:F3}, bigram {baselines.Bigram:F3}), next-character accuracy {held.Accuracy * 100:F1}%, {report.Duration.TotalSeconds:F1} s " +
                $"({report.SamplesPerSecond * FortuneGpt.Context:N0} characters/s)"));
            if (a.ShowGradientNorms)
                Console.WriteLine("  gradient norm (mean / max): " + string.Join(", ", report.GradientNorms.Select(g => $"{g.Name} {g.Mean:G3} / {g.Max:G3}")));
            if (clipping.TakeEpochLine() is { } clipped) Console.WriteLine(clipped);
            string sample = new GptSampler(network, 0.8f, 20, a.Seed).Continue(SamplePrompt, 160);
            Console.WriteLine($"  sample (temperature 0.8, top-k 20): {LanguageModelJob.Quote(SamplePrompt + sample)}");
            interruption.NowFinishing($"writing {checkpointPath}");
            Save();
            WritePlot(plotPath, csvPath, history, baselines, optimizer, batch);
            interruption.NowFinishing("the current step, then writing a checkpoint");
        };

        if (LanguageModelJob.Fit(trainer, train, interruption, progress, Save, checkpointPath, () => history.Count) is { } stopped) return stopped;
        Console.WriteLine();
        Console.WriteLine("summary");
        if (history.Count > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  validation:        {history[^1].TestLoss:F3} nats/char after {history.Count} epochs vs unigram {baselines.Unigram:F3} and bigram {baselines.Bigram:F3} nats/char"));
        Console.WriteLine($"  wall time:         {wall.Elapsed.TotalSeconds:F1} s; training {history.Sum(h => h.Seconds):F1} s");
        Console.WriteLine($"  checkpoint:        {checkpointPath}");
        Console.WriteLine($"  plot / curves:     {plotPath} / {csvPath} (the csv's test columns are the validation loss and next-character accuracy)");
        Console.WriteLine($"  sample with:       dotnet run -c Release --project definitions -- generate --network gpt --checkpoint {checkpointPath} --prompt \"The \"");
        return interruption.Requested ? 130 : 0;
    }

    private static Dictionary<string, string> Metadata(List<EpochRow> history, CharCorpus corpus, NGramBaselines baselines) => new()
    {
        ["netcompiler.history"] = EpochRow.FormatAll(history),
        ["netcompiler.text"] = corpus.Description,
        ["netcompiler.unigram_nats"] = baselines.Unigram.ToString("R", CultureInfo.InvariantCulture),
        ["netcompiler.bigram_nats"] = baselines.Bigram.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void WritePlot(string plotPath, string csvPath, List<EpochRow> history, NGramBaselines baselines, Optimizer optimizer, int batch)
    {
        var loss = new List<ChartSeries>
        {
            new("train nats/char", history.Select(h => h.TrainLoss).ToList(), ChartColors.Blue),
            new("validation nats/char", history.Select(h => h.TestLoss).ToList(), ChartColors.Orange),
            new("unigram baseline", history.Select(_ => baselines.Unigram).ToList(), ChartColors.Red),
            new("bigram baseline", history.Select(_ => baselines.Bigram).ToList(), ChartColors.Purple),
        };
        var accuracy = new List<ChartSeries> { new("next-character accuracy", history.Select(h => h.TestAccuracy * 100).ToList(), ChartColors.Green) };
        TrainingChart.WritePng(plotPath, $"FortuneGpt, {TrainCommand.Describe(optimizer)}, batch {batch}", loss, accuracy);
        AtomicFile.WriteAllText(csvPath, EpochRow.Csv(history));
    }
}
