using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetCompiler.Bench;

/// <summary>The FMA peak (<see cref="FmaPeak"/>): Vector512 and Vector256 loops of independent fused
/// multiply-adds on 1 thread and on 2 dedicated threads. Each invocation does 3.072 GFLOP per thread (about 27 ms
/// per thread on a 115 GFLOP/s core), so creating the threads is noise. The operations are kilo-FLOPs: the Mean is
/// ns per kFLOP, and the GFLOP/s column turns it into the rate. A width the JIT does not accelerate fails with a
/// message instead of timing a software emulation.</summary>
[Config(typeof(Config))]
public class FmaPeakBenchmarks
{
    /// <summary>kFLOPs per thread per invocation.</summary>
    private const int KiloFlopsPerThread = 3_072_000;

    [Params(512, 256)]
    public int Bits { get; set; }

    [Benchmark(Description = "1 thread", OperationsPerInvoke = KiloFlopsPerThread)]
    public double OneThread() => FmaPeak.Run(Bits, 1, Iterations());

    [Benchmark(Description = "2 threads", OperationsPerInvoke = 2 * KiloFlopsPerThread)]
    public double TwoThreads() => FmaPeak.Run(Bits, 2, Iterations());

    private long Iterations() => (long)(KiloFlopsPerThread * 1000.0 / FmaPeak.FlopsPerIteration(Bits / 32));

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }
}
