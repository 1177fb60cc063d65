using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary><see cref="ConvolutionGemm"/> split across two threads (the forward and dx by samples, dW by its columns)
/// gives the same bits as on one thread, and the right values.</summary>
[Collection(ExclusiveCollection.Name)] // changes WorkerPool.Threads
public class ConvolutionGemmThreadsTests
{
    public static TheoryData<string, ConvShape, int> Shapes() => new()
    {
        { "144 positions, 72 columns of dW", new(8, 12, 12, 16, 3, 3, Padding: 1), 4 },
        // dW's 54 columns split at 24, inside group 0's 27.
        { "121 positions, 2 groups", new(6, 11, 11, 10, 3, 3, Padding: 1, Groups: 2), 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Two_threads_give_the_bits_of_one(string name, ConvShape shape, int rows)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 2;
            var g = ConvGemmRun.Geometry(shape);
            long work = rows * g.MultiplyAdds;
            Assert.Equal(2, TileGemm.Parts(work, rows));                         // forward and dx: by samples
            Assert.Equal(2, TileGemm.Parts(work, g.Groups * g.ColumnRows / 8));  // dW: by columns
            var parallel = ConvGemmRun.Of(shape, rows, seed: 7);
            WorkerPool.Threads = 1;
            var serial = ConvGemmRun.Of(shape, rows, seed: 7);

            Assert.Equal(FloatBits.Of(serial.Y), FloatBits.Of(parallel.Y));
            Assert.Equal(FloatBits.Of(serial.YWithoutBias), FloatBits.Of(parallel.YWithoutBias));
            Assert.Equal(FloatBits.Of(serial.Dx), FloatBits.Of(parallel.Dx));
            Assert.Equal(FloatBits.Of(serial.Dw), FloatBits.Of(parallel.Dw));
            Assert.Equal(FloatBits.Of(serial.Db), FloatBits.Of(parallel.Db));
            parallel.AssertMatchesReference(name);
        }
        finally { WorkerPool.Threads = saved; }
    }
}
