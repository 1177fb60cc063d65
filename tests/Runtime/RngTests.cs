using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public class RngTests
{
    [Fact]
    public void SameSeedGivesSameSequenceAndDifferentSeedsDiffer()
    {
        var a = new Rng(7); var b = new Rng(7); var c = new Rng(8);
        bool differs = false;
        for (int i = 0; i < 100; i++)
        {
            uint x = a.NextUInt();
            Assert.Equal(x, b.NextUInt());
            differs |= x != c.NextUInt();
        }
        Assert.True(differs);
    }

    [Fact]
    public void FloatsAreInUnitIntervalWithMeanNearHalf()
    {
        var rng = new Rng(1);
        double sum = 0;
        for (int i = 0; i < 100_000; i++) { float f = rng.NextFloat(); Assert.InRange(f, 0f, 0.99999994f); sum += f; }
        Assert.InRange(sum / 100_000, 0.495, 0.505);
    }
}
