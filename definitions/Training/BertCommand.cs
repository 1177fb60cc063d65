using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Plotting;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>What one classifier run of <see cref="BertCommand"/> reached.</summary>
/// <param name="Label">How the table names it.</param>
/// <param name="History">Each epoch: training loss, validation loss and accuracy, seconds.</param>
/// <param name="Test">The test set's loss and accuracy after the last epoch.</param>
/// <param name="Seconds">Wall time of the run, evaluations included.</param>
public sealed record BertClassifierRun(string Label, IReadOnlyList<EpochRow> History, Evaluation Test, double Seconds);

/// <summary>The <c>bert</c> command: BERT's recipe at a small scale on Debian's fortunes. Trains a byte-level BPE
/// tokenizer on the training text, pretrains <see cref="BertMlm"/> as a masked language model (BERT's 15% / 80-10-10
/// masking, redrawn every epoch) reporting the masked-token accuracy on validation against the most-frequent-token
/// baseline, then trains <see cref="BertClassifier"/> to tell the fortunes' categories apart twice with the same
/// budget: fine-tuned from the pretrained encoder, and from scratch; it reports both runs' validation and test accuracy
/// beside the majority-class baseline.</summary>
public static class BertCommand
{
    /// <summary>The defaults: what finishes in about a quarter of an hour on two shared cores with the fortunes
    /// installed (see the README's measurements).</summary>
    public const int DefaultEpochs = 8, DefaultFineTuneEpochs = 3, DefaultBatchSize = 32;

    /// <summary>AdamW's peak learning rates: pretraining, and both classifier runs.</summary>
    public const float DefaultLearningRate = 1e-3f, DefaultFineTuneLearningRate = 2e-4f;

    /// <summary>AdamW's decoupled weight decay (BERT's 0.01) and the global gradient-norm clip (Hugging Face's 1).</summary>
    public const float WeightDecay = 0.01f, ClipNorm = 1f;

    /// <summary>Updates of linear warmup at most (a tenth of a run's updates when fewer), then a cosine decay to 0.</summary>
    public const int WarmupSteps = 100;

    /// <summary>File names in the output directory.</summary>
    public const string TokenizerFile = "bert.tokenizer.json", MlmStem = "bert-mlm", ClassifierStem = "bert-classifier";

