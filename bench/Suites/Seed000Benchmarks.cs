using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetCompiler.Bench;

/// <summary>W1: seed 000's 2 -> 2 tanh -> 1 sigmoid network (binary cross-entropy), batch 1, x = [0.7, 0.8], y = 1:
/// one SGD training step (lr 0.1) and one inference, six ways: the hand-written scalar loop (the baseline), the
/// generated code, the interpreted path over the same definition, TorchSharp at 1 and 2 threads
/// (<see cref="Seed000Workload"/>), and a hand-written lower bound (<see cref="RegisterSeed000"/>). Steps keep training the same network; parameters are not reset between
/// iterations.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Seed000Benchmarks
{
    private Seed000Workload _w = null!;
    private readonly RegisterSeed000 _floor = new();

    [GlobalSetup]
    public void Setup()
    {
        _w = new Seed000Workload();
        if (!TorchSharpPeer.IsAvailable) return;
        _w.CreateTorchSharp();
        if (_w.CheckTorchSharp() is (false, var line)) System.Console.WriteLine(line);
    }

    [GlobalCleanup]
    public void Cleanup() => _w.Dispose();

    [BenchmarkCategory("TrainStep"), Benchmark(Baseline = true, Description = "naive C#")]
    public float TrainNaive() => _w.TrainNaive();

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "compiled")]
    public float TrainCompiled() => _w.TrainCompiled();

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "interpreted")]
    public float TrainInterpreted() => _w.TrainInterpreted();

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "registers, by hand")]
    public float TrainRegisters() => _floor.TrainStep(0.7f, 0.8f, 1f, 0.1f);

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "TorchSharp 1 thread")]
    public float TrainTorchSharp1() => _w.TrainTorchSharp(TorchSharpPeer.Require(1));

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "TorchSharp 2 threads")]
    public float TrainTorchSharp2() => _w.TrainTorchSharp(TorchSharpPeer.Require(2));

    [BenchmarkCategory("Infer"), Benchmark(Baseline = true, Description = "naive C#")]
    public float InferNaive() => _w.InferNaive();

    [BenchmarkCategory("Infer"), Benchmark(Description = "compiled")]
    public float InferCompiled() => _w.InferCompiled();

    [BenchmarkCategory("Infer"), Benchmark(Description = "interpreted")]
    public float InferInterpreted() => _w.InferInterpreted();

    [BenchmarkCategory("Infer"), Benchmark(Description = "registers, by hand")]
    public float InferRegisters() => _floor.Infer(0.7f, 0.8f);

    [BenchmarkCategory("Infer"), Benchmark(Description = "TorchSharp 1 thread")]
    public float InferTorchSharp1() => _w.InferTorchSharp(TorchSharpPeer.Require(1));

    [BenchmarkCategory("Infer"), Benchmark(Description = "TorchSharp 2 threads")]
    public float InferTorchSharp2() => _w.InferTorchSharp(TorchSharpPeer.Require(2));
}
