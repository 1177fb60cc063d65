using System;

namespace NetCompiler.Bench;

/// <summary>The <c>peak</c> command: the FMA peaks alone (a few seconds), e.g. to see whether the machine is quiet
/// enough to benchmark: with another busy process, the 2-thread peak stops being twice the 1-thread one.</summary>
internal static class PeakCommand
{
    public static int Run()
    {
        foreach (int bits in new[] { 512, 256 })
        {
            if (!FmaPeak.IsSupported(bits)) { Console.WriteLine($"Vector{bits}: not hardware accelerated"); continue; }
            foreach (int threads in new[] { 1, 2 })
                Console.WriteLine($"Vector{bits}, {threads} thread{(threads > 1 ? "s" : "")}: {FmaPeak.Median(bits, threads, 0.25, 5):F1} GFLOP/s");
        }
        return 0;
    }
}
