using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Training;

/// <summary>What the language-model commands (<c>charlstm</c>, <c>gpt</c>) share around their training: parsing the
/// options with --help and the exit codes, and printing text on one line.</summary>
internal static class LanguageModelJob
{
    /// <summary>Parses <paramref name="args"/>, prints <paramref name="usage"/> for --help, else runs
    /// <paramref name="train"/>; returns the process exit code (0 done, 1 error, 2 bad usage, 130 interrupted).</summary>
    public static int Run(IReadOnlyList<string> args, string usage, Func<LanguageModelArguments, int> train)
    {
        LanguageModelArguments a;
        try
        {
            a = LanguageModelArguments.Parse(args);
            if (a.Help) { Console.WriteLine(usage); return 0; }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        try
        {
            return train(a);
        }
        catch (Exception e)   // every failure ends with one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    /// <summary>Text on one line, newlines shown as \n, so that a sample does not break the report's layout.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\n", "\\n") + "\"";
}
