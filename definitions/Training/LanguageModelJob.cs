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

    /// <summary>Trains <paramref name="trainer"/> on <paramref name="data"/> until done, diverged or stopped with Ctrl+C:
    /// null when it finished, else the exit code after the one-line report (1: diverged, the last epoch's checkpoint kept;
    /// 130: stopped, the current step's checkpoint written with <paramref name="save"/>). <paramref name="epochsSaved"/> counts
/// the epochs whose checkpoint was written.</summary>
    public static int? Fit(Trainer trainer, Dataset data, Interruption interruption, ProgressBar progress, Action save, string checkpointPath, Func<int> epochsSaved)
    {
        TrainingResult result;
        interruption.NowFinishing("the current step, then writing a checkpoint");
        try { result = trainer.Fit(data, null, interruption.Token); }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            int saved = epochsSaved();
            Console.Error.WriteLine(saved == 0 ? "No checkpoint was written." : $"The checkpoint of epoch {saved} is kept: {checkpointPath}");
            return 1;
        }
        finally { progress.Finish(); }
        if (!result.Cancelled) return null;
        interruption.NowFinishing($"writing {checkpointPath}");
        save();
        Console.WriteLine($"stopped in epoch {trainer.State.Epoch + 1} after batch {trainer.State.Batch}; checkpoint: {checkpointPath}");
        return 130;
    }

    /// <summary>Text on one line, newlines shown as \n, so that a sample does not break the report's layout.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\n", "\\n") + "\"";
}
