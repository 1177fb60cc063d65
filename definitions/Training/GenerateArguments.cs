using System;
using System.Collections.Generic;
using NetCompiler.Definitions.Text;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>generate</c> command's options.</summary>
public sealed record GenerateArguments
{
    /// <summary>The CharLstm checkpoint to sample from.</summary>
    public string Checkpoint { get; init; } = System.IO.Path.Combine("out", CharLstmCommand.FileStem + ".safetensors");
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

    /// <summary>Most characters one call generates.</summary>
    public const int MaxTokens = 1_000_000;

    /// <summary>The option list for --help.</summary>
    public static readonly string Usage = $"""
        usage: dotnet run -c Release --project definitions -- generate [options]

        Samples text from a CharLstm checkpoint written by the charlstm command: reads the prompt one character at a
        time, carrying the LSTM's hidden and cell states, then draws each next character from the softmax of the
        logits / temperature among the top-k most likely. Prints the prompt followed by the generated text.

        options:
          --checkpoint FILE     the checkpoint (default out/charlstm.safetensors)
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
                "--checkpoint" => a with { Checkpoint = Value() },
                "--prompt" => a with { Prompt = PromptValue(args, ref i) },
                "--tokens" => a with { Tokens = InRange(option, Value(), 1, MaxTokens) },
                "--temperature" => a with { Temperature = Positive(option, Value()) },
                "--top-k" => a with { TopK = InRange(option, Value(), 1, CharVocabulary.Size) },
                "--seed" => a with { Seed = OptionValues.Int(option, Value()) },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{option}'. Options: --checkpoint, --prompt, --tokens, --temperature, --top-k, --seed, --help."),
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
