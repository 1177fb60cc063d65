using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Tests.Convolution;

/// <summary>One 2-D convolution's sizes, as PyTorch's <c>nn.Conv2d</c> takes them (one stride, padding and dilation for
/// both axes): input [C, H, W], weight [M, C / Groups, KH, KW], output [M, OH, OW]. Public: it is theory data.</summary>
public sealed record ConvShape(int C, int H, int W, int M, int KH, int KW, int Stride = 1, int Padding = 0, int Dilation = 1, int Groups = 1)
{
    /// <summary>PyTorch's floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1 (the tests use fitting shapes only).</summary>
    public int OH => (H + 2 * Padding - Dilation * (KH - 1) - 1) / Stride + 1;
    public int OW => (W + 2 * Padding - Dilation * (KW - 1) - 1) / Stride + 1;
    public int[] Input => [C, H, W];
    public int[] Weight => [M, C / Groups, KH, KW];
    public int[] Output => [M, OH, OW];
    public int InputSize => C * H * W;
    public int OutputSize => M * OH * OW;

    private static readonly ConcurrentDictionary<ConvShape, (int Y, int W, int X)[]> s_products = new();

    /// <summary>Every product of the convolution as (output, weight, input) flat indices of one sample, straight from the
    /// definition y[m, oy, ox] = b[m] + sum over the group's channels c and taps (i, j) of w[m, c, i, j]
    /// x[g C/G + c, oy stride - padding + i dilation, ox stride - padding + j dilation]; taps in the padding are left out
    /// (they multiply zeros). The forward, dx and dW references are all sums over this one list (listed once per shape:
    /// a gradient check evaluates the reference thousands of times).</summary>
    public (int Y, int W, int X)[] Products() => s_products.GetOrAdd(this, shape => shape.Enumerate().ToArray());

    private IEnumerable<(int Y, int W, int X)> Enumerate()
    {
        int perGroupIn = C / Groups, perGroupOut = M / Groups;
        for (int m = 0; m < M; m++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int c = 0; c < perGroupIn; c++)
                        for (int i = 0; i < KH; i++)
                            for (int j = 0; j < KW; j++)
                            {
                                int iy = oy * Stride - Padding + i * Dilation, ix = ox * Stride - Padding + j * Dilation;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                int channel = m / perGroupOut * perGroupIn + c;
                                yield return ((m * OH + oy) * OW + ox, ((m * perGroupIn + c) * KH + i) * KW + j, (channel * H + iy) * W + ix);
                            }
    }
}
