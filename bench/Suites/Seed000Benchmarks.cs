using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NetCompiler.Definitions.Seeds;

namespace NetCompiler.Bench;

/// <summary>Seed 000's 2 -> 2 tanh -> 1 sigmoid network (binary cross-entropy), batch 1, x = [0.7, 0.8], y = 1:
/// one SGD training step (lr 0.1) and one inference, each three ways: the generated code, the interpreted path
/// over the same definition, and a hand-written scalar C# loop (the baseline). Steps keep training the same
/// network; parameters are not reset between iterations.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Seed000Benchmarks
{
    private const float LearningRate = 0.1f;

    private readonly float[] _x = { 0.7f, 0.8f };
    private readonly float[] _y = { 1f };
    private readonly float[] _out = new float[1];

    private Seed000Net _compiled = null!;
    private Seed000Net _interpreted = null!;
    private NaiveSeed000 _naive = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compiled = new Seed000Net();
        _interpreted = new Seed000Net();
        _naive = new NaiveSeed000();
    }

    [BenchmarkCategory("TrainStep"), Benchmark(Baseline = true, Description = "naive C#")]
    public float TrainNaive() => _naive.TrainStep(_x, _y[0], LearningRate);

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "compiled")]
    public float TrainCompiled() => _compiled.TrainStep(_x, _y, 1, LearningRate);

    [BenchmarkCategory("TrainStep"), Benchmark(Description = "interpreted")]
    public float TrainInterpreted() => Interpreter.TrainStep(_interpreted, _x, _y, 1, LearningRate);

    [BenchmarkCategory("Infer"), Benchmark(Baseline = true, Description = "naive C#")]
    public float InferNaive() => _naive.Infer(_x);

    [BenchmarkCategory("Infer"), Benchmark(Description = "compiled")]
    public float InferCompiled()
    {
        _compiled.Infer(_x, _out, 1);
        return _out[0];
    }

    [BenchmarkCategory("Infer"), Benchmark(Description = "interpreted")]
    public float InferInterpreted()
    {
        Interpreter.Infer(_interpreted, _x, _out, 1);
        return _out[0];
    }
}
