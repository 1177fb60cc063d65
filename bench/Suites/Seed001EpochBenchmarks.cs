using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace NetCompiler.Bench;

/// <summary>W2: one epoch of seed 001's 784 -> 30 sigmoid -> 10 sigmoid network, quadratic cost, SGD lr 3.0,
/// batch 10, over the whole Fashion-MNIST training set in a fixed order (60,000 samples with Debian's
/// dataset-fashion-mnist installed, else the shipped 8,000), four ways: compiled, interpreted, TorchSharp at 1 and
/// 2 threads (<see cref="Seed001Workload"/>). An epoch takes 0.1 to 1 s, so this suite uses BenchmarkDotNet's
/// Monitoring strategy (each iteration is one epoch, no pilot stage) with 5 measured epochs per variant.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class Seed001EpochBenchmarks
{
    private Seed001Workload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new Seed001Workload();
        if (!TorchSharpPeer.IsAvailable) return;
        _w.CreateTorchSharp();
        if (_w.CheckTorchSharp() is (false, var line)) System.Console.WriteLine(line);
    }

    [GlobalCleanup]
    public void Cleanup() => _w.Dispose();

    [Benchmark(Description = "compiled")]
    public float Compiled()
    {
        float loss = 0;
        for (int i = 0; i < _w.StepsPerEpoch; i++) loss = _w.StepCompiled();
        return loss;
    }

    [Benchmark(Description = "interpreted")]
    public float Interpreted()
    {
        float loss = 0;
        for (int i = 0; i < _w.StepsPerEpoch; i++) loss = _w.StepInterpreted();
        return loss;
    }

    [Benchmark(Description = "TorchSharp 1 thread")]
    public void TorchSharp1() => TorchSharpEpoch(1);

    [Benchmark(Description = "TorchSharp 2 threads")]
    public void TorchSharp2() => TorchSharpEpoch(2);

    private void TorchSharpEpoch(int threads)
    {
        TorchSharpPeer.Require(threads);
        for (int i = 0; i < _w.StepsPerEpoch; i++) _w.StepTorchSharp(threads);
    }
}
