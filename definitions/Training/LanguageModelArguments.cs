using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>The options of the character-level language-model commands (<c>charlstm</c>, <c>gpt</c>). Unset values fall
/// back to the trained network's recipe in <see cref="ZooCatalog"/>; each command's --help text lists them.</summary>
public sealed record LanguageModelArguments
{
    /// <summary>Epochs over the training text (null: the recipe's).</summary>
    public int? Epochs { get; init; }
    /// <summary>Windows per batch (null: the recipe's).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Learning rate (null: the recipe's).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Global gradient-norm clipping threshold (null: the recipe's; 0: none).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Batches per epoch, over the first windows of the training text (null: every window, the whole text).</summary>
    public int? Steps { get; init; }
    /// <summary>A UTF-8 text file to train on (null: Debian's fortunes if installed, else the shipped text).</summary>
    public string? TextFile { get; init; }
    /// <summary>Seed for initialization, shuffling and the samples shown after each epoch.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Where the checkpoint, plot and curves go.</summary>
    public string OutputDirectory { get; init; } = "out";
    /// <summary>Whether to print per-parameter gradient norms every epoch.</summary>
    public bool ShowGradientNorms { get; init; } = true;
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>The options, as an unknown option's message lists them.</summary>
    public const string Options = "--epochs, --batch-size, --lr, --clip-norm, --steps, --text, --seed, --threads, --output, --no-grad-norms, --help";

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static LanguageModelArguments Parse(IReadOnlyList<string> args)
    {
        var a = new LanguageModelArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => OptionValues.Next(args, ref i);
            a = option switch
            {
                "--epochs" => a with { Epochs = OptionValues.PositiveInt(option, Value()) },
                "--batch-size" => a with { BatchSize = OptionValues.PositiveInt(option, Value()) },
                "--lr" => a with { LearningRate = OptionValues.NonNegativeFloat(option, Value()) },
                "--clip-norm" => a with { ClipNorm = OptionValues.NonNegativeFloat(option, Value()) },
                "--steps" => a with { Steps = OptionValues.PositiveInt(option, Value()) },
                "--text" => a with { TextFile = Value() },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--threads" => a with { Threads = OptionValues.ThreadCount(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--no-grad-norms" => a with { ShowGradientNorms = false },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Options: {Options}."),
            };
        }
        return a;
    }

    /// <summary>The windows an epoch trains on: all of <paramref name="windows"/>, or with <see cref="Steps"/> set the first
    /// <see cref="Steps"/> x <paramref name="batch"/> of them (a quick run over part of the text).</summary>
    public Dataset EpochWindows(Dataset windows, int batch) =>
        Steps is int steps && (long)steps * batch < windows.Count ? windows.Slice(0, steps * batch, windows.Name) : windows;
}
