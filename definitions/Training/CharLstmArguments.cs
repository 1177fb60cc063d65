using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>charlstm</c> command's options. Unset values fall back to <see cref="Zoo.CharLstm"/>'s recipe.</summary>
public sealed record CharLstmArguments
{
    /// <summary>Epochs over the training text (null: the recipe's).</summary>
    public int? Epochs { get; init; }
    /// <summary>Windows per batch (null: the recipe's).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Learning rate (null: the recipe's).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Global gradient-norm clipping threshold (null: the recipe's; 0: none).</summary>
    public float? ClipNorm { get; init; }
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
          --text FILE           train on this UTF-8 text file instead (paragraphs separated by blank lines)
          --seed N              seed for initialization, shuffling and the samples (default 1)
          --threads N           threads sharing each batch (1 to 256, default 1)
          --output DIR          output directory (default ./out)
          --no-grad-norms       do not print per-parameter gradient norms
          --help                this text

        Ctrl+C stops after the current step and writes the checkpoint. Exit codes: 0 done, 1 failed (with a message),
        2 bad usage, 130 interrupted.
        """;

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static CharLstmArguments Parse(IReadOnlyList<string> args)
    {
        var a = new CharLstmArguments();
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

    private const string Options = "--epochs, --batch-size, --lr, --clip-norm, --text, --seed, --threads, --output, --no-grad-norms, --help";
}
