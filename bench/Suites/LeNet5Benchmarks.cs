using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetCompiler.Bench;

/// <summary>W4: LeNet-5 training, SGD lr 0.01 momentum 0.9, the next batch of 64 training images per call
/// (samples/s = 64 / Mean), four ways: compiled, interpreted, TorchSharp at 1 and 2 threads
/// (<see cref="LeNet5Workload"/>). Category <c>Convolutions</c>: the two convolutions of one compiled step alone through
/// ConvolutionGemm (<see cref="ConvStepTimer"/>; 122 MFLOP per call).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LeNet5Benchmarks
{
    private LeNet5Workload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new LeNet5Workload();
        if (!TorchSharpPeer.IsAvailable) return;
        _w.CreateTorchSharp();
        if (_w.CheckTorchSharp() is (false, var line)) System.Console.WriteLine(line);
    }

    [GlobalCleanup]
    public void Cleanup() => _w.Dispose();

    [BenchmarkCategory("Train"), Benchmark(Baseline = true, Description = "compiled")]
    public float TrainCompiled() => _w.TrainCompiled();

    [BenchmarkCategory("Train"), Benchmark(Description = "interpreted")]
    public float TrainInterpreted() => _w.TrainInterpreted();

    [BenchmarkCategory("Train"), Benchmark(Description = "TorchSharp 1 thread")]
    public float TrainTorchSharp1() => _w.TrainTorchSharp(TorchSharpPeer.Require(1));

    [BenchmarkCategory("Train"), Benchmark(Description = "TorchSharp 2 threads")]
    public float TrainTorchSharp2() => _w.TrainTorchSharp(TorchSharpPeer.Require(2));

    [BenchmarkCategory("Convolutions"), Benchmark(Description = "convolutions of a compiled step alone")]
    public float Convolutions() => _w.ConvolutionsOnly();
}
