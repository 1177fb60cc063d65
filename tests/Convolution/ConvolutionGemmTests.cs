using System;
using System.Linq;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary>The compiled runtime's convolution kernels (<see cref="ConvolutionGemm"/>, im2col products) against the
/// direct float64 sums of <see cref="ConvShape.Products"/>: forward with and without bias, dx, dW and db, each adding
/// into what was there, over several samples whose row strides are wider than a sample (the gap must stay untouched),
/// positions per channel a multiple of 16 or not, groups, depthwise, and a shape large enough to be split across
/// threads. Runs on whichever ISA path the process has (CI runs all three).</summary>
public class ConvolutionGemmTests
{
    public static TheoryData<string, ConvShape, int> Shapes() => new()
    {
        { "9 positions, 3x2 kernel, stride 2, padding 1, dilation 2, 2 groups", new(4, 7, 5, 6, 3, 2, Stride: 2, Padding: 1, Dilation: 2, Groups: 2), 3 },
        { "64 positions, 3x3, padding 1", new(3, 8, 8, 5, 3, 3, Padding: 1), 3 },
        { "16 positions, 1x1 stride 2", new(5, 8, 8, 7, 1, 1, Stride: 2), 4 },
        { "25 positions, depthwise", new(4, 5, 5, 4, 3, 3, Padding: 1, Groups: 4), 2 },
        { "1 position, a kernel over the whole padded input", new(2, 3, 4, 3, 5, 6, Padding: 1), 1 },
        { "121 positions, 2 groups, above the parallel threshold", new(6, 11, 11, 10, 3, 3, Padding: 1, Groups: 2), 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_kernel_matches_the_direct_float64_sums(string name, ConvShape shape, int rows)
    {
        var run = ConvGemmRun.Of(shape, rows, seed: 1);
        run.AssertMatchesReference(name);
    }
}
