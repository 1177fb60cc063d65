using System;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary>The compiled max pooling kernel (<see cref="MaxPooling.Forward"/>: the branch-free rows, and the AVX-512
/// stride-2 permute path) against a plain loop with PyTorch's rule: the first largest element of a window in row-major
/// order wins, a NaN beats every number and the first NaN stays; the saved index is the winner's index in the sample.
/// Inputs are small integers, so windows tie often, with a NaN now and then.</summary>
public class MaxPoolingKernelTests
{
    private static (float[] Y, float[] Index) Reference(float[] x, int channels, int height, int width, int kernel, int stride, int outHeight, int outWidth)
    {
        var y = new float[channels * outHeight * outWidth];
        var index = new float[y.Length];
        for (int c = 0, o = 0; c < channels; c++)
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++, o++)
                {
                    int at = -1;
                    for (int i = 0; i < kernel; i++)
                        for (int j = 0; j < kernel; j++)
                        {
                            int tap = (c * height + oy * stride + i) * width + ox * stride + j;
                            if (at < 0 || x[tap] > x[at] || (float.IsNaN(x[tap]) && !float.IsNaN(x[at]))) at = tap;
                        }
                    y[o] = x[at];
                    index[o] = at;
                }
        return (y, index);
    }

    public static TheoryData<int, int, int, int, int> Shapes() => new()
    {
        { 6, 28, 28, 2, 2 },    // LeNet-5's first pool
        { 16, 10, 10, 2, 2 },   // and its second
        { 2, 9, 37, 2, 2 },     // 18 outputs a row: a full register and a masked one
        { 3, 7, 7, 3, 2 },      // odd kernel at stride 2
        { 1, 5, 70, 2, 2 },     // 35 outputs a row: three registers
        { 2, 8, 8, 2, 1 },      // overlapping windows
        { 2, 11, 40, 3, 3 },
        { 1, 4, 4, 4, 4 },      // one window
        { 1, 3, 3, 1, 1 },      // identity
    };

    [Theory, MemberData(nameof(Shapes))]
    public void The_kernel_picks_the_first_largest_and_its_index(int channels, int height, int width, int kernel, int stride)
    {
        int outHeight = (height - kernel) / stride + 1, outWidth = (width - kernel) / stride + 1;
        var rng = new Random(channels * 1000 + width * 10 + kernel);
        // A guard after the sample: the kernel must read and write nothing past its rows.
        var x = new float[channels * height * width + 40];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(5) - 2 + (rng.Next(40) == 0 ? float.NaN : 0f);
        var (expected, expectedIndex) = Reference(x, channels, height, width, kernel, stride, outHeight, outWidth);
        var y = new float[expected.Length + 40];
        var index = new float[expected.Length + 40];
        Array.Fill(y, 99f);
        Array.Fill(index, 99f);
        MaxPooling.Forward(ref x[0], channels, height, width, kernel, stride, ref y[0], outHeight, outWidth, ref index[0], saveIndex: true);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.True(expected[o].Equals(y[o]), $"output {o}: {y[o]}, expected {expected[o]}");
            Assert.True(expectedIndex[o] == index[o], $"index {o}: {index[o]}, expected {expectedIndex[o]}");
        }
        for (int o = expected.Length; o < y.Length; o++)
            Assert.True(y[o] == 99f && index[o] == 99f, $"the kernel wrote past its output at {o}");
    }
}
