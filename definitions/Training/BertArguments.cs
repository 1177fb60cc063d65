using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>The options of the <c>bert</c> command; <see cref="Usage"/> lists them with their defaults.</summary>
public sealed record BertArguments
{
    /// <summary>Epochs of masked-language-model pretraining.</summary>
    public int Epochs { get; init; } = BertCommand.DefaultEpochs;
    /// <summary>Epochs of each classifier run (fine-tuned and from scratch).</summary>
    public int FineTuneEpochs { get; init; } = BertCommand.DefaultFineTuneEpochs;
    /// <summary>Sequences per batch, in every run.</summary>
    public int BatchSize { get; init; } = BertCommand.DefaultBatchSize;
    /// <summary>AdamW's peak learning rate in pretraining.</summary>
    public float LearningRate { get; init; } = BertCommand.DefaultLearningRate;
    /// <summary>AdamW's peak learning rate of both classifier runs.</summary>
    public float FineTuneLearningRate { get; init; } = BertCommand.DefaultFineTuneLearningRate;
    /// <summary>Batches per epoch (null: every sequence), in every run: a quick look.</summary>
    public int? Steps { get; init; }
    /// <summary>A directory of fortune files (null: Debian's, else the shipped text).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>A BertMlm checkpoint to fine-tune instead of pretraining (its tokenizer beside it).</summary>
    public string? Pretrained { get; init; }
    /// <summary>Seed for initialization, masking and shuffling, the same in every run.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Where the tokenizer, checkpoints, plots and curves go.</summary>
    public string OutputDirectory { get; init; } = "out";
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>The options, as an unknown option's message lists them.</summary>
    public const string Options = "--epochs, --finetune-epochs, --batch-size, --lr, --finetune-lr, --steps, --data, --pretrained, --seed, --threads, --output, --help";

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which.</exception>
    public static BertArguments Parse(IReadOnlyList<string> args)
    {
        var a = new BertArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => OptionValues.Next(args, ref i);
            a = option switch
            {
                "--epochs" => a with { Epochs = OptionValues.PositiveInt(option, Value()) },
                "--finetune-epochs" => a with { FineTuneEpochs = OptionValues.PositiveInt(option, Value()) },
                "--batch-size" => a with { BatchSize = OptionValues.PositiveInt(option, Value()) },
                "--lr" => a with { LearningRate = OptionValues.NonNegativeFloat(option, Value()) },
                "--finetune-lr" => a with { FineTuneLearningRate = OptionValues.NonNegativeFloat(option, Value()) },
                "--steps" => a with { Steps = OptionValues.PositiveInt(option, Value()) },
                "--data" => a with { DataDirectory = Value() },
                "--pretrained" => a with { Pretrained = Value() },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--threads" => a with { Threads = OptionValues.ThreadCount(option, Value()) },
                "--output" => a with { OutputDirectory = Value() },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Options: {Options}."),
            };
        }
        return a;
    }
}
