using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>One of the three ways the transfer command trains the target network.</summary>
/// <param name="Label">How the table names it.</param>
/// <param name="LoadBackbone">Whether the backbone comes from the pretrained checkpoint.</param>
/// <param name="FreezeBackbone">Whether the loaded parameters stay as loaded (only the head is trained).</param>
public sealed record TransferMode(string Label, bool LoadBackbone, bool FreezeBackbone);

/// <summary>What one run of <see cref="TransferCommand"/> reached on the target task's test set.</summary>
/// <param name="Mode">How it was trained.</param>
/// <param name="TrainedParameters">Scalar parameters the optimizer updated.</param>
/// <param name="TotalParameters">Scalar parameters of the network.</param>
/// <param name="Accuracies">Test accuracy after each epoch.</param>
/// <param name="TestLoss">Test loss after the last epoch.</param>
/// <param name="Seconds">Wall time of the run: training and the test evaluation after each epoch.</param>
public sealed record TransferRun(TransferMode Mode, int TrainedParameters, int TotalParameters, IReadOnlyList<double> Accuracies,
    double TestLoss, double Seconds);

/// <summary>The transfer command (seed 004, 2.4: feature extraction freezes the lower layers, fine-tuning adjusts
/// everything): pretrains LeNet-5 on Fashion-MNIST classes 0-4, then trains a network with a new head on classes 5-9
/// with the backbone loaded and frozen, loaded and fine-tuned, and from scratch, each from the same initialization,
/// with the same recipe, seed and number of steps, and compares their test accuracies.</summary>
public static class TransferCommand
{
    /// <summary>The source task's Fashion-MNIST classes (pretraining).</summary>
    public static readonly IReadOnlyList<int> SourceClasses = [0, 1, 2, 3, 4];

    /// <summary>The target task's classes, in the order that gives its labels 0 to 4.</summary>
    public static readonly IReadOnlyList<int> TargetClasses = [5, 6, 7, 8, 9];

    /// <summary>The three runs, in the order they are trained and listed.</summary>
    public static readonly IReadOnlyList<TransferMode> Modes =
    [
        new("(a) feature extraction: backbone loaded and frozen", LoadBackbone: true, FreezeBackbone: true),
        new("(b) fine-tuning: backbone loaded, all trained", LoadBackbone: true, FreezeBackbone: false),
        new("(c) from scratch: nothing loaded", LoadBackbone: false, FreezeBackbone: false),
    ];

