using System;
using System.Collections.Generic;

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
    /// <summary>Weight decay (L2; decoupled for adamw); null: the recipe's.</summary>
    public float? WeightDecay { get; init; }
    /// <summary>How adam and adamw store their moments (<c>--moments</c>; float32 unless asked).</summary>
    public StatePrecision Moments { get; init; } = StatePrecision.Float32;
    /// <summary>Global gradient-norm clipping threshold (null: the recipe's; 0: none).</summary>
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
          --batch-size N        mini-batch size (default: the recipe's); above the training set's size, one batch of
                                the whole set per epoch
          --optimizer NAME      sgd | momentum | nesterov | adam | adamw (default: the recipe's)
          --lr X                learning rate (default: the recipe's)
          --momentum X          momentum for momentum/nesterov, in [0, 1) (default 0.9)
          --weight-decay X      L2 weight decay; decoupled for adamw (default: the recipe's)
          --moments KIND        float32 | bfloat16: how adam and adamw store their two moments (default float32;
                                bfloat16, rounded stochastically, halves that state and a step's traffic to it)
          --clip-norm X         clip gradients to this global L2 norm; 0 turns clipping off (default: the recipe's,
                                on for the recurrent networks, off for the others)
          --schedule NAME       constant | step (x0.1 every third of the run) | cosine to 0 over the run
                                (default: the recipe's)
          --warmup N            linear learning-rate warmup over N updates (default 0)
          --data DIR            directory with the Fashion-MNIST IDX files (raw or .gz); default: Debian's
                                /usr/share/datasets/fashion-mnist if installed, else the 10k split shipped here
          --seed N              seed for initialization and shuffling (default 1)
          --threads N           threads sharing each batch (data parallel; 1 to 256, default 1)
          --output DIR          output directory (default ./out)
          --resume FILE         continue from a checkpoint written by this command
          --no-compare          skip the interpreted-path timing at the end
          --no-grad-norms       do not print per-parameter gradient norms
          --help                this text

        Ctrl+C stops the job at the next safe point and exits with 130: in training after the current step, then it
        writes a checkpoint (--resume continues bit-identically); in a file write (checkpoint, plot, curves) after
        that write. A write is never cut short, however often Ctrl+C is pressed, so a checkpoint is never lost or left
        partial; the message says what is being finished. (kill -9 in a write keeps the previous checkpoint intact.)

        A run whose loss becomes NaN or infinite, or grows more than 10,000-fold, or whose gradients are all exactly
        zero for 10 updates in a row at a positive loss (saturated units; all three mean a learning rate far too
        high), stops with an error and writes no checkpoint. Exit codes: 0 done, 1 failed (with a message), 2 bad usage,
        130 interrupted.
        """;

    /// <summary>The values <c>--optimizer</c> takes.</summary>
    public static readonly IReadOnlyList<string> Optimizers = ["sgd", "momentum", "nesterov", "adam", "adamw"];

    /// <summary>The values <c>--moments</c> takes.</summary>
    public static readonly IReadOnlyList<string> MomentPrecisions = ["float32", "bfloat16"];

    /// <summary>The values <c>--schedule</c> takes.</summary>
    public static readonly IReadOnlyList<string> Schedules = ["constant", "step", "cosine"];

    /// <summary>Most <c>--threads</c>: each thread trains a replica of the network (its own gradients and workspace),
    /// so a thousand of them can exhaust memory, and threads beyond the cores only slow training down.</summary>
    public const int MaxThreads = 256;

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which, and lists the
    /// valid choices where there are a few.</exception>
    public static TrainArguments Parse(IReadOnlyList<string> args)
    {
        var a = new TrainArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => OptionValues.Next(args, ref i);
            a = option switch
            {
                "--network" => a with { Network = Value() },
                "--epochs" => a with { Epochs = OptionValues.PositiveInt(option, Value()) },
                "--batch-size" => a with { BatchSize = OptionValues.PositiveInt(option, Value()) },
                "--optimizer" => a with { Optimizer = OptionValues.Choice(option, Value(), Optimizers) },
                "--lr" => a with { LearningRate = OptionValues.NonNegativeFloat(option, Value()) },
                "--momentum" => a with { Momentum = OptionValues.Fraction(option, Value()) },
                "--weight-decay" => a with { WeightDecay = OptionValues.NonNegativeFloat(option, Value()) },
                "--moments" => a with { Moments = OptionValues.Choice(option, Value(), MomentPrecisions) == "bfloat16" ? StatePrecision.BFloat16 : StatePrecision.Float32 },
                "--clip-norm" => a with { ClipNorm = OptionValues.NonNegativeFloat(option, Value()) },
                "--schedule" => a with { Schedule = OptionValues.Choice(option, Value(), Schedules) },
                "--warmup" => a with { WarmupSteps = OptionValues.NonNegativeInt(option, Value()) },
                "--data" => a with { DataDirectory = Value() },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--threads" => a with { Threads = OptionValues.ThreadCount(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--resume" => a with { Resume = Value() },
                "--no-compare" => a with { CompareInterpreted = false },
                "--no-grad-norms" => a with { ShowGradientNorms = false },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Run with --help for the list."),
            };
        }
        if (a is { Optimizer: "nesterov", Momentum: 0f })
            throw new ArgumentException("--optimizer nesterov needs a --momentum above 0.");
        if (a is { Moments: StatePrecision.BFloat16, Optimizer: not (null or "adam" or "adamw") })
            throw new ArgumentException($"--moments bfloat16 applies to adam and adamw, not to --optimizer {a.Optimizer}.");
        return a;
    }
}
