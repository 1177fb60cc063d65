using System;

namespace NetCompiler;

/// <summary>Parameter initializers. Each parameter draws from its own generator, seeded from the
/// network seed and the parameter's index, so adding a parameter does not change the others.</summary>
public static class Initializers
{
    /// <summary>Fills <paramref name="values"/> according to <paramref name="kind"/>.</summary>
    /// <param name="values">The parameter's storage.</param>
    /// <param name="kind">The initializer.</param>
    /// <param name="fanIn">Inputs feeding each unit (the last dimension of a [out, in] weight).</param>
    /// <param name="fanOut">Units fed by each input (the first dimension of a [out, in] weight).</param>
    /// <param name="std">Standard deviation for <see cref="Init.Normal"/>.</param>
    /// <param name="seed">The network seed.</param>
    /// <param name="parameterIndex">The parameter's position in the layout.</param>
    public static void Fill(Span<float> values, Init kind, int fanIn, int fanOut, float std, int seed, int parameterIndex)
    {
        var rng = new Rng(((ulong)(uint)seed << 32) ^ (ulong)(uint)parameterIndex ^ 0x5EEDUL);
        switch (kind)
        {
            case Init.Zeros: values.Clear(); break;
            case Init.Ones: values.Fill(1f); break;
            case Init.Xavier:
                float a = MathF.Sqrt(6f / (fanIn + fanOut));
                for (int i = 0; i < values.Length; i++) values[i] = (2f * rng.NextFloat() - 1f) * a;
                break;
            case Init.He:
                double heStd = Math.Sqrt(2.0 / fanIn);
                for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextGaussian() * heStd);
                break;
            case Init.Normal:
                for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextGaussian() * std);
                break;
            case Init.FanInUniform:
                float bound = 1f / MathF.Sqrt(fanIn);
                for (int i = 0; i < values.Length; i++) values[i] = (2f * rng.NextFloat() - 1f) * bound;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown initializer.");
        }
    }
}