    /// <summary>LeNet-5's momentum (its recipe's optimizer is SGD with momentum 0.9).</summary>
    private const float Momentum = 0.9f;

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        TransferArguments a;
        try { a = TransferArguments.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        if (a.Help)
        {
            Console.WriteLine(TransferArguments.Usage);
            return 0;
        }
        try { return Transfer(a); }
        catch (Exception e)   // every failure ends with one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    private static int Transfer(TransferArguments a)
    {
        var wall = Stopwatch.StartNew();
        var recipe = ZooCatalog.Find(nameof(LeNet5)).Recipe;
        var data = FashionMnistSource.Load(a.DataDirectory);
        Console.WriteLine($"data: {data.Description}");
        var sourceTrain = data.Train.SelectClasses(SourceClasses, "fashion-mnist train, classes 0-4");
        var sourceTest = data.Test.SelectClasses(SourceClasses, "fashion-mnist test, classes 0-4");
        var targetTrain = data.Train.SelectClasses(TargetClasses, "fashion-mnist train, classes 5-9");
        var targetTest = data.Test.SelectClasses(TargetClasses, "fashion-mnist test, classes 5-9");
        if (a.TrainSamples is int limit && limit < targetTrain.Count)
            targetTrain = targetTrain.Slice(0, limit, $"fashion-mnist train, classes 5-9, first {limit}");
        Console.WriteLine($"source task: classes 0-4 ({Names(SourceClasses)}): {sourceTrain.Count:N0} train / {sourceTest.Count:N0} test");
        Console.WriteLine($"target task: classes 5-9 ({Names(TargetClasses)}) as labels 0-4: {targetTrain.Count:N0} train / {targetTest.Count:N0} test");
        var options = new TrainerOptions { BatchSize = a.BatchSize ?? recipe.BatchSize, Seed = a.Seed, Threads = a.Threads };
        float lr = a.LearningRate ?? recipe.LearningRate;
        string recipeText = string.Create(CultureInfo.InvariantCulture,
            $"batch {options.BatchSize}, SGD lr {lr} momentum {Momentum}, seed {a.Seed}, {a.Threads} thread{(a.Threads == 1 ? "" : "s")}");

        using var interruption = new Interruption();
        string checkpoint;
        if (a.Pretrained is not null)
        {
            checkpoint = a.Pretrained;
            Console.WriteLine($"pretraining skipped: the backbone comes from {checkpoint}");
        }
        else
        {
            TrainCommand.CheckWritable(a.OutputDirectory);   // before training, not after it
            checkpoint = Path.Combine(a.OutputDirectory, nameof(LeNet5Source) + ".safetensors");
            var source = new LeNet5Source(a.Seed);
            Console.WriteLine();
            Console.WriteLine($"pretraining {nameof(LeNet5Source)} on classes 0-4: {a.PretrainEpochs} epochs, {recipeText}");
            var pretraining = Fit(source, sourceTrain, sourceTest, options with { Epochs = a.PretrainEpochs }, lr, interruption);
            if (pretraining is null)
            {
                Console.WriteLine("stopped during pretraining; no checkpoint was written");
                return 130;
            }
            interruption.NowFinishing($"writing {checkpoint}");
            Checkpoint.Save(checkpoint, source);
            Console.WriteLine($"pretrained: {pretraining.Accuracies[^1] * 100:F2}% test accuracy on classes 0-4, {pretraining.Seconds:F1} s; checkpoint {checkpoint}");
            if (interruption.Requested)
            {
                Console.WriteLine($"stopped after pretraining; continue with --pretrained {checkpoint}");
                return 130;
            }
            interruption.NowFinishing("the current step");
        }

        var runs = new List<TransferRun>();
        foreach (var mode in Modes)
        {
            var network = new LeNet5Transfer(a.Seed);   // the same head initialization in every run
            Console.WriteLine();
            Console.WriteLine(mode.Label);
            if (mode.LoadBackbone) LoadBackbone(checkpoint, network, mode.FreezeBackbone, printReport: runs.Count == 0);
            var outcome = Fit(network, targetTrain, targetTest, options with { Epochs = a.Epochs }, lr, interruption);
            if (outcome is null)
            {
                Console.WriteLine($"stopped during {mode.Label[..3]}");
                if (runs.Count > 0) Console.Write(Table(runs, targetTrain.Count, options.BatchSize, a.Epochs, recipeText));
                return 130;
            }
            runs.Add(new TransferRun(mode, TrainedCount(network.Parameters), network.Parameters.Count, outcome.Accuracies, outcome.TestLoss, outcome.Seconds));
        }
        Console.WriteLine();
        Console.Write(Table(runs, targetTrain.Count, options.BatchSize, a.Epochs, recipeText));
        Console.WriteLine($"wall time {wall.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Loads the backbone by name (the old head and anything else the network lacks are skipped) and freezes
    /// what was loaded when <paramref name="freeze"/>.</summary>
    private static void LoadBackbone(string checkpoint, INetwork network, bool freeze, bool printReport)
    {
        var report = Checkpoint.LoadMatching(checkpoint, network);
        if (report.Loaded.Count == 0)
            throw new InvalidDataException($"Checkpoint '{checkpoint}' has none of {network.GetType().Name}'s parameters: " +
                $"{report}".Replace(Environment.NewLine, "; "));
        if (printReport)
        {
            Console.WriteLine($"partial load of {checkpoint} into {network.GetType().Name}, by name:");
            foreach (string line in report.ToString().Split(Environment.NewLine)) Console.WriteLine("  " + line);
        }
        else Console.WriteLine($"backbone loaded as above ({report.Loaded.Count} tensors)");
        if (!freeze) return;
        var store = network.Parameters;
        foreach (var p in store.Layout)
            if (report.Loaded.Contains(p.Name)) store.Freeze(p.Name);
    }

    /// <summary>Test accuracy after each epoch, the last test loss and the wall time of a training run.</summary>
    private sealed record Outcome(IReadOnlyList<double> Accuracies, double TestLoss, double Seconds);

    /// <summary>Trains with SGD and momentum, printing progress and each epoch's test accuracy; null when Ctrl+C
    /// stopped it.</summary>
    private static Outcome? Fit(INetwork network, Dataset train, Dataset test, TrainerOptions options, float lr, Interruption interruption)
    {
        var trainer = new Trainer(network, new Sgd(lr, Momentum), options);
        var progress = new ProgressBar();
        var accuracies = new List<double>();
        double testLoss = double.NaN;
        trainer.BatchCompleted += progress.Update;
        trainer.EpochCompleted += report =>
        {
            progress.Finish();
            var t = report.Test!.Value;
            accuracies.Add(t.Accuracy);
            testLoss = t.Loss;
            Console.WriteLine($"  epoch {report.Epoch}: train loss {report.TrainLoss:F4}, test loss {t.Loss:F4}, test accuracy {t.Accuracy * 100:F2}%, {report.Duration.TotalSeconds:F1} s");
        };
        var clock = Stopwatch.StartNew();
        TrainingResult result;
        try { result = trainer.Fit(train, test, interruption.Token); }
        finally { progress.Finish(); }
        return result.Cancelled ? null : new Outcome(accuracies, testLoss, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The comparison: one row per run with its trained parameters, test accuracy after the first and the
    /// last epoch, and time.</summary>
    public static string Table(IReadOnlyList<TransferRun> runs, int trainSamples, int batchSize, int epochs, string recipe)
    {
        int steps = (trainSamples + batchSize - 1) / batchSize * epochs;
        var s = new StringBuilder();
        s.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy on classes 5-9 after {epochs} epoch{(epochs == 1 ? "" : "s")} of {trainSamples:N0} samples ({steps:N0} steps each; {recipe}):"));
        int width = Math.Max(3, runs.Max(r => r.Mode.Label.Length));
        s.AppendLine($"  {"run".PadRight(width)}  {"trained parameters",18}  {"epoch 1",8}  {$"epoch {epochs}",8}  {"test loss",9}  {"time",7}");
        foreach (var r in runs)
            s.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Mode.Label.PadRight(width)}  {$"{r.TrainedParameters:N0} of {r.TotalParameters:N0}",18}  {r.Accuracies[0] * 100,7:F2}%  {r.Accuracies[^1] * 100,7:F2}%  {r.TestLoss,9:F4}  {r.Seconds,5:F1} s"));
        return s.ToString();
    }

    private static int TrainedCount(ParameterStore store)
    {
        int trained = 0;
        for (int i = 0; i < store.Layout.Count; i++)
            if (!store.IsFrozen(i)) trained += store.Layout[i].Length;
        return trained;
    }

    private static string Names(IReadOnlyList<int> classes) => string.Join(", ", classes.Select(c => FashionMnistSource.ClassNames[c]));
}
