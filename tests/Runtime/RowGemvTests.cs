using System;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary><see cref="RowGemv"/> against a float64 product, over shapes that exercise whole registers of outputs, the
/// outputs left over after them, rows read four registers at a time and one at a time, and rows whose length is not a multiple of a register (the scalar tails), with and
/// without a bias; in every ISA mode test.sh runs.</summary>
public class RowGemvTests
{
    [Theory]
    [InlineData(16, 16)]
    [InlineData(8, 8)]
    [InlineData(32, 64)]
    [InlineData(65, 64)]     // CharGpt's head: 4 registers of 16 outputs and one left over
    [InlineData(64, 256)]
    [InlineData(19, 37)]     // tails in both directions
    [InlineData(7, 5)]       // fewer outputs than a register
    [InlineData(24, 3)]
    [InlineData(33, 83)]     // rows of four registers at a time (64 or 32 floats), then single registers, then a tail
    [InlineData(16, 100)]
    [InlineData(515, 130)]   // above RowGemv.SplitMultiplyAdds: split across the pool when it has two threads
    public void Matches_a_float64_product(int n, int k)
    {
        var rng = new Rng((ulong)(n * 1000 + k));
        var w = new float[n * k]; var x = new float[k]; var bias = new float[n];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextFloat() - 0.5f;
        for (int i = 0; i < k; i++) x[i] = rng.NextFloat() * 2 - 1;
        for (int i = 0; i < n; i++) bias[i] = rng.NextFloat();
        foreach (bool hasBias in new[] { false, true })
        {
            var y = new float[n + 1];
            y[n] = 42f;   // past the end: untouched
            RowGemv.Forward(ref w[0], ref x[0], ref bias[0], hasBias, ref y[0], n, k);
            for (int o = 0; o < n; o++)
            {
                double expected = hasBias ? bias[o] : 0;
                for (int i = 0; i < k; i++) expected += (double)w[o * k + i] * x[i];
                Assert.True(Math.Abs(expected - y[o]) <= 1e-6 * (1 + k), $"{n}x{k}, bias {hasBias}, output {o}: {y[o]}, expected {expected}");
            }
            Assert.Equal(42f, y[n]);
        }
    }
}
