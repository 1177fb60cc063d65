using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>The options of the <c>t5</c> command. Unset values fall back to <see cref="Zoo.T5Translator"/>'s recipe in
/// <see cref="ZooCatalog"/>; <see cref="T5Command.Usage"/> lists them.</summary>
public sealed record T5Arguments
{
    /// <summary>Epochs over the training examples (null: the recipe's).</summary>
    public int? Epochs { get; init; }
    /// <summary>Examples per batch (null: the recipe's).</summary>
    public int? BatchSize { get; init; }
    /// <summary>AdamW's peak learning rate (null: the recipe's).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Global gradient-norm clipping threshold (null: the recipe's; 0: none).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Batches per epoch (null: all the examples).</summary>
    public int? Steps { get; init; }
    /// <summary>A directory holding the FreeDict eng-jpn dictionary files (null: Debian's if installed, else the shipped sample).</summary>
    public string? Dictionary { get; init; }
    /// <summary>A file of English-Japanese pairs (<c>english TAB translation|translation...</c>) to train on instead (null: the dictionary).</summary>
    public string? Pairs { get; init; }
    /// <summary>One example of the reverse task per this many words (0: none).</summary>
    public int ReverseEvery { get; init; } = 4;
    /// <summary>Beams of the final test translation.</summary>
    public int Beam { get; init; } = 4;
    /// <summary>Seed for initialization, shuffling and dropout.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Where the checkpoint, tokenizer, plot and curves go.</summary>
    public string OutputDirectory { get; init; } = "out";
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>The options, as an unknown option's message lists them.</summary>
    public const string Options = "--epochs, --batch-size, --lr, --clip-norm, --steps, --dictionary, --reverse-every, --beam, --seed, --threads, --output, --help";

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static T5Arguments Parse(IReadOnlyList<string> args)
    {
        var a = new T5Arguments();
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
                "--dictionary" => a with { Dictionary = Value() },
                "--pairs" => a with { Pairs = Value() },
                "--reverse-every" => a with { ReverseEvery = OptionValues.NonNegativeInt(option, Value()) },
                "--beam" => a with { Beam = OptionValues.PositiveInt(option, Value()) },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--threads" => a with { Threads = OptionValues.ThreadCount(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Options: {Options}."),
            };
        }
        if (a.Dictionary is not null && a.Pairs is not null) throw new ArgumentException("Give --dictionary or --pairs, not both.");
        return a;
    }
}
