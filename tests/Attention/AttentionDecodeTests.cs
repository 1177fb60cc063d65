using System;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary><see cref="AttentionDecode.Step(ref float, ref float, ref float, ref float, ref float, ref float, ref float, int, int, int, int, int)"/>
/// against float64 causal attention: a sequence decoded position by position, each step's row compared with softmax over
/// the keys so far times the values. The head sizes cover value heads of whole registers, heads narrower than a register
/// or not a multiple of one (scalar tails), and score rows shorter and longer than a register, in each ISA mode.</summary>
public class AttentionDecodeTests
{
    [Theory]
    [InlineData(4, 16, 16, 64)]   // CharGpt
    [InlineData(3, 16, 16, 12)]   // UserGpt: three registers (Vector512), six (Vector256)
    [InlineData(4, 32, 32, 20)]   // T5Translator
    [InlineData(1, 8, 8, 17)]
    [InlineData(5, 8, 12, 9)]     // value heads of 12: no whole register in 16 lanes, one and a half in 8
    [InlineData(2, 24, 40, 33)]
    public void Matches_float64_attention_at_every_position(int heads, int headDim, int valueHeadDim, int context)
    {
        int e = heads * headDim, ev = heads * valueHeadDim;
        var rng = new Rng((ulong)(heads * 1000 + headDim * 10 + valueHeadDim));
        var qs = Random(rng, context * e); var ks = Random(rng, context * e); var vs = Random(rng, context * ev);
        var keys = new float[AttentionDecode.KeyCacheFloats(context, e)];
        var values = new float[AttentionDecode.ValueCacheFloats(context, ev)];
        var scratch = new float[AttentionDecode.ScratchFloats(context, heads)];
        var output = new float[ev + 1];
        for (int position = 0; position < context; position++)
        {
            output[ev] = 42f;   // past the row: untouched
            AttentionDecode.Step(ref qs[position * e], ref ks[position * e], ref vs[position * ev], ref output[0], ref keys[0], ref values[0],
                ref scratch[0], position, heads, headDim, valueHeadDim, context);
            for (int h = 0; h < heads; h++)
            {
                var scores = new double[position + 1];
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j <= position; j++)
                {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) dot += (double)qs[position * e + h * headDim + i] * ks[j * e + h * headDim + i];
                    scores[j] = dot / Math.Sqrt(headDim);
                    max = Math.Max(max, scores[j]);
                }
                for (int j = 0; j <= position; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                for (int c = 0; c < valueHeadDim; c++)
                {
                    double expected = 0;
                    for (int j = 0; j <= position; j++) expected += scores[j] / sum * vs[j * ev + h * valueHeadDim + c];
                    Assert.True(Math.Abs(output[h * valueHeadDim + c] - expected) <= 2e-6 + 2e-6 * Math.Abs(expected),
                        $"position {position}, head {h}, column {c}: {output[h * valueHeadDim + c]} vs {expected}");
                }
            }
            Assert.Equal(42f, output[ev]);
        }
    }

    private static float[] Random(Rng rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = rng.NextFloat() * 2 - 1;
        return values;
    }
}
