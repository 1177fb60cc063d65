using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>The transfer command's options. Unset values fall back to LeNet-5's recipe (SGD momentum 0.9, lr 0.01,
/// batch 64).</summary>
public sealed record TransferArguments
{
    /// <summary>Epochs of pretraining on classes 0-4.</summary>
    public int PretrainEpochs { get; init; } = 5;
    /// <summary>Epochs on classes 5-9, the same for each of the three runs.</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Training samples of classes 5-9 used (the first ones); null for all.</summary>
    public int? TrainSamples { get; init; }
    /// <summary>A checkpoint to take the backbone from instead of pretraining.</summary>
    public string? Pretrained { get; init; }
    /// <summary>Batch size (null: the recipe's).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Learning rate (null: the recipe's).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Directory with Fashion-MNIST IDX files (null: the Debian package, else the shipped split).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Seed for initialization and shuffling, the same in every run.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Where the pretrained checkpoint goes.</summary>
    public string OutputDirectory { get; init; } = "out";
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- transfer [options]

        Transfer learning (seed 004, 2.4) on Fashion-MNIST with LeNet-5. Pretrains LeNet5Source (LeNet-5 with a 5-class
        head fc3) on classes 0-4 and saves it, then trains LeNet5Transfer (the same backbone under a new head) on
        classes 5-9, relabelled 0-4, three times from the same initialization, recipe and seed, for the same number of
        steps: (a) feature extraction: the backbone loaded by name from the checkpoint and frozen, only the head
        trained; (b) fine-tuning: the backbone loaded, everything trained; (c) from scratch. Prints what the partial
        load took and skipped, each run's test accuracy on classes 5-9 after every epoch, and a table of the three.

        options:
          --pretrain-epochs N   epochs on classes 0-4 (default 5)
          --epochs N            epochs on classes 5-9, for each of the three runs (default 3)
          --train-samples N     train on the first N samples of classes 5-9 only (default: all, about 30,000); seed
                                004 chooses between feature extraction and fine-tuning by the new data set's size
          --pretrained FILE     take the backbone from this checkpoint instead of pretraining (an earlier run's
                                LeNet5Source.safetensors, or any checkpoint with LeNet-5's conv1, conv2, fc1, fc2)
          --batch-size N        mini-batch size (default 64)
          --lr X                learning rate of SGD with momentum 0.9 (default 0.01)
          --data DIR            directory with the four Fashion-MNIST IDX files, raw or .gz (default: Debian's
                                dataset-fashion-mnist if installed, else the shipped 10k split, 8,000 / 2,000)
          --seed N              seed for initialization and shuffling (default 1)
          --threads N           threads that share each batch (default 1)
          --output DIR          where the pretrained checkpoint LeNet5Source.safetensors goes (default out)
          -h, --help            this text

        Ctrl+C stops after the current step (a checkpoint write finishes first) and exits with 130. Exit codes: 0 done,
        1 failed (with a message), 2 bad usage, 130 interrupted.
        """;

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static TransferArguments Parse(IReadOnlyList<string> args)
    {
        var a = new TransferArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => OptionValues.Next(args, ref i);
            a = option switch
            {
                "--pretrain-epochs" => a with { PretrainEpochs = OptionValues.PositiveInt(option, Value()) },
                "--epochs" => a with { Epochs = OptionValues.PositiveInt(option, Value()) },
                "--train-samples" => a with { TrainSamples = OptionValues.PositiveInt(option, Value()) },
                "--pretrained" => a with { Pretrained = Value() },
                "--batch-size" => a with { BatchSize = OptionValues.PositiveInt(option, Value()) },
                "--lr" => a with { LearningRate = OptionValues.NonNegativeFloat(option, Value()) },
                "--data" => a with { DataDirectory = Value() },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--threads" => a with { Threads = OptionValues.ThreadCount(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Run transfer --help for the list."),
            };
        }
        return a;
    }
}
