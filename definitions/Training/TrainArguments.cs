using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler.Definitions.Training;

/// <summary>The main job's command-line options. Unset values fall back to the network's <see cref="TrainingRecipe"/>.</summary>
public sealed record TrainArguments
{
    /// <summary>Zoo network name.</summary>
    public string Network { get; init; } = ZooCatalog.DefaultNetwork;
    /// <summary>Epochs (null: the recipe's).</summary>
    public int? Epochs { get; init; }
    /// <summary>Batch size (null: the recipe's).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Optimizer: sgd, momentum, nesterov, adam, adamw (null: the recipe's).</summary>
    public string? Optimizer { get; init; }
    /// <summary>Learning rate (null: the recipe's).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Momentum for momentum and nesterov.</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Weight decay (L2; decoupled for adamw).</summary>
    public float WeightDecay { get; init; }
    /// <summary>Global gradient-norm clipping threshold (null: none).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Learning-rate schedule: constant, step, cosine (null: the recipe's).</summary>
    public string? Schedule { get; init; }
    /// <summary>Linear warmup length in updates (0: none).</summary>
    public int WarmupSteps { get; init; }
    /// <summary>Directory with Fashion-MNIST IDX files (null: the Debian package, else the shipped split).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Seed for initialization and shuffling.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Where the checkpoint, plot and metrics go.</summary>
    public string OutputDirectory { get; init; } = "out";
    /// <summary>Checkpoint to resume from.</summary>
    public string? Resume { get; init; }
    /// <summary>Whether to time one epoch on the interpreted path at the end.</summary>
    public bool CompareInterpreted { get; init; } = true;
    /// <summary>Whether to print per-parameter gradient norms every epoch.</summary>
    public bool ShowGradientNorms { get; init; } = true;
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- [train] [options]

        Trains a zoo network on Fashion-MNIST with the compiled code, shows progress, evaluates on the test set
        after every epoch, writes a checkpoint (safetensors), a PNG plot and a CSV of the curves, then times one
        epoch through the interpreted path for comparison.

        options:
          --network NAME        zoo network (default Seed001MnistNet; see the list below)
          --epochs N            epochs (default: the network's recipe)
          --batch-size N        mini-batch size (default: the recipe's)
          --optimizer NAME      sgd | momentum | nesterov | adam | adamw (default: the recipe's)
          --lr X                learning rate (default: the recipe's)
          --momentum X          momentum for momentum/nesterov (default 0.9)
          --weight-decay X      L2 weight decay; decoupled for adamw (default 0)
          --clip-norm X         clip gradients to this global L2 norm (default: off)
          --schedule NAME       constant | step (x0.1 every third of the run) | cosine to 0 over the run
                                (default: the recipe's)
          --warmup N            linear learning-rate warmup over N updates (default 0)
          --data DIR            directory with the Fashion-MNIST IDX files (raw or .gz); default: Debian's
                                /usr/share/datasets/fashion-mnist if installed, else the 10k split shipped here
          --seed N              seed for initialization and shuffling (default 1)
          --threads N           threads sharing each batch (data parallel; default 1)
          --output DIR          output directory (default ./out)
          --resume FILE         continue from a checkpoint written by this command
          --no-compare          skip the interpreted-path timing at the end
          --no-grad-norms       do not print per-parameter gradient norms
          --help                this text

        Ctrl+C finishes the current step, writes a checkpoint and exits; --resume continues bit-identically.
        """;

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static TrainArguments Parse(IReadOnlyList<string> args)
    {
        var a = new TrainArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {option} needs a value.");
            a = option switch
            {
                "--network" => a with { Network = Value() },
                "--epochs" => a with { Epochs = PositiveInt(option, Value()) },
                "--batch-size" => a with { BatchSize = PositiveInt(option, Value()) },
                "--optimizer" => a with { Optimizer = Value().ToLowerInvariant() },
                "--lr" => a with { LearningRate = NonNegativeFloat(option, Value()) },
                "--momentum" => a with { Momentum = NonNegativeFloat(option, Value()) },
                "--weight-decay" => a with { WeightDecay = NonNegativeFloat(option, Value()) },
                "--clip-norm" => a with { ClipNorm = NonNegativeFloat(option, Value()) },
                "--schedule" => a with { Schedule = Value().ToLowerInvariant() },
                "--warmup" => a with { WarmupSteps = NonNegativeInt(option, Value()) },
                "--data" => a with { DataDirectory = Value() },
                "--seed" => a with { Seed = Int(option, Value()) },
                "--threads" => a with { Threads = PositiveInt(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--resume" => a with { Resume = Value() },
                "--no-compare" => a with { CompareInterpreted = false },
                "--no-grad-norms" => a with { ShowGradientNorms = false },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Run with --help for the list."),
            };
        }
        if (a.Schedule is not (null or "constant" or "step" or "cosine"))
            throw new ArgumentException($"--schedule must be constant, step or cosine, not '{a.Schedule}'.");
        return a;
    }

    private static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
        : throw new ArgumentException($"{option} takes an integer, not '{text}'.");

    private static int PositiveInt(string option, string text) =>
        Int(option, text) is var v and > 0 ? v : throw new ArgumentException($"{option} must be positive, not {text}.");

    private static int NonNegativeInt(string option, string text) =>
        Int(option, text) is var v and >= 0 ? v : throw new ArgumentException($"{option} cannot be negative ({text}).");

    private static float NonNegativeFloat(string option, string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && v >= 0f ? v
        : throw new ArgumentException($"{option} takes a finite non-negative number, not '{text}'.");
}
