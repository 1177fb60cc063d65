using System.Linq;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Convolution;

public class ConvolutionNetworkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(37)]   // more samples than a tile
    public void Compiled_training_and_inference_match_the_interpreter(int batch)
    {
        foreach (var (compiled, interpreted) in new (INetwork, INetwork)[] { (new ConvOptionsNet(3), new ConvOptionsNet(3)), (new ResidualConvNet(4), new ResidualConvNet(4)) })
        {
            if (compiled.CouplesBatch && batch == 1) continue;   // batch statistics of one sample
            var rng = new Rng((ulong)(7 + batch));
            var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
            var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
            for (int step = 0; step < 2; step++)
            {
                CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
                CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Buffers, compiled.Parameters.Buffers, "running statistics");
            }
        }
    }
}
