using System;
using System.Globalization;
using System.Linq;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Translation;

namespace NetCompiler.Definitions;

/// <summary>The main console entry: <c>dotnet run -c Release --project definitions -- &lt;command&gt;</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        // No command, or options only: the main job (train). Other commands are named first.
        string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "train";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args.Skip(1).ToArray() : args;
        try
        {
            switch (command)
            {
                case "train":
                    return TrainCommand.Run(rest);
                case "transfer":
                    return TransferCommand.Run(rest);
                case "charlstm":
                    return CharLstmCommand.Run(rest);
                case "gpt":
                    return GptCommand.Run(rest);
                case "bert":
                    return BertCommand.Run(rest);
                case "generate":
                    return GenerateCommand.Run(rest);
                case "t5":
                    return T5Command.Run(rest);
                case "translate":
                    return TranslateCommand.Run(rest);
                case "engjpn-sample":
                    return EngJpnSampleCommand.Run(rest);
                case "seed000" or "help" when rest.Length > 0:
                    Console.Error.WriteLine($"error: {command} takes no options (got '{rest[0]}').");
                    return 2;
                case "seed000":
                    Seed000Command.Run();
                    return 0;
                case "help":
                    PrintHelp();
                    return 0;
                default:
                    Console.Error.WriteLine($"error: unknown command '{command}'.");
                    PrintHelp();
                    return 2;
            }
        }
        catch (Exception e)   // the last resort: a message and exit 1, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    private static void PrintHelp()
    {
        Console.WriteLine("usage: dotnet run -c Release --project definitions -- [command] [options]");
        Console.WriteLine();
        Console.WriteLine("commands:");
        Console.WriteLine("  train     (default) train a zoo network on Fashion-MNIST; see train --help for the options");
        Console.WriteLine("  transfer  transfer learning with LeNet-5: pretrain on classes 0-4, then classes 5-9 with the backbone");
        Console.WriteLine("            frozen, fine-tuned, and from scratch; see transfer --help");
        Console.WriteLine("  charlstm  train CharLstm, a character-level LSTM language model, on English text; see charlstm --help");
        Console.WriteLine("  gpt       train FortuneGpt, a character-level GPT, on English text; see gpt --help");
        Console.WriteLine("  bert      BERT on fortunes: a subword tokenizer, masked-language-model pretraining, then a category");
        Console.WriteLine("            classifier fine-tuned from it and trained from scratch; see bert --help");
        Console.WriteLine("  generate  sample text from a CharLstm or FortuneGpt checkpoint (prompt, temperature, top-k, seed); see generate --help");
        Console.WriteLine("  t5        train T5Translator, a small T5, to translate English words into Japanese (and to reverse them); see t5 --help");
        Console.WriteLine("  translate translate English with a T5Translator checkpoint (beam search); see translate --help");
        Console.WriteLine("  engjpn-sample  write the English-Japanese sample shipped in Data/translation from Debian's");
        Console.WriteLine("            dict-freedict-eng-jpn; see engjpn-sample --help");
        Console.WriteLine("  seed000   one training step of seed 000's 2-2-1 network: loss, gradients and updated");
        Console.WriteLine("            parameters from the compiled code, beside the interpreted path's");
    }
}
