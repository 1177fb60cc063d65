using System;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>A TileGemm product that applies ReLU to its outputs, or ReLU's gradient to its dx, in each part must give
/// the bits of the product followed by a separate pass (what generated code did before), on one thread and split
/// across two, for widths with vector tails, zeros, negative zeros and NaN among the values.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class TileActivationTests
{
    public static TheoryData<int, int, int> Shapes() => new() { { 5, 40, 100 }, { 32, 512, 96 }, { 128, 600, 520 }, { 3, 37, 19 } };

    [Theory, MemberData(nameof(Shapes))]
    public void Forward_with_relu_gives_the_bits_of_the_product_then_relu(int rows, int n, int k)
    {
        var rng = new Rng((ulong)(rows * 1000 + n));
        float[] x = Values(rng, rows * k), w = Values(rng, n * k), b = Values(rng, n);
        b[0] = float.NaN; b[1] = -1e30f;   // a NaN output and zeros
        var expected = new float[rows * n];
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            TileGemm.Forward(ref x[0], k, ref w[0], ref b[0], true, ref expected[0], n, rows, n, k);
            for (int i = 0; i < expected.Length; i++) expected[i] = SimdMath.Relu(expected[i]);
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                var y = new float[rows * n];
                TileGemm.Forward(ref x[0], k, ref w[0], ref b[0], true, ref y[0], n, rows, n, k, activation: TileActivation.Relu);
                Assert.Equal(FloatBits.Of(expected), FloatBits.Of(y));
            }
        }
        finally { WorkerPool.Threads = saved; }
        Assert.Contains(0f, expected);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Input_gradient_gated_by_relu_gives_the_bits_of_the_product_then_the_gate(int rows, int n, int k)
    {
        var rng = new Rng((ulong)(rows * 7 + k));
        float[] dz = Values(rng, rows * n), w = Values(rng, n * k), y = Values(rng, rows * (k + 3));
        for (int i = 0; i < y.Length; i += 5) y[i] = 0f;   // ReLU outputs: zeros, negative zero, positives
        y[1] = -0f;
        dz[0] = float.PositiveInfinity;   // inf * 0 must stay NaN as in the separate pass
        var expected = new float[rows * k];
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            TileGemm.BackwardInput(ref dz[0], n, ref w[0], ref expected[0], k, rows, n, k, overwrite: true);
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < k; i++)
                    expected[r * k + i] *= SimdMath.ReluGrad(y[r * (k + 3) + i]);
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                var dx = Values(rng, rows * k);   // overwritten whole
                TileGemm.BackwardInput(ref dz[0], n, ref w[0], ref dx[0], k, rows, n, k, true, TileActivation.Relu, ref y[0], k + 3);
                Assert.Equal(FloatBits.Of(expected), FloatBits.Of(dx));
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    private static float[] Values(Rng rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = rng.NextFloat() * 2 - 1;
        return values;
    }
}
