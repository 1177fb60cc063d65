using System;
using System.Linq;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary><see cref="MlmMasking"/>: BERT's 15% of the ordinary tokens, 80 / 10 / 10, never a special token or padding,
/// targets the originals, deterministic per (seed, epoch, sequence) and new every epoch.</summary>
public class MlmMaskingTests
{
    private const int Vocabulary = 2048, Length = 64;

    /// <summary>A sequence as BertSequences makes one: &lt;s&gt;, ordinary ids with a &lt;/s&gt; inside, &lt;/s&gt;,
    /// then <paramref name="padding"/> pad ids.</summary>
    private static int[] Sequence(Rng rng, int padding)
    {
        var ids = new int[Length];
        int end = Length - padding;
        for (int i = 0; i < end; i++) ids[i] = i == 0 ? 1 : i == end - 1 || i == end / 2 ? 2 : 5 + rng.NextInt(Vocabulary - 5);
        return ids;
    }

    [Fact]
    public void Over_many_draws_15_percent_are_chosen_and_split_80_10_10()
    {
        var masking = new MlmMasking(Vocabulary, seed: 1);
        var rng = new Rng(2);
        long ordinary = 0, chosen = 0, masked = 0, replaced = 0, kept = 0;
        var inputs = new int[Length];
        var targets = new int[Length];
        for (int s = 0; s < 4000; s++)
        {
            var ids = Sequence(rng, padding: s % 40);
            int n = ids.Count(id => id >= MlmMasking.FirstOrdinaryId);
            int count = masking.Mask(ids, epoch: 0, index: s, inputs, targets);
            Assert.Equal(MlmMasking.ChosenCount(n), count);
            Assert.Equal(count, targets.Count(t => t != 0));
            ordinary += n;
            chosen += count;
            for (int i = 0; i < Length; i++)
            {
                if (targets[i] == 0) continue;
                if (inputs[i] == MlmMasking.MaskId) masked++;
                else if (inputs[i] == ids[i]) kept++;   // left as it was, or replaced by itself (1 in 2,043 of the random ones)
                else replaced++;
            }
        }
        Assert.InRange((double)chosen / ordinary, 0.149, 0.151);   // rounding per sequence: exact up to half a token each
        Assert.InRange((double)masked / chosen, 0.79, 0.81);       // 44,000 chosen: one standard deviation is 0.2%
        Assert.InRange((double)replaced / chosen, 0.093, 0.107);
        Assert.InRange((double)kept / chosen, 0.093, 0.107);
    }

    [Fact]
    public void Special_tokens_and_padding_are_never_chosen_or_drawn_and_targets_are_the_originals()
    {
        var masking = new MlmMasking(Vocabulary, seed: 3);
        var rng = new Rng(4);
        var inputs = new int[Length];
        var targets = new int[Length];
        for (int s = 0; s < 2000; s++)
        {
            var ids = Sequence(rng, padding: s % 60);
            masking.Mask(ids, epoch: 1, index: s, inputs, targets);
            for (int i = 0; i < Length; i++)
            {
                if (ids[i] < MlmMasking.FirstOrdinaryId)
                {
                    Assert.Equal(0, targets[i]);
                    Assert.Equal(ids[i], inputs[i]);   // padding, <s>, </s> reach the network as they are
                }
                else if (targets[i] == 0) Assert.Equal(ids[i], inputs[i]);   // not chosen: unchanged
                else
                {
                    Assert.Equal(ids[i], targets[i]);
                    Assert.True(inputs[i] == MlmMasking.MaskId || inputs[i] >= MlmMasking.FirstOrdinaryId, $"input {inputs[i]} at a chosen position");
                }
            }
        }
    }

    [Fact]
    public void Draws_depend_on_seed_epoch_and_sequence_only()
    {
        var ids = Sequence(new Rng(5), padding: 10);
        int[] Draw(int seed, int epoch, int index)
        {
            var inputs = new int[Length];
            var targets = new int[Length];
            new MlmMasking(Vocabulary, seed).Mask(ids, epoch, index, inputs, targets);
            return [.. inputs, .. targets];
        }
        Assert.Equal(Draw(1, 2, 3), Draw(1, 2, 3));
        Assert.NotEqual(Draw(1, 2, 3), Draw(1, 3, 3));   // redrawn every epoch
        Assert.NotEqual(Draw(1, 2, 3), Draw(2, 2, 3));
        Assert.NotEqual(Draw(1, 2, 3), Draw(1, 2, 4));

        // A dataset masks sequence s as Mask(..., epoch, s) does, whatever else it holds.
        var two = new[] { Sequence(new Rng(6), 0), ids }.SelectMany(x => x).ToArray();
        var data = new MlmMasking(Vocabulary, 1).Dataset(two, Length, epoch: 2, "two");
        var expected = Draw(1, 2, 1);
        Assert.Equal(expected[..Length].Select(v => (float)v), data.GetFeatures(1).ToArray());
        Assert.Equal(expected[Length..].Select(v => (float)v), data.GetTargets(1).ToArray());
    }

    [Fact]
    public void Chosen_counts_round_15_percent_with_at_least_one()
    {
        Assert.Equal(0, MlmMasking.ChosenCount(0));
        Assert.Equal(1, MlmMasking.ChosenCount(1));
        Assert.Equal(1, MlmMasking.ChosenCount(9));
        Assert.Equal(2, MlmMasking.ChosenCount(10));   // 1.5 rounds up
        Assert.Equal(9, MlmMasking.ChosenCount(60));
        var inputs = new int[3];
        var targets = new int[3];
        Assert.Equal(0, new MlmMasking(Vocabulary, 1).Mask([1, 2, 0], 0, 0, inputs, targets));
        Assert.Equal([1, 2, 0], inputs);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlmMasking(Vocabulary, 1).Mask([1, Vocabulary, 2], 0, 0, inputs, targets));
    }
}
