using System;
using System.Diagnostics;

namespace NetCompiler.Bench;

/// <summary>Starts this program again with other arguments (the GLIBC_TUNABLES re-execution, <c>jit-check</c>'s
/// child).</summary>
internal static class SelfProcess
{
    /// <summary>A start description for this program with <paramref name="args"/>; the caller adds environment
    /// variables.</summary>
    public static ProcessStartInfo StartInfo(ReadOnlySpan<string> args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        // Run as `dotnet NetCompiler.Bench.dll ...` the process is the dotnet host: pass the assembly again.
        if (System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>Runs <paramref name="start"/> to the end and returns its exit code.</summary>
    public static int Run(ProcessStartInfo start)
    {
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {start.FileName}.");
        child.WaitForExit();
        return child.ExitCode;
    }
}
