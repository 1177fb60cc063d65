using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace NetCompiler.Bench;

/// <summary>ResNetSmall training: one SGD (lr 0.05, momentum 0.9) step on the next batch of 64 training images per call
/// (samples/s = 64 / Mean), batch norm in training mode, four ways: compiled, interpreted, TorchSharp at 1 and 2 threads
/// (<see cref="ResNetSmallWorkload"/>). A step takes 0.1 s (compiled) to several seconds (interpreted), so this suite uses
/// BenchmarkDotNet's Monitoring strategy: each iteration is one step, no pilot stage, 15 measured steps per variant.
/// Inference is <see cref="ResNetSmallInferBenchmarks"/> (<c>--filter '*ResNetSmall*'</c> runs both).</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MemoryDiagnoser]
public class ResNetSmallTrainBenchmarks
{
    private ResNetSmallWorkload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new ResNetSmallWorkload();
        if (!TorchSharpPeer.IsAvailable) return;
        _w.CreateTorchSharp();
        if (_w.CheckTorchSharp() is (false, var line)) System.Console.WriteLine(line);
    }

    [GlobalCleanup]
    public void Cleanup() => _w.Dispose();

    [Benchmark(Baseline = true, Description = "compiled")]
    public float Compiled() => _w.TrainCompiled();

    [Benchmark(Description = "interpreted")]
    public float Interpreted() => _w.TrainInterpreted();

    [Benchmark(Description = "TorchSharp 1 thread")]
    public float TorchSharp1() => _w.TrainTorchSharp(TorchSharpPeer.Require(1));

    [Benchmark(Description = "TorchSharp 2 threads")]
    public float TorchSharp2() => _w.TrainTorchSharp(TorchSharpPeer.Require(2));
}

/// <summary>ResNetSmall inference latency: the first training image, batch norm on its running statistics (TorchSharp
/// in eval mode under inference_mode), four ways (<see cref="ResNetSmallWorkload"/>).</summary>
[MemoryDiagnoser]
public class ResNetSmallInferBenchmarks
{
    private ResNetSmallWorkload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new ResNetSmallWorkload();
        if (!TorchSharpPeer.IsAvailable) return;
        _w.CreateTorchSharp();
        if (_w.CheckTorchSharp() is (false, var line)) System.Console.WriteLine(line);
    }

    [GlobalCleanup]
    public void Cleanup() => _w.Dispose();

    [Benchmark(Baseline = true, Description = "compiled")]
    public float Compiled() => _w.InferCompiled();

    [Benchmark(Description = "interpreted")]
    public float Interpreted() => _w.InferInterpreted();

    [Benchmark(Description = "TorchSharp 1 thread")]
    public float TorchSharp1() => _w.InferTorchSharp(TorchSharpPeer.Require(1));

    [Benchmark(Description = "TorchSharp 2 threads")]
    public float TorchSharp2() => _w.InferTorchSharp(TorchSharpPeer.Require(2));
}
