using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace NetCompiler.Bench;

/// <summary>The <see cref="TileGemm"/> products of W3's three dense layers (784 -> 512, 512 -> 512, 512 -> 10) on
/// tiles of 32 rows, as the generated code calls them for a batch of 128, on one thread (<see cref="WorkerPool.Threads"/>
/// = 1), so that the GFLOP/s column compares with the 1-thread <see cref="FmaPeakBenchmarks"/>. Categories:
/// <c>Forward</c> (y = x W^T + b), <c>BackwardInput</c> (dx += dz W), <c>BackwardWeights</c> (dW += dz^T x, db += sum dz).
/// <para>One invocation is <see cref="Calls"/> calls over the four 32-row tiles of a 128-row batch in turn, so W
/// stays wherever a real batch leaves it (L2 or L3) and x does not sit in L1. 125 calls of 2 x 32 x n x k FLOPs are
/// exactly 8 n k kFLOPs, the OperationsPerInvoke of each method, and the Mean is ns per kFLOP (see
/// <see cref="GflopsColumn"/>). Biases and activations are not counted.</para></summary>
[Config(typeof(Config))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GemmBenchmarks
{
    private const int Rows = 32, Tiles = 4, Calls = 125;

    private Layer _l1 = null!, _l2 = null!, _l3 = null!;

    [GlobalSetup]
    public void Setup()
    {
        WorkerPool.Threads = 1;
        _l1 = new Layer(784, 512, 1);
        _l2 = new Layer(512, 512, 2);
        _l3 = new Layer(512, 10, 3);
    }

    [BenchmarkCategory("Forward"), Benchmark(Description = "forward 784->512", OperationsPerInvoke = 8 * 784 * 512)]
    public float Forward1() => _l1.Forward();

    [BenchmarkCategory("Forward"), Benchmark(Description = "forward 512->512", OperationsPerInvoke = 8 * 512 * 512)]
    public float Forward2() => _l2.Forward();

    [BenchmarkCategory("Forward"), Benchmark(Description = "forward 512->10", OperationsPerInvoke = 8 * 512 * 10)]
    public float Forward3() => _l3.Forward();

    [BenchmarkCategory("BackwardInput"), Benchmark(Description = "dx 784->512", OperationsPerInvoke = 8 * 784 * 512)]
    public float BackwardInput1() => _l1.BackwardInput();

    [BenchmarkCategory("BackwardInput"), Benchmark(Description = "dx 512->512", OperationsPerInvoke = 8 * 512 * 512)]
    public float BackwardInput2() => _l2.BackwardInput();

    [BenchmarkCategory("BackwardInput"), Benchmark(Description = "dx 512->10", OperationsPerInvoke = 8 * 512 * 10)]
    public float BackwardInput3() => _l3.BackwardInput();

    [BenchmarkCategory("BackwardWeights"), Benchmark(Description = "dW 784->512", OperationsPerInvoke = 8 * 784 * 512)]
    public float BackwardWeights1() => _l1.BackwardWeights();

    [BenchmarkCategory("BackwardWeights"), Benchmark(Description = "dW 512->512", OperationsPerInvoke = 8 * 512 * 512)]
    public float BackwardWeights2() => _l2.BackwardWeights();

    [BenchmarkCategory("BackwardWeights"), Benchmark(Description = "dW 512->10", OperationsPerInvoke = 8 * 512 * 10)]
    public float BackwardWeights3() => _l3.BackwardWeights();

    /// <summary>One dense layer's operands for a batch of Tiles x Rows samples, rows packed (stride = width).</summary>
    private sealed class Layer
    {
        private readonly int _k, _n;
        private readonly float[] _x, _w, _b, _y, _dz, _dx, _dw, _db;

        public Layer(int k, int n, int seed)
        {
            (_k, _n) = (k, n);
            var rng = new Random(seed);
            float[] Random(int length)
            {
                var v = new float[length];
                for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
                return v;
            }
            _x = Random(Tiles * Rows * k);
            _w = Random(n * k);
            _b = Random(n);
            _dz = Random(Tiles * Rows * n);
            _y = new float[Tiles * Rows * n];
            _dx = new float[Tiles * Rows * k];
            _dw = new float[n * k];
            _db = new float[n];
        }

        public float Forward()
        {
            for (int c = 0; c < Calls; c++)
            {
                int tile = c % Tiles * Rows;
                TileGemm.Forward(ref _x[tile * _k], _k, ref _w[0], ref _b[0], true, ref _y[tile * _n], _n, Rows, _n, _k);
            }
            return _y[0];
        }

        public float BackwardInput()
        {
            for (int c = 0; c < Calls; c++)
            {
                int tile = c % Tiles * Rows;
                TileGemm.BackwardInput(ref _dz[tile * _n], _n, ref _w[0], ref _dx[tile * _k], _k, Rows, _n, _k);
            }
            return _dx[0];
        }

        public float BackwardWeights()
        {
            for (int c = 0; c < Calls; c++)
            {
                int tile = c % Tiles * Rows;
                TileGemm.BackwardWeights(ref _dz[tile * _n], _n, ref _x[tile * _k], _k, ref _dw[0], ref _db[0], true, Rows, _n, _k);
            }
            return _dw[0];
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }
}
