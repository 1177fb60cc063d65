using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Plotting;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Translation;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>t5</c> command: trains <see cref="T5Translator"/> to translate English words and phrases into Japanese
/// (FreeDict's English-Japanese dictionary) and, under its own prefix, to write English backwards, in one model (T5's
/// text-to-text framing, <see cref="TextToTextTask"/>). It trains the subword tokenizer on the training words first and
/// saves it beside the checkpoint; after every epoch it reports the validation loss per subword and the exact-match
/// accuracy of greedy translations of validation words, and writes the checkpoint, a plot and a CSV; at the end it
/// translates the held-out test words with beam search and reports exact-match and character accuracy against the
/// most-frequent-translation baseline.</summary>
public static class T5Command
{
    /// <summary>The file name (in the output directory) of the checkpoint, plot and curves, without extension.</summary>
    public const string FileStem = "t5";

    /// <summary>The tokenizer's file beside a checkpoint: <c>out/t5.safetensors</c> -> <c>out/t5.tokenizer.json</c>.</summary>
    public static string TokenizerPath(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".tokenizer.json");

    /// <summary>Validation words translated greedily after every epoch (the first of the split).</summary>
    private const int EpochCheckWords = 300;

    /// <summary>Test words whose translations the end of the run prints.</summary>
    private const int ShownWords = 12;

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        T5Arguments a;
        try
        {
            a = T5Arguments.Parse(args);
            if (a.Help) { Console.WriteLine(Usage); return 0; }
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

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- t5 [options]

        Trains T5Translator, a small T5 (3 + 3 layers, width 128, relative position biases, a 2,048-subword vocabulary),
        on two text-to-text tasks at once: "translate English to Japanese: dog" -> 犬, from the FreeDict English-Japanese
        dictionary (Debian's dict-freedict-eng-jpn when installed, else the 3,000-pair sample shipped in
        Data/translation), and "reverse: dog" -> god. Words are split into training, validation and test by a hash of
        the word, so test words are never seen in training. The byte-level BPE tokenizer is trained on the training words
        and saved beside the checkpoint (out/t5.tokenizer.json). After every epoch: the validation loss per subword and the
        exact-match accuracy of greedy translations of 300 validation words; the checkpoint (out/t5.safetensors), a PNG
        plot and a CSV are rewritten. At the end the test words are translated with beam search and scored (exact match
        against any accepted translation; character accuracy) beside the baseline of always answering the most frequent
        training translation. translate --checkpoint out/t5.safetensors translates words with the result.

        options:
          --epochs N            epochs over the training examples (default: the recipe's)
          --batch-size N        examples per batch (default: the recipe's)
          --lr X                AdamW's peak learning rate (default: the recipe's)
          --clip-norm X         clip gradients to this global L2 norm; 0 turns clipping off (default: the recipe's)
          --steps N             batches per epoch (default: all the examples)
          --dictionary DIR      a directory holding freedict-eng-jpn.index and .dict.dz (default: Debian's, else the sample)
          --pairs FILE          train on your own pairs instead: lines "english<TAB>translation|other translation"
          --reverse-every N     add a reverse example for every N-th training word; 0 for none (default 4)
          --beam N              beams of the final test translation (default 4; 1 is greedy)
          --seed N              seed for initialization, shuffling and dropout (default 1)
          --threads N           threads sharing each batch (1 to 256, default 1)
          --output DIR          output directory (default ./out)
          --help                this text

        Ctrl+C stops after the current step and writes the checkpoint. Exit codes: 0 done, 1 failed (with a message),
        2 bad usage, 130 interrupted.
        """;

    private static int Train(T5Arguments a)
    {
        var wall = Stopwatch.StartNew();
        var data = a.Pairs is not null ? EngJpnSource.FromPairFile(a.Pairs) : EngJpnSource.Load(a.Dictionary);
        var split = data.Split;
        Console.WriteLine($"data: {data.Description}");
        TrainCommand.CheckWritable(a.OutputDirectory);
        string checkpointPath = Path.Combine(a.OutputDirectory, FileStem + ".safetensors");
        string tokenizerPath = TokenizerPath(checkpointPath);
        string plotPath = Path.Combine(a.OutputDirectory, FileStem + ".png"), csvPath = Path.Combine(a.OutputDirectory, FileStem + ".csv");

        var clock = Stopwatch.StartNew();
        var tokenizer = SubwordTokenizer.Train(TextToTextTask.TokenizerTexts(split.Train), T5Translator.Vocabulary);
        tokenizer.Save(tokenizerPath);
        var task = new TextToTextTask(tokenizer);
        var (train, droppedTrain) = task.Dataset("train", TextToTextTask.Examples(split.Train, a.ReverseEvery));
        var (validation, _) = task.Dataset("validation", TextToTextTask.Examples(split.Validation, 0));
        Console.WriteLine($"tokenizer: byte-level BPE, {tokenizer.VocabularySize:N0} subwords trained on the training words in {clock.Elapsed.TotalSeconds:F1} s: {tokenizerPath}");
        Console.WriteLine($"examples: {train.Count:N0} to train ({split.Train.Count:N0} translations, reverse every {a.ReverseEvery}; {droppedTrain} too long for " +
            $"{T5Translator.SourceLength} + {T5Translator.TargetLength} subwords), {validation.Count:N0} to validate");

        var entry = ZooCatalog.Find(nameof(T5Translator));
        var recipe = entry.Recipe;
        var network = new T5Translator(a.Seed);
        var options = new TrainerOptions { Epochs = a.Epochs ?? recipe.Epochs, BatchSize = a.BatchSize ?? recipe.BatchSize, Seed = a.Seed, Threads = a.Threads };
        int batch = Math.Min(options.BatchSize, train.Count);
        var epochData = a.Steps is int steps && (long)steps * batch < train.Count ? train.Slice(0, steps * batch, train.Name) : train;
        long totalSteps = (long)((epochData.Count + batch - 1) / batch) * options.Epochs;
        int warmup = (int)Math.Min(GptCommand.WarmupSteps, totalSteps / 10);
        var optimizer = TrainCommand.CreateOptimizer(
            new TrainArguments { LearningRate = a.LearningRate, ClipNorm = a.ClipNorm, Network = entry.Name, WarmupSteps = warmup }, recipe, totalSteps);
        var trainer = new Trainer(network, optimizer, options);
        Console.WriteLine($"network: {entry.Name} ({entry.Summary}), {network.Parameters.Count:N0} parameters");
        Console.WriteLine($"training: {options.Epochs} epochs of {epochData.Count:N0} examples, batch {batch}, {TrainCommand.Describe(optimizer)}, seed {a.Seed}, " +
            $"compiled path, {a.Threads} thread{(a.Threads == 1 ? "" : "s")}");
        var (baseline, baselineAnswer) = T5Evaluation.MostFrequentBaseline(split.Train, split.Test);
        Console.WriteLine($"baseline on the test words: always \"{baselineAnswer}\" (the most frequent training translation): {baseline}");

        var greedy = new BeamSearch(network, width: 1);
        var checkWords = split.Validation.Take(EpochCheckWords).ToList();
        var history = new List<EpochRow>();
        using var interruption = new Interruption();
        var progress = new ProgressBar();
        var clipping = new ClippingTally(optimizer);
        trainer.BatchCompleted += progress.Update;
        trainer.BatchCompleted += _ => clipping.Observe();
        void Save() => Checkpoint.Save(checkpointPath, network, optimizer, trainer.State, Metadata(history, data, tokenizerPath));
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            var (loss, tokenAccuracy) = T5Evaluation.TeacherForced(network, validation, batch);
            var (check, _) = T5Evaluation.Translation(greedy, task, checkWords);
            history.Add(new EpochRow(report.Epoch, report.TrainLoss, loss, check.ExactMatch, report.Duration.TotalSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {report.Epoch}: train {report.TrainLoss:F3}, validation {loss:F3} nats/subword (next-subword accuracy {tokenAccuracy * 100:F1}%), " +
                $"greedy on {check.Count} validation words: {check}, {report.Duration.TotalSeconds:F1} s ({report.SamplesPerSecond:N0} examples/s)"));
            if (clipping.TakeEpochLine() is { } clipped) Console.WriteLine(clipped);
            interruption.NowFinishing($"writing {checkpointPath}");
            Save();
            WritePlot(plotPath, csvPath, history, optimizer, batch);
            interruption.NowFinishing("the current step, then writing a checkpoint");
        };

        if (LanguageModelJob.Fit(trainer, epochData, interruption, progress, Save, checkpointPath, () => history.Count) is { } stopped) return stopped;

        Console.WriteLine();
        clock.Restart();
        var search = new BeamSearch(network, a.Beam, lengthPenalty: 1f);
        var (test, outputs) = T5Evaluation.Translation(search, task, split.Test);
        var reversal = T5Evaluation.Reversal(search, task, split.Test);
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"test words never seen in training, beam {a.Beam}:");
        for (int i = 0; i < Math.Min(ShownWords, split.Test.Count); i++)
            Console.WriteLine($"  {split.Test[i].English,-24} -> {outputs[i],-12} (dictionary: {string.Join(", ", split.Test[i].Accepted.Take(3))})");
        Console.WriteLine();
        Console.WriteLine("summary");
        Console.WriteLine($"  translation (test): {test}");
        Console.WriteLine($"  baseline (test):    {baseline}, always \"{baselineAnswer}\"");
        Console.WriteLine($"  reverse (test):     {reversal}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  decoding:           {2 * split.Test.Count:N0} outputs in {seconds:F1} s ({seconds * 1000 / Math.Max(1, 2 * split.Test.Count):F2} ms per word, beam {a.Beam}, KV cache)"));
        Console.WriteLine($"  wall time:          {wall.Elapsed.TotalSeconds:F1} s; training {history.Sum(h => h.Seconds):F1} s");
        Console.WriteLine($"  checkpoint:         {checkpointPath} (tokenizer {tokenizerPath})");
        Console.WriteLine($"  plot / curves:      {plotPath} / {csvPath} (the csv's test columns are the validation loss per subword and greedy exact match)");
        Console.WriteLine($"  translate with:     dotnet run -c Release --project definitions -- translate --checkpoint {checkpointPath} \"thank you\" dog");
        return interruption.Requested ? 130 : 0;
    }

    private static Dictionary<string, string> Metadata(List<EpochRow> history, EngJpnData data, string tokenizerPath) => new()
    {
        ["netcompiler.history"] = EpochRow.FormatAll(history),
        ["netcompiler.data"] = data.Description,
        ["netcompiler.tokenizer"] = Path.GetFileName(tokenizerPath),
    };

    private static void WritePlot(string plotPath, string csvPath, List<EpochRow> history, Optimizer optimizer, int batch)
    {
        var loss = new List<ChartSeries>
        {
            new("train nats/subword", history.Select(h => h.TrainLoss).ToList(), ChartColors.Blue),
            new("validation nats/subword", history.Select(h => h.TestLoss).ToList(), ChartColors.Orange),
        };
        var accuracy = new List<ChartSeries> { new("greedy exact match, validation words", history.Select(h => h.TestAccuracy * 100).ToList(), ChartColors.Green) };
        TrainingChart.WritePng(plotPath, $"T5Translator, {TrainCommand.Describe(optimizer)}, batch {batch}", loss, accuracy);
        AtomicFile.WriteAllText(csvPath, EpochRow.Csv(history));
    }
}
