using System;
using System.Collections.Generic;
using System.IO;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Training;

/// <summary>The <c>generate</c> command: samples text from a <see cref="CharLstm"/> checkpoint (see <see cref="CharSampler"/>)
/// or a <see cref="FortuneGpt"/> one (see <see cref="GptSampler"/>: the compiled decoder with its KV cache).</summary>
public static class GenerateCommand
{
    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        GenerateArguments a;
        try
        {
            a = GenerateArguments.Parse(args);
            if (a.Help) { Console.WriteLine(GenerateArguments.Usage); return 0; }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        try
        {
            if (!File.Exists(a.Checkpoint))
                throw new FileNotFoundException($"Checkpoint '{a.Checkpoint}' does not exist; train one with: dotnet run -c Release --project definitions -- {a.Network}");
            Console.WriteLine(a.Prompt + Continue(a));
            return 0;
        }
        catch (Exception e)   // one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    /// <summary>The text the checkpoint's network writes after the prompt.</summary>
    private static string Continue(GenerateArguments a)
    {
        if (a.Network == GenerateArguments.GptNetwork)
        {
            var gpt = new FortuneGpt();
            Checkpoint.Load(a.Checkpoint, gpt);
            return new GptSampler(gpt, a.Temperature, a.TopK, a.Seed).Continue(a.Prompt, a.Tokens);
        }
        var lstm = new CharLstm();
        Checkpoint.Load(a.Checkpoint, lstm);
        return new CharSampler(lstm, a.Temperature, a.TopK, a.Seed).Continue(a.Prompt, a.Tokens);
    }
}