    /// <summary>The masking epoch of the validation sequences: one fixed draw, so that every epoch is scored on the same
    /// masked positions.</summary>
    private const int ValidationMaskEpoch = -1;

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        BertArguments a;
        try { a = BertArguments.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        if (a.Help)
        {
            Console.WriteLine(Usage);
            return 0;
        }
        try { return Train(a); }
        catch (Exception e)   // every failure ends with one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    /// <summary>The option list for --help.</summary>
    public static readonly string Usage = string.Create(CultureInfo.InvariantCulture, $"""
        usage: dotnet run -c Release --project definitions -- bert [options]

        BERT on fortunes. Trains a byte-level BPE tokenizer of {BertMlm.Vocabulary:N0} subwords on the training text
        (out/{TokenizerFile}), pretrains BertMlm (a post-norm BERT encoder: 4 layers, width 128, 4 heads, context 64)
        as a masked language model on every fortune's training part, reporting the masked-token accuracy on the
        validation part after every epoch beside the most-frequent-token baseline, and writes out/{MlmStem}.safetensors,
        a PNG plot and a CSV. Then it trains BertClassifier to tell the {BertClassifier.Classes} largest fortune files
        (categories) apart twice with the same epochs, batch, learning rate and seed: fine-tuned from the pretrained
        encoder (loaded by name), and from scratch; it prints both runs' validation and test accuracy beside the
        majority-class baseline, and writes out/{ClassifierStem}.png and a CSV per run. Fortunes are split 80/10/10
        into training, validation and test by a stable hash of their text. Text: Debian's fortunes
        (/usr/share/games/fortunes; apt-get install fortunes) when installed, else the shipped Data/text/categories.txt.
        AdamW (weight decay {WeightDecay}, clip norm {ClipNorm}) with a linear warmup over the first {WarmupSteps} updates (a
        tenth of a short run's) and a cosine decay, in every run.

        options:
          --epochs N            pretraining epochs (default {DefaultEpochs})
          --finetune-epochs N   epochs of each classifier run (default {DefaultFineTuneEpochs})
          --batch-size N        sequences per batch, in every run (default {DefaultBatchSize})
          --lr X                AdamW's peak learning rate in pretraining (default {DefaultLearningRate})
          --finetune-lr X       AdamW's peak learning rate of both classifier runs (default {DefaultFineTuneLearningRate})
          --steps N             batches per epoch, in every run (default: all the data; a quick look)
          --data DIR            a directory of fortune files instead of Debian's (files without an extension)
          --pretrained FILE     skip the tokenizer and pretraining: fine-tune this BertMlm checkpoint, whose
                                tokenizer ({TokenizerFile}) is in the same directory
          --seed N              seed for initialization, masking and shuffling, the same in every run (default 1)
          --threads N           threads sharing each batch (1 to 256, default 1)
          --output DIR          output directory (default ./out)
          -h, --help            this text

        Ctrl+C stops after the current step (in pretraining, the checkpoint is written first). Exit codes: 0 done,
        1 failed (with a message), 2 bad usage, 130 interrupted.
        """);

    private static int Train(BertArguments a)
    {
        var wall = Stopwatch.StartNew();
        var data = FortuneCategories.Load(a.DataDirectory);
        Console.WriteLine($"text: {data.Description}");
        TrainCommand.CheckWritable(a.OutputDirectory);   // before training, not after it
        using var interruption = new Interruption();

        SubwordTokenizer tokenizer;
        string checkpoint;
        MlmOutcome? pretraining = null;
        if (a.Pretrained is not null)
        {
            checkpoint = a.Pretrained;
            if (!File.Exists(checkpoint)) throw new FileNotFoundException($"Checkpoint '{checkpoint}' does not exist.", checkpoint);
            string tokenizerPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, TokenizerFile);
            tokenizer = SubwordTokenizer.Load(tokenizerPath);
            Console.WriteLine($"pretraining skipped: the encoder comes from {checkpoint}, the tokenizer from {tokenizerPath}");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            tokenizer = SubwordTokenizer.Train(data.Train.Select(f => f.Text), BertMlm.Vocabulary);
            string tokenizerPath = Path.Combine(a.OutputDirectory, TokenizerFile);
            tokenizer.Save(tokenizerPath);
            Console.WriteLine($"tokenizer: {tokenizer.VocabularySize:N0} subwords learnt from the training text in {clock.Elapsed.TotalSeconds:F1} s; {tokenizerPath}");
            checkpoint = Path.Combine(a.OutputDirectory, MlmStem + ".safetensors");
            pretraining = Pretrain(a, data, tokenizer, checkpoint, interruption);
            if (pretraining is null) return 130;
            if (pretraining.Diverged) return 1;
        }

        var classes = data.TopCategories(BertClassifier.Classes);
        int? limit = a.Steps is int steps ? steps * a.BatchSize : null;
        var train = ClassifierData(data.Train, classes, tokenizer, "classifier train", limit);
        var validation = ClassifierData(data.Validation, classes, tokenizer, "classifier validation");
        var test = ClassifierData(data.Test, classes, tokenizer, "classifier test");
        int majority = MajorityLabel(train);
        double majorityValidation = Share(validation, majority), majorityTest = Share(test, majority);
        Console.WriteLine();
        Console.WriteLine($"classification: {classes.Count} categories ({string.Join(", ", classes)}), unbalanced: " +
            $"{train.Count:N0} train / {validation.Count:N0} validation / {test.Count:N0} test fortunes, the first {BertMlm.Context - 2} subwords of each");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"majority-class baseline ({classes[majority]}, the most frequent in training): {majorityValidation * 100:F2}% of validation, {majorityTest * 100:F2}% of test"));

        var runs = new List<BertClassifierRun>();
        foreach (bool pretrained in new[] { true, false })
        {
            string label = pretrained ? "fine-tuned from the pretrained encoder" : "from scratch";
            var network = new BertClassifier(a.Seed);   // the same initialization in both runs, pooler and classifier included
            Console.WriteLine();
            Console.WriteLine($"{label}: {a.FineTuneEpochs} epochs, batch {Math.Min(a.BatchSize, train.Count)}, seed {a.Seed}");
            if (pretrained) LoadEncoder(checkpoint, network);
            var run = Classify(network, label, train, validation, test, a, interruption);
            if (run is null)
            {
                Console.WriteLine($"stopped during the run {label}");
                return 130;
            }
            runs.Add(run);
            if (pretrained)
            {
                string classifierCheckpoint = Path.Combine(a.OutputDirectory, ClassifierStem + ".safetensors");
                interruption.NowFinishing($"writing {classifierCheckpoint}");
                Checkpoint.Save(classifierCheckpoint, network, metadata: new Dictionary<string, string> { ["netcompiler.categories"] = string.Join(',', classes) });
                interruption.NowFinishing("the current step");
            }
            AtomicFile.WriteAllText(Path.Combine(a.OutputDirectory, $"{ClassifierStem}-{(pretrained ? "finetuned" : "scratch")}.csv"), EpochRow.Csv(run.History));
        }
        string classifierPlot = Path.Combine(a.OutputDirectory, ClassifierStem + ".png");
        WriteClassifierPlot(classifierPlot, runs, majorityValidation, a);

        Console.WriteLine();
        Console.WriteLine("summary");
        if (pretraining is { History.Count: > 0 })
        {
            var last = pretraining.History[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  masked-token accuracy (validation): {last.TestAccuracy * 100:F2}% after {pretraining.History.Count} epochs vs {pretraining.BaselineAccuracy * 100:F2}% predicting the most frequent token ({LanguageModelJob.Quote(tokenizer.TokenText(pretraining.BaselineToken))})"));
        }
        Console.Write(Table(runs, majorityValidation, majorityTest));
        Console.WriteLine($"  wall time: {wall.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"  files:     {a.OutputDirectory}/{TokenizerFile}, {MlmStem}.safetensors/.png/.csv, {ClassifierStem}.safetensors/.png, {ClassifierStem}-finetuned.csv, {ClassifierStem}-scratch.csv");
        return interruption.Requested ? 130 : 0;
    }

    /// <summary>The pretraining's history, its baseline, and whether it stopped on a diverged step.</summary>
    private sealed record MlmOutcome(List<EpochRow> History, int BaselineToken, double BaselineAccuracy, bool Diverged);

    /// <summary>Pretrains BertMlm, one trainer per epoch (each epoch masks the sequences anew) sharing one optimizer;
    /// null when Ctrl+C stopped it (the checkpoint of the step reached is written).</summary>
    private static MlmOutcome? Pretrain(BertArguments a, FortuneCategories data, SubwordTokenizer tokenizer, string checkpoint, Interruption interruption)
    {
        const int length = BertMlm.Context;
        int[] sequences = BertSequences.Packed(tokenizer, data.Train.Select(f => f.Text), length);
        int[] held = BertSequences.Packed(tokenizer, data.Validation.Select(f => f.Text), length);
        int count = sequences.Length / length;
        if (a.Steps is int steps && (long)steps * a.BatchSize < count)
        {
            count = steps * a.BatchSize;
            sequences = sequences[..(count * length)];
        }
        var masking = new MlmMasking(BertMlm.Vocabulary, a.Seed);
        var validation = masking.Dataset(held, length, ValidationMaskEpoch, "mlm validation");
        int baselineToken = BertSequences.MostFrequentToken(sequences, BertMlm.Vocabulary);
        int batch = Math.Min(a.BatchSize, count);
        long totalSteps = (long)((count + batch - 1) / batch) * a.Epochs;
        var optimizer = CreateOptimizer(a.LearningRate, totalSteps);
        var network = new BertMlm(a.Seed);
        var entry = ZooCatalog.Find(nameof(BertMlm));
        Console.WriteLine($"network: {entry.Name} ({entry.Summary}), {network.Parameters.Count:N0} parameters");
        Console.WriteLine($"pretraining: {a.Epochs} epochs of {count:N0} sequences of {length} subwords (packed fortunes), batch {batch}, " +
            $"{TrainCommand.Describe(optimizer)}, seed {a.Seed}, {a.Threads} thread{(a.Threads == 1 ? "" : "s")}; masks redrawn every epoch");
        Console.WriteLine($"validation: {validation.Count:N0} sequences, masked once ({MaskedPositions(validation):N0} masked positions)");

        string plotPath = Path.Combine(a.OutputDirectory, MlmStem + ".png"), csvPath = Path.Combine(a.OutputDirectory, MlmStem + ".csv");
        var history = new List<EpochRow>();
        double baselineAccuracy = double.NaN;
        var progress = new ProgressBar();
        var clipping = new ClippingTally(optimizer);
        Trainer? trainer = null;
        void Save() => Checkpoint.Save(checkpoint, network, optimizer, trainer!.State, new Dictionary<string, string>
        {
            ["netcompiler.history"] = EpochRow.FormatAll(history),
            ["netcompiler.text"] = data.Description,
            ["netcompiler.tokenizer"] = TokenizerFile,
        });
        interruption.NowFinishing("the current step, then writing a checkpoint");
        for (int epoch = 0; epoch < a.Epochs; epoch++)
        {
            var train = masking.Dataset(sequences, length, epoch, "mlm train");
            trainer = new Trainer(network, optimizer, new TrainerOptions { Epochs = epoch + 1, BatchSize = batch, Seed = a.Seed, Threads = a.Threads });
            trainer.Restore(new TrainingState(epoch, 0, 0, 0));
            int epochs = a.Epochs;
            trainer.BatchCompleted += p => progress.Update(p with { Epochs = epochs });
            trainer.BatchCompleted += _ => clipping.Observe();
            trainer.EpochCompleted += report =>
            {
                progress.Finish();
                var held = MaskedTokenEvaluation.Measure(network, validation, batch, baselineToken);
                baselineAccuracy = held.BaselineAccuracy;
                history.Add(new EpochRow(report.Epoch, report.TrainLoss, held.NatsPerToken, held.Accuracy, report.Duration.TotalSeconds));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {report.Epoch}: train {report.TrainLoss:F3} nats/masked token, validation {held.NatsPerToken:F3}, masked-token accuracy {held.Accuracy * 100:F2}% " +
                    $"(most frequent token: {held.BaselineAccuracy * 100:F2}%), {report.Duration.TotalSeconds:F1} s ({report.SamplesPerSecond * length:N0} tokens/s)"));
                if (clipping.TakeEpochLine() is { } clipped) Console.WriteLine(clipped);
                interruption.NowFinishing($"writing {checkpoint}");
                Save();
                WriteMlmPlot(plotPath, csvPath, history, held.BaselineAccuracy, optimizer, batch);
                interruption.NowFinishing("the current step, then writing a checkpoint");
            };
            TrainingResult result;
            try { result = trainer.Fit(train, null, interruption.Token); }
            catch (TrainingDivergedException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Console.Error.WriteLine(history.Count == 0 ? "No checkpoint was written." : $"The checkpoint of epoch {history.Count} is kept: {checkpoint}");
                return new MlmOutcome(history, baselineToken, baselineAccuracy, Diverged: true);
            }
            finally { progress.Finish(); }
            if (result.Cancelled)
            {
                interruption.NowFinishing($"writing {checkpoint}");
                Save();
                Console.WriteLine($"stopped in pretraining epoch {epoch + 1} after batch {trainer.State.Batch}; checkpoint: {checkpoint}");
                return null;
            }
        }
        Console.WriteLine($"pretrained: {checkpoint}; plot / curves: {plotPath} / {csvPath} (the csv's test columns are the validation nats per masked token and masked-token accuracy)");
        return new MlmOutcome(history, baselineToken, baselineAccuracy, Diverged: false);
    }

    /// <summary>AdamW at peak <paramref name="learningRate"/>: a linear warmup over <see cref="WarmupSteps"/> updates (a
    /// tenth of the run when shorter), then a cosine decay to 0 at <paramref name="totalSteps"/>.</summary>
    private static Optimizer CreateOptimizer(float learningRate, long totalSteps)
    {
        int warmup = (int)Math.Min(WarmupSteps, totalSteps / 10);
        var recipe = new TrainingRecipe("adamw", learningRate, DefaultBatchSize, 1, "cosine", WeightDecay, ClipNorm);
        return TrainCommand.CreateOptimizer(new TrainArguments { WarmupSteps = warmup }, recipe, totalSteps);
    }

    /// <summary>Loads the encoder of the MLM checkpoint by name; the MLM head (<c>cls.*</c>) is not in the classifier,
    /// and the classifier's pooler and head keep their initialization.</summary>
    private static void LoadEncoder(string checkpoint, INetwork network)
    {
        var report = Checkpoint.LoadMatching(checkpoint, network);
        if (report.Loaded.Count == 0)
            throw new InvalidDataException($"Checkpoint '{checkpoint}' has none of {network.GetType().Name}'s parameters: " +
                $"{report}".Replace(Environment.NewLine, "; "));
        Console.WriteLine($"partial load of {checkpoint} into {network.GetType().Name}, by name:");
        foreach (string line in report.ToString().Split(Environment.NewLine)) Console.WriteLine("  " + (line.Length > 220 ? line[..217] + "..." : line));
    }

    /// <summary>Trains one classifier, printing progress and each epoch's validation accuracy, then evaluates the test
    /// set; null when Ctrl+C stopped it.</summary>
    private static BertClassifierRun? Classify(INetwork network, string label, Dataset train, Dataset validation, Dataset test, BertArguments a,
        Interruption interruption)
    {
        int batch = Math.Min(a.BatchSize, train.Count);
        long totalSteps = (long)((train.Count + batch - 1) / batch) * a.FineTuneEpochs;
        var optimizer = CreateOptimizer(a.FineTuneLearningRate, totalSteps);
        var trainer = new Trainer(network, optimizer, new TrainerOptions { Epochs = a.FineTuneEpochs, BatchSize = batch, Seed = a.Seed, Threads = a.Threads });
        var progress = new ProgressBar();
        var history = new List<EpochRow>();
        trainer.BatchCompleted += progress.Update;
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            var v = report.Test!.Value;
            history.Add(new EpochRow(report.Epoch, report.TrainLoss, v.Loss, v.Accuracy, report.Duration.TotalSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  epoch {report.Epoch}: train loss {report.TrainLoss:F4}, validation loss {v.Loss:F4}, validation accuracy {v.Accuracy * 100:F2}%, {report.Duration.TotalSeconds:F1} s"));
        };
        var clock = Stopwatch.StartNew();
        TrainingResult result;
        try { result = trainer.Fit(train, validation, interruption.Token); }
        finally { progress.Finish(); }
        if (result.Cancelled) return null;
        var t = trainer.Evaluate(test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  test: loss {t.Loss:F4}, accuracy {t.Accuracy * 100:F2}%"));
        return new BertClassifierRun(label, history, t, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The fortunes of <paramref name="classes"/> as classifier inputs (<see cref="BertSequences.Single"/>)
    /// labelled by their category's index; with a <paramref name="limit"/> below their number, that many spread evenly
    /// over them (every category, not the first file's).</summary>
    public static Dataset ClassifierData(IReadOnlyList<CategorizedText> fortunes, IReadOnlyList<string> classes, SubwordTokenizer tokenizer, string name,
        int? limit = null)
    {
        const int length = BertMlm.Context;
        var kept = fortunes.Where(f => classes.Contains(f.Category)).ToList();
        if (kept.Count == 0) throw new InvalidDataException($"The {name} set has no fortunes of the categories {string.Join(", ", classes)}.");
        if (limit is int n && n < kept.Count) kept = [.. Enumerable.Range(0, n).Select(i => kept[(int)((long)i * kept.Count / n)])];
        var features = new float[kept.Count * length];
        var labels = new int[kept.Count];
        var sequence = new int[length];
        for (int i = 0; i < kept.Count; i++)
        {
            BertSequences.Single(tokenizer, kept[i].Text, sequence);
            for (int j = 0; j < length; j++) features[i * length + j] = sequence[j];
            labels[i] = IndexOf(classes, kept[i].Category);
        }
        return new Dataset(name, features, length, labels, BertClassifier.Classes);
    }

    /// <summary>The comparison: one row per classifier run with its validation accuracy after the first and the last
    /// epoch, its test accuracy and time, and the majority-class baseline.</summary>
    public static string Table(IReadOnlyList<BertClassifierRun> runs, double majorityValidation, double majorityTest)
    {
        var s = new StringBuilder();
        int epochs = runs.Count == 0 ? 0 : runs[0].History.Count;
        int width = Math.Max(22, runs.Count == 0 ? 0 : runs.Max(r => r.Label.Length));
        s.AppendLine($"  {"classifier".PadRight(width)}  {"validation, epoch 1",19}  {$"epoch {epochs}",8}  {"test",7}  {"time",7}");
        foreach (var r in runs)
            s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Label.PadRight(width)}  {r.History[0].TestAccuracy * 100,18:F2}%  {r.History[^1].TestAccuracy * 100,7:F2}%  {r.Test.Accuracy * 100,6:F2}%  {r.Seconds,5:F1} s"));
        s.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"majority-class baseline".PadRight(width)}  {"",19}  {majorityValidation * 100,7:F2}%  {majorityTest * 100,6:F2}%"));
        return s.ToString();
    }

    private static void WriteMlmPlot(string plotPath, string csvPath, List<EpochRow> history, double baselineAccuracy, Optimizer optimizer, int batch)
    {
        var loss = new List<ChartSeries>
        {
            new("train nats/masked token", history.Select(h => h.TrainLoss).ToList(), ChartColors.Blue),
            new("validation nats/masked token", history.Select(h => h.TestLoss).ToList(), ChartColors.Orange),
        };
        var accuracy = new List<ChartSeries>
        {
            new("masked-token accuracy", history.Select(h => h.TestAccuracy * 100).ToList(), ChartColors.Green),
            new("most frequent token", history.Select(_ => baselineAccuracy * 100).ToList(), ChartColors.Red),
        };
        TrainingChart.WritePng(plotPath, $"BertMlm, {TrainCommand.Describe(optimizer)}, batch {batch}", loss, accuracy);
        AtomicFile.WriteAllText(csvPath, EpochRow.Csv(history));
    }

    private static void WriteClassifierPlot(string path, IReadOnlyList<BertClassifierRun> runs, double majorityValidation, BertArguments a)
    {
        var colors = new[] { (Train: ChartColors.Blue, Validation: ChartColors.Green), (Train: ChartColors.Orange, Validation: ChartColors.Purple) };
        var loss = new List<ChartSeries>();
        var accuracy = new List<ChartSeries>();
        for (int i = 0; i < runs.Count; i++)
        {
            loss.Add(new($"train loss, {runs[i].Label}", runs[i].History.Select(h => h.TrainLoss).ToList(), colors[i].Train));
            loss.Add(new($"validation loss, {runs[i].Label}", runs[i].History.Select(h => h.TestLoss).ToList(), colors[i].Validation));
            accuracy.Add(new($"validation accuracy, {runs[i].Label}", runs[i].History.Select(h => h.TestAccuracy * 100).ToList(), colors[i].Validation));
        }
        accuracy.Add(new("majority class", runs[0].History.Select(_ => majorityValidation * 100).ToList(), ChartColors.Red));
        TrainingChart.WritePng(path, string.Create(CultureInfo.InvariantCulture,
            $"BertClassifier, fine-tuned vs from scratch, AdamW lr {a.FineTuneLearningRate}, batch {a.BatchSize}"), loss, accuracy);
    }

    private static long MaskedPositions(Dataset masked) => masked.Targets!.LongCount(t => t != MlmMasking.Ignored);

    private static int MajorityLabel(Dataset data)
    {
        var counts = new int[data.Classes];
        foreach (int label in data.Labels!) counts[label]++;
        return Array.IndexOf(counts, counts.Max());
    }

    private static double Share(Dataset data, int label) => (double)data.Labels!.Count(l => l == label) / data.Count;

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}
