using System;
using System.Globalization;
using BenchmarkDotNet.Running;

namespace NetCompiler.Bench;

/// <summary><c>dotnet run -c Release --project bench -- [BenchmarkDotNet args]</c> runs the BenchmarkDotNet suites
/// (for example <c>--filter '*Seed000*' --job short</c>); <c>compare</c> times every workload in one process and
/// prints one Markdown table; <c>peak</c> prints the FMA peaks alone; <c>quick</c> is a fast in-process sanity
/// check of seed 000; <c>torch-check</c> says whether TorchSharp loads and agrees with NetCompiler; <c>jit-check</c>
/// shows from the JIT's own log that the hot kernels ran as optimized code; <c>alloc-check</c> counts W3's allocations
/// the way BenchmarkDotNet does; <c>generator-time</c> times the source generator per zoo network; <c>fixture</c> writes
/// the PyTorch LSTM and GRU checkpoints the recurrent tests load; <c>subnormals</c> shows that training does not slow
/// down as optimizer state decays towards 0; <c>moments</c> compares Adam's moments stored as float32 and bfloat16
/// (accuracy and step time); <c>scaling</c> tabulates MLP training steps as a fraction of the FMA peak
/// over hidden width, batch and 1 or 2 threads; <c>dense-kernels</c> times a dense layer's three products alone.</summary>
internal static class Program
{
    /// <summary>glibc malloc settings that keep libtorch's large per-step temporaries mapped (see DESIGN.md: without
    /// them they are unmapped and re-faulted every step on this VM, which would make the peer look slower than it is).
    /// Our own code preallocates and does not depend on them.</summary>
    private const string MallocTunables =
        "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456";

    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        // glibc reads GLIBC_TUNABLES only at process start, so run ourselves again with it set. BenchmarkDotNet's
        // child processes inherit it. Set GLIBC_TUNABLES yourself (even to nothing) to skip this.
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is null)
            return RunAgainWithTunables(args);

        switch (args.Length > 0 ? args[0] : "")
        {
            case "quick": return QuickBench.Run(args.AsSpan(1));
            case "compare": return CompareCommand.Run(args.AsSpan(1));
            case "torch-check": return TorchCheckCommand.Run();
            case "peak": return PeakCommand.Run();
            case "breakdown": return BreakdownCommand.Run();
            case "jit-check": return JitCheckCommand.Run(args.AsSpan(1));
            case "alloc-check": return AllocCheckCommand.Run(args.AsSpan(1));
            case "generator-time": return GeneratorTimeCommand.Run(args.AsSpan(1));
            case "fixture": return RecurrentFixtureCommand.Run(args.AsSpan(1));
            case "subnormals": return SubnormalsCommand.Run();
            case "moments": return MomentsCommand.Run(args.AsSpan(1));
            case "scaling": return ScalingCommand.Run(args.AsSpan(1));
            case "dense-kernels": return DenseKernelsCommand.Run();
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }

    private static int RunAgainWithTunables(string[] args)
    {
        var start = SelfProcess.StartInfo(args);
        start.Environment["GLIBC_TUNABLES"] = MallocTunables;
        return SelfProcess.Run(start);
    }
}
