using System;
using System.IO;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>The main job run in-process with its console output captured. The console is process-wide, so only
/// <see cref="TrainCommandTests"/> uses this: xunit runs one class's tests one at a time, and no other test writes to
/// the console.</summary>
internal sealed record JobRun(int Code, string Out, string Error)
{
    public static JobRun Start(params string[] args)
    {
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            int code = TrainCommand.Run(args);
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
