using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generation;

/// <summary><see cref="BeamSearch"/> over compiled encoder-decoders (EncoderDecoderTests' networks) against the full
/// forward re-run for every candidate: width 1 is greedy decoding; a width that keeps every prefix finds the best
/// hypothesis of an exhaustive search (each length penalty); a hypothesis's log-probability is the full forward's for
/// its tokens, whatever slots its prefix moved through.</summary>
public class BeamSearchTests
{
    private const int Start = 1, End = 2;

    /// <summary>log p(tokens [+ end]) under teacher forcing, from the full forward.</summary>
    private static double LogProbability(INetwork net, int[] source, int[] tokens, bool ended)
    {
        var decoder = (IEncoderDecoder)net;
        int V = decoder.RowSize;
        var target = new[] { Start }.Concat(tokens).Take(decoder.Context).ToArray();
        var rows = EncoderDecoderTests.FullRows(net, source, target);
        var next = ended ? tokens.Append(End).ToArray() : tokens;
        double sum = 0;
        for (int i = 0; i < next.Length; i++)
        {
            var row = rows.AsSpan(i * V, V);
            float max = float.NegativeInfinity;
            foreach (float x in row) max = Math.Max(max, x);
            double z = 0;
            foreach (float x in row) z += Math.Exp(x - max);
            sum += row[next[i]] - max - Math.Log(z);
        }
        return sum;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Width_one_is_greedy_decoding(int padding)
    {
        for (ulong seed = 1; seed <= 4; seed++)
        {
            var net = EncoderDecoderTests.Create((int)seed);
            var decoder = (IEncoderDecoder)net;
            var (source, _) = EncoderDecoderTests.Pair(seed, padding);
            var greedy = new List<int>();
            for (int position = 0; position < decoder.Context; position++)
            {
                var rows = EncoderDecoderTests.FullRows(net, source, [Start, .. greedy]);
                var row = rows.AsSpan(position * decoder.RowSize, decoder.RowSize);
                int best = 0;
                for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
                if (best == End) break;
                greedy.Add(best);
            }
            var found = new BeamSearch(decoder, width: 1).Translate(source, Start, End);
            Assert.Equal(greedy, found.Tokens);
            Assert.Equal(greedy.Count < decoder.Context, found.Ended);
        }
    }

    /// <summary>MicroT5 (5 ids, 3 target positions): every output is the end token after 0 to 2 tokens, or 3 tokens
    /// without it; a width of 200 keeps them all, so the search returns the best of all 5^0 + ... of them.</summary>
    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(2.5f)]
    public void A_wide_enough_beam_finds_the_exhaustive_best(float lengthPenalty)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var net = EncoderDecoderTests.CreateMicro(seed);
            var decoder = (IEncoderDecoder)net;
            int[] source = [3, 4, 1, 0];
            double bestScore = double.NegativeInfinity;
            int[] best = [];
            foreach (var (tokens, ended) in Outputs(decoder.RowSize, decoder.Context))
            {
                double logP = LogProbability(net, source, tokens, ended);
                int length = tokens.Length + (ended ? 1 : 0);
                double score = lengthPenalty == 0 ? logP : logP / Math.Pow(length, lengthPenalty);
                if (score > bestScore) (bestScore, best) = (score, tokens);
            }
            var found = new BeamSearch(decoder, width: 200, lengthPenalty).Translate(source, Start, End);
            Assert.Equal(best, found.Tokens);
            Assert.Equal(bestScore, found.Score, 4);
        }

        static IEnumerable<(int[] Tokens, bool Ended)> Outputs(int vocabulary, int context)
        {
            var open = new List<int[]> { Array.Empty<int>() };
            for (int length = 0; length < context; length++)
            {
                foreach (var prefix in open) yield return (prefix, true);
                open = open.SelectMany(p => Enumerable.Range(0, vocabulary).Where(t => t != End).Select(t => p.Append(t).ToArray())).ToList();
            }
            foreach (var full in open) yield return (full, false);
        }
    }

    [Theory]
    [InlineData(2, 1f)]
    [InlineData(4, 0.6f)]
    [InlineData(7, 0f)]
    public void A_hypothesis_has_the_full_forwards_log_probability(int width, float lengthPenalty)
    {
        var net = EncoderDecoderTests.Create(5);
        var decoder = (IEncoderDecoder)net;
        var search = new BeamSearch(decoder, width, lengthPenalty);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var (source, _) = EncoderDecoderTests.Pair(seed, padding: (int)seed - 1);
            var found = search.Translate(source, Start, End);
            Assert.Equal(LogProbability(net, source, found.Tokens, found.Ended), found.LogProbability, 3);
            Assert.DoesNotContain(End, found.Tokens);
        }
    }

    [Fact]
    public void Refuses_bad_arguments()
    {
        var decoder = (IEncoderDecoder)EncoderDecoderTests.Create(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearch(decoder, width: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeamSearch(decoder, lengthPenalty: float.NaN));
        var search = new BeamSearch(decoder);
        Assert.Throws<ArgumentOutOfRangeException>(() => search.Translate(new int[7], start: 11, End));
        Assert.Throws<ArgumentException>(() => search.Translate(new int[6], Start, End));
    }
}
