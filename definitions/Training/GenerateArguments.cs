using System;
using System.Collections.Generic;
using NetCompiler.Definitions.Text;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>generate</c> command's options.</summary>
public sealed record GenerateArguments
{
    /// <summary>The language model: <c>charlstm</c> (<see cref="Zoo.CharLstm"/>) or <c>gpt</c> (<see cref="Zoo.FortuneGpt"/>).</summary>
    public string Network { get; init; } = CharLstmNetwork;
    /// <summary>The checkpoint given with --checkpoint (null: the network's default, see <see cref="Checkpoint"/>).</summary>
    public string? CheckpointOption { get; init; }
    /// <summary>The checkpoint to sample from: --checkpoint, else where the network's training command writes it.</summary>
    public string Checkpoint => CheckpointOption
        ?? System.IO.Path.Combine("out", (Network == GptNetwork ? GptCommand.FileStem : CharLstmCommand.FileStem) + ".safetensors");
    /// <summary>The text to continue.</summary>
    public string Prompt { get; init; } = "The ";
    /// <summary>Characters to generate.</summary>
    public int Tokens { get; init; } = 300;
    /// <summary>Softmax temperature.</summary>
    public float Temperature { get; init; } = 0.8f;
    /// <summary>Draw among this many most likely characters.</summary>
    public int TopK { get; init; } = 20;
    /// <summary>Seed of the draws.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; init; }

    /// <summary>--network's value for <see cref="Zoo.CharLstm"/>.</summary>
    public const string CharLstmNetwork = "charlstm";
    /// <summary>--network's value for <see cref="Zoo.FortuneGpt"/>.</summary>
    public const string GptNetwork = "gpt";

    /// <summary>Most characters one call generates.</summary>
    public const int MaxTokens = 1_000_000;

    /// <summary>The option list for --help.</summary>
    public static readonly string Usage = $"""
        usage: dotnet run -c Release --project definitions -- generate [options]

        Samples text from a checkpoint written by the charlstm command (CharLstm) or the gpt command (FortuneGpt): reads
        the prompt one character at a time, carrying the LSTM's hidden and cell states or filling the GPT's KV cache,
        then draws each next character from the softmax of the logits / temperature among the top-k most likely. Prints
        the prompt followed by the generated text. Past the GPT's 128-character context, its cache restarts from the
        last 64 characters.

        options:
          --network NAME        charlstm or gpt (default charlstm)
          --checkpoint FILE     the checkpoint (default out/charlstm.safetensors, or out/gpt.safetensors with --network gpt)
          --prompt TEXT         the text to continue (default "The "; empty: start of a line)
          --tokens N            characters to generate, 1 to {MaxTokens:N0} (default 300)
          --temperature X       positive; below 1 more predictable, above 1 more varied (default 0.8)
          --top-k N             draw among the N most likely characters, 1 (greedy) to {CharVocabulary.Size} (all) (default 20)
          --seed N              seed of the draws: the same seed gives the same text (default 1)
          --help                this text

        Exit codes: 0 done, 1 failed (with a message), 2 bad usage.
        """;

    /// <summary>Parses <paramref name="args"/> (without the command word).</summary>
    /// <exception cref="ArgumentException">An unknown option or a malformed value; the message says which and the valid range.</exception>
    public static GenerateArguments Parse(IReadOnlyList<string> args)
    {
        var a = new GenerateArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => OptionValues.Next(args, ref i);
            a = option switch
            {
                "--network" => a with { Network = OptionValues.Choice(option, Value(), [CharLstmNetwork, GptNetwork]) },
                "--checkpoint" => a with { CheckpointOption = Value() },
                "--prompt" => a with { Prompt = PromptValue(args, ref i) },
                "--tokens" => a with { Tokens = InRange(option, Value(), 1, MaxTokens) },
                "--temperature" => a with { Temperature = Positive(option, Value()) },
                "--top-k" => a with { TopK = InRange(option, Value(), 1, CharVocabulary.Size) },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Options: --network, --checkpoint, --prompt, --tokens, --temperature, --top-k, --seed, --help."),
            };
        }
        return a;
    }

    /// <summary>A prompt may start with "--" (it is text, not an option), but it must be there.</summary>
    private static string PromptValue(IReadOnlyList<string> args, ref int i) =>
        i + 1 < args.Count ? args[++i] : throw new ArgumentException("Option --prompt needs a value (\"\" for none).");

    private static int InRange(string option, string text, int min, int max) =>
        OptionValues.Int(option, text) is var v && v >= min && v <= max ? v
        : throw new ArgumentException($"{option} must be from {min} to {max:N0}, not {text}.");

    private static float Positive(string option, string text) =>
        OptionValues.NonNegativeFloat(option, text) is var v and > 0f ? v
        : throw new ArgumentException($"{option} must be above 0, not {text} (for the most likely character every time, use --top-k 1).");
}
