using System;
using System.Collections.Generic;
using System.IO;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Translation;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>translate</c> command: loads a <see cref="T5Translator"/> checkpoint and its tokenizer (written by the
/// <c>t5</c> command) and translates the words given, or each line read from standard input, with beam search over the
/// compiled encoder-decoder (the source encoded once, the decoder's keys and values cached).</summary>
public static class TranslateCommand
{
    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- translate [options] [text ...]

        Translates each text argument (or, with none, each line of standard input) into Japanese with a T5Translator
        checkpoint written by the t5 command, printing "text -> translation" per line. The tokenizer is read from beside
        the checkpoint (out/t5.tokenizer.json for out/t5.safetensors).

        options:
          --checkpoint FILE     the checkpoint (default out/t5.safetensors)
          --beam N              beams (default 4; 1 is greedy decoding)
          --length-penalty X    a finished translation's log-probability is divided by its length^X (default 1)
          --task NAME           translate (default) or reverse: the task prefix put before each text
          --help                this text

        Exit codes: 0 done, 1 failed (with a message), 2 bad usage.
        """;

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        string checkpoint = Path.Combine("out", T5Command.FileStem + ".safetensors"), task = "translate";
        int beam = 4;
        float lengthPenalty = 1f;
        var texts = new List<string>();
        try
        {
            for (int i = 0; i < args.Count; i++)
            {
                string option = args[i];
                string Value() => OptionValues.Next(args, ref i);
                switch (option)
                {
                    case "--checkpoint": checkpoint = Value(); break;
                    case "--beam": beam = OptionValues.PositiveInt(option, Value()); break;
                    case "--length-penalty": lengthPenalty = OptionValues.NonNegativeFloat(option, Value()); break;
                    case "--task": task = OptionValues.Choice(option, Value(), ["translate", "reverse"]); break;
                    case "--help" or "-h": Console.WriteLine(Usage); return 0;
                    default:
                        if (option.StartsWith("--", StringComparison.Ordinal))
                            throw new ArgumentException($"Unknown option '{option}'. Options: --checkpoint, --beam, --length-penalty, --task, --help.");
                        texts.Add(option);
                        break;
                }
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        try
        {
            if (!File.Exists(checkpoint))
                throw new FileNotFoundException($"Checkpoint '{checkpoint}' does not exist; train one with: dotnet run -c Release --project definitions -- t5");
            string tokenizerPath = T5Command.TokenizerPath(checkpoint);
            if (!File.Exists(tokenizerPath))
                throw new FileNotFoundException($"Tokenizer '{tokenizerPath}' does not exist; the t5 command writes it beside the checkpoint.");
            var network = new T5Translator();
            Checkpoint.Load(checkpoint, network);
            var translation = new TextToTextTask(SubwordTokenizer.Load(tokenizerPath));
            var search = new BeamSearch(network, beam, lengthPenalty);
            string prefix = task == "reverse" ? TextToTextTask.ReversePrefix : TextToTextTask.TranslatePrefix;
            IEnumerable<string> lines = texts.Count > 0 ? texts : ReadLines();
            foreach (string text in lines)
            {
                if (translation.Source(prefix + text) is not { } source)
                {
                    Console.WriteLine($"{text} -> (too long: the source holds {T5Translator.SourceLength} subwords with the task prefix)");
                    continue;
                }
                var found = search.Translate(source, translation.Tokenizer.Start, translation.Tokenizer.End);
                Console.WriteLine($"{text} -> {translation.Text(found.Tokens)}");
            }
            return 0;
        }
        catch (Exception e)   // one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    private static IEnumerable<string> ReadLines()
    {
        while (Console.ReadLine() is { } line)
            if (line.Trim().Length > 0) yield return line.Trim();
    }
}
