using System;
using System.IO;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>A command run in-process with its console output captured. The console is process-wide, so only tests in
/// the <see cref="TestSupport.ConsoleCollection"/> use this: xunit runs them one at a time.</summary>
internal sealed record JobRun(int Code, string Out, string Error)
{
    /// <summary>Runs the main job (<see cref="TrainCommand"/>).</summary>
    public static JobRun Start(params string[] args) => Start(TrainCommand.Run, args);

    /// <summary>Runs <paramref name="command"/> with <paramref name="args"/>.</summary>
    public static JobRun Start(Func<string[], int> command, params string[] args)
    {
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            int code = command(args);
            return new JobRun(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }

    /// <summary>Exit <paramref name="code"/> with one "error: " line containing <paramref name="message"/>, no stack trace.</summary>
    public void AssertFailed(int code, string message)
    {
        Assert.True(Code == code, $"exit code {Code}, expected {code}; stderr: {Error}");
        Assert.StartsWith("error: ", Error);
        Assert.Contains(message, Error);
        Assert.DoesNotContain("   at ", Error);
        Assert.DoesNotContain("   at ", Out);
    }
}
