using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetCompiler.Bench;

/// <summary>W3: the wide MLP (784 -> 512 ReLU -> 512 ReLU -> 10, softmax cross-entropy), four ways: compiled,
/// interpreted, TorchSharp at 1 and 2 threads (<see cref="WideMlpWorkload"/>). Categories: <c>Train</c>, one Adam
/// (lr 1e-3) step on the next batch of 128 training images (samples/s = 128 / Mean); <c>Infer1</c>, the latency of
/// one image; <c>Infer128</c>, a batch of 128 (samples/s = 128 / Mean).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WideMlpBenchmarks
{
    private const int Batch = WideMlpWorkload.InferBatch;
    private WideMlpWorkload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new WideMlpWorkload();
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

    [BenchmarkCategory("Infer1"), Benchmark(Baseline = true, Description = "compiled")]
    public float Infer1Compiled() => _w.InferCompiled(1);

    [BenchmarkCategory("Infer1"), Benchmark(Description = "interpreted")]
    public float Infer1Interpreted() => _w.InferInterpreted(1);

    [BenchmarkCategory("Infer1"), Benchmark(Description = "TorchSharp 1 thread")]
    public float Infer1TorchSharp1() => _w.InferTorchSharp(TorchSharpPeer.Require(1), 1);

    [BenchmarkCategory("Infer1"), Benchmark(Description = "TorchSharp 2 threads")]
    public float Infer1TorchSharp2() => _w.InferTorchSharp(TorchSharpPeer.Require(2), 1);

    [BenchmarkCategory("Infer128"), Benchmark(Baseline = true, Description = "compiled")]
    public float Infer128Compiled() => _w.InferCompiled(Batch);

    [BenchmarkCategory("Infer128"), Benchmark(Description = "interpreted")]
    public float Infer128Interpreted() => _w.InferInterpreted(Batch);

    [BenchmarkCategory("Infer128"), Benchmark(Description = "TorchSharp 1 thread")]
    public float Infer128TorchSharp1() => _w.InferTorchSharp(TorchSharpPeer.Require(1), Batch);

    [BenchmarkCategory("Infer128"), Benchmark(Description = "TorchSharp 2 threads")]
    public float Infer128TorchSharp2() => _w.InferTorchSharp(TorchSharpPeer.Require(2), Batch);
}
