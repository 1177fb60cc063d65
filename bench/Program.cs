using System;
using System.Globalization;
using BenchmarkDotNet.Running;

namespace NetCompiler.Bench;

/// <summary><c>dotnet run -c Release --project bench -- [BenchmarkDotNet args]</c> runs the BenchmarkDotNet suites
/// (for example <c>--filter '*Seed000*' --job short</c>); <c>quick</c> runs a short in-process Stopwatch timing
/// instead, as a fast sanity check.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "quick")
            return QuickBench.Run(args.AsSpan(1));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
