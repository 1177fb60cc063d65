using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Bench;

/// <summary>The <c>dense-kernels</c> command: the three products of a dense layer (<see cref="TileGemm.Forward"/>,
/// <see cref="TileGemm.BackwardInput"/>, <see cref="TileGemm.BackwardWeights"/>) alone, over a tile of rows, in GFLOP/s
/// and percent of the FMA peak measured in the same run, on 1 and 2 threads. The layers are those of bench -- scaling
/// (784 -> H -> H -> 10); the row strides are not powers of two, as in a training workspace (x: 3k + 10 floats, dz:
/// 2n + 10), since a power-of-two stride maps a matrix's column stripe onto a few cache sets and measures something
/// else. The weights and their gradient stay the same across calls, as in one training step's tiles.</summary>
internal static class DenseKernelsCommand
{
    private static readonly (int N, int K)[] s_layers = [(64, 784), (512, 784), (512, 512), (10, 512), (1024, 1024), (2048, 2048), (10, 2048)];
    private static readonly int[] s_rows = [8, 32, 128];
    private static readonly int[] s_threads = [1, 2];

    /// <summary>Runs the command; about 1 minute.</summary>
    public static int Run()
    {
        bool quiet = SystemLoad.WaitForQuiet(0.2, TimeSpan.FromSeconds(30), Console.Error.WriteLine);
        if (!quiet) Console.Error.WriteLine("the machine is still busy: the results will be unreliable");
        var load = SystemLoad.Start();
        int bits = FmaPeak.IsSupported(512) ? 512 : FmaPeak.IsSupported(256) ? 256 : 0;
        var peaks = s_threads.ToDictionary(t => t, t => bits == 0 ? double.NaN : FmaPeak.Median(bits, t, 0.25, 7));
        int poolThreads = WorkerPool.Threads;
        var lines = new List<string>
        {
            "| layer (n x k) | rows | threads | forward | dX | dW |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        };
        try
        {
            foreach (var (n, k) in s_layers)
                foreach (int rows in s_rows)
                    foreach (int threads in s_threads)
                    {
                        WorkerPool.Threads = threads;
                        var cells = Measure(n, k, rows).Select(gflops =>
                            string.Create(CultureInfo.InvariantCulture, $"{gflops:F0} ({100 * gflops / peaks[threads]:F0}%)"));
                        lines.Add($"| {n} x {k} | {rows} | {threads} | {string.Join(" | ", cells)} |");
                        Console.Error.WriteLine(lines[^1]);
                    }
        }
        finally { WorkerPool.Threads = poolThreads; }

        Console.WriteLine($"NetCompiler dense-kernels, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FMA peak Vector{bits} (12 independent accumulators): 1 thread {peaks[1]:F0} GFLOP/s, 2 threads {peaks[2]:F0} GFLOP/s."));
        Console.WriteLine("Each cell: GFLOP/s (2 per multiply-add) and percent of the peak at the same thread count, the median of 9 runs " +
            "of 0.06 s, the three products taking turns.");
        Console.WriteLine();
        foreach (var line in lines) Console.WriteLine(line);
        Console.WriteLine();
        Console.WriteLine("- " + CompareCommand.LoadLine(load.Stop(), quiet, out _));
        return 0;
    }

    /// <summary>GFLOP/s of forward, dX and dW for one layer and tile.</summary>
    private static double[] Measure(int n, int k, int rows)
    {
        int xStride = 3 * k + 10, yStride = 3 * n + 10, dzStride = 2 * n + 10, dxStride = 2 * k + 10;
        var rng = new Rng(7);
        float[] Random(int length) { var a = new float[length]; for (int i = 0; i < a.Length; i++) a[i] = rng.NextFloat() - 0.5f; return a; }
        float[] x = Random(rows * xStride), w = Random(n * k), b = Random(n), dz = Random(rows * dzStride);
        float[] y = new float[rows * yStride], dx = new float[rows * dxStride], dw = new float[n * k], db = new float[n];
        Action[] products =
        [
            () => TileGemm.Forward(ref x[0], xStride, ref w[0], ref b[0], true, ref y[0], yStride, rows, n, k),
            () => TileGemm.BackwardInput(ref dz[0], dzStride, ref w[0], ref dx[0], dxStride, rows, n, k),
            () => TileGemm.BackwardWeights(ref dz[0], dzStride, ref x[0], xStride, ref dw[0], ref db[0], true, rows, n, k),
        ];
        var times = products.Select(_ => new List<double>()).ToArray();
        foreach (var product in products) { product(); product(); }
        for (int repetition = 0; repetition < 9; repetition++)
            for (int p = 0; p < products.Length; p++)
            {
                var clock = Stopwatch.StartNew();
                int calls = 0;
                while (clock.Elapsed.TotalSeconds < 0.06) { products[p](); calls++; }
                times[p].Add(clock.Elapsed.TotalSeconds / calls);
            }
        double flops = 2.0 * rows * n * k;
        return times.Select(t => { t.Sort(); return flops / t[t.Count / 2] / 1e9; }).ToArray();
    }
}
