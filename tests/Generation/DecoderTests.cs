using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Generation;

/// <summary>The compiled decoder (<c>[Network(Decoder = true)]</c>) against the full forward it replaces: a decoded
/// position's row equals the full forward's row there, for the zoo's GPT (learned positions, the attention layer) and a
/// user's (sinusoidal positions, the attention op and layer, other sizes); the cache's rules (positions in order, a
/// slot per sequence, restarts); and <see cref="TokenGenerator"/>'s tokens against re-running the full forward.</summary>
public class DecoderTests
{
    /// <summary>Both networks, by name, from a seed.</summary>
    public static TheoryData<string> Networks() => new() { nameof(CharGpt), nameof(UserGpt), nameof(FortuneGpt) };

    private static INetwork Create(string name, int seed) => name switch
    {
        nameof(CharGpt) => new CharGpt(seed),
        nameof(FortuneGpt) => new FortuneGpt(seed),
        _ => new UserGpt(seed),
    };

    /// <summary>Rows of the full forward (Infer) over <paramref name="tokens"/>, padded to the context with id 0 (which a
    /// causal network's rows up to tokens.Length - 1 do not read).</summary>
    internal static float[] FullRows(INetwork net, IReadOnlyList<int> tokens)
    {
        var decoder = (IDecoder)net;
        var input = new float[decoder.Context];
        for (int i = 0; i < tokens.Count; i++) input[i] = tokens[i];
        var output = new float[decoder.Context * decoder.RowSize];
        net.Infer(input, output, 1);
        return output;
    }

    private static int[] RandomTokens(int count, int vocabulary, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, count).Select(_ => rng.NextInt(vocabulary)).ToArray();
    }

    /// <summary>|a - b| within 2e-5 of the row's largest magnitude: the decoder and the full forward add the same terms,
    /// but the full forward's GEMMs over T rows may sum them in other orders.</summary>
    private static void AssertRowClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        float scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= 2e-5f * (1 + scale), $"{what}, element {j}: full forward {expected[j]}, decoder {actual[j]}");
    }

    [Theory, MemberData(nameof(Networks))]
    public void Every_decoded_row_is_the_full_forward_row(string name)
    {
        var net = Create(name, seed: 7);
        var decoder = (IDecoder)net;
        int T = decoder.Context, V = decoder.RowSize;
        var tokens = RandomTokens(T, decoder.TokenCount, 3);
        var full = FullRows(net, tokens);
        var row = new float[V];
        for (int t = 0; t < T; t++)
        {
            decoder.Decode([0], [tokens[t]], [t], row);
            AssertRowClose(full.AsSpan(t * V, V), row, $"{name} position {t}");
        }
    }

    [Theory, MemberData(nameof(Networks))]
    public void Sequences_in_other_slots_decode_independently_and_together(string name)
    {
        var net = Create(name, seed: 8);
        var decoder = (IDecoder)net;
        int T = decoder.Context, V = decoder.RowSize;
        var a = RandomTokens(T, decoder.TokenCount, 4);
        var b = RandomTokens(T, decoder.TokenCount, 5);
        var (fullA, fullB) = (FullRows(net, a), FullRows(net, b));
        var rows = new float[2 * V];
        for (int t = 0; t < T; t++)
        {
            // Slot 3 then slot 1, one call: the rows are the sequences', whatever their order or slots.
            decoder.Decode([3, 1], [a[t], b[t]], [t, t], rows);
            AssertRowClose(fullA.AsSpan(t * V, V), rows.AsSpan(0, V), $"{name} sequence a, position {t}");
            AssertRowClose(fullB.AsSpan(t * V, V), rows.AsSpan(V, V), $"{name} sequence b, position {t}");
        }
    }

    [Fact]
    public void Decoding_a_position_again_forgets_what_came_after_it()
    {
        var net = new UserGpt(seed: 9);
        IDecoder decoder = net;
        int V = decoder.RowSize;
        var row = new float[V];
        int[] first = [1, 2, 3, 4], second = [1, 2, 9, 9, 5];
        for (int t = 0; t < first.Length; t++) decoder.Decode([0], [first[t]], [t], row);
        // Back to position 2 with other tokens: the rows are those of the second sequence, not a mix.
        for (int t = 2; t < second.Length; t++) decoder.Decode([0], [second[t]], [t], row);
        AssertRowClose(FullRows(net, second).AsSpan((second.Length - 1) * V, V), row, "after rewinding to position 2");
        // Position 5 would skip one that slot 0 no longer holds.
        Assert.Throws<ArgumentException>(() => decoder.Decode([0], [1], [6], row));
    }

    [Fact]
    public void Bad_arguments_are_refused_before_anything_runs()
    {
        IDecoder decoder = new CharGpt(seed: 1);
        var row = new float[decoder.RowSize];
        decoder.Decode([0], [5], [0], row);
        var ex = Assert.Throws<ArgumentException>(() => decoder.Decode([0, 1], [5], [1], row));
        Assert.Contains("one of each per row", ex.Message);
        Assert.Throws<ArgumentException>(() => decoder.Decode([0], [5], [1], new float[decoder.RowSize - 1]));
        Assert.Contains("ids run from 0 to 64", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode([0], [65], [1], row)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode([0], [-1], [1], row));
        Assert.Contains("restart the sequence at 0", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode([0], [5], [64], row)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode([-1], [5], [0], row));
        Assert.Contains("decode a sequence's positions in order", Assert.Throws<ArgumentException>(() => decoder.Decode([0], [5], [2], row)).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => decoder.Decode([2, 2], [5, 5], [0, 1], new float[2 * decoder.RowSize])).Message);
        // Nothing above moved slot 0 on: position 1 is still next.
        decoder.Decode([0], [5], [1], row);
    }

    /// <summary>Prefill leaves the cache Decode leaves: after slot 0 prefills positions 0..T - 2 (two per call with slot
    /// 1, which decodes the same tokens and is read), slot 0's last row is bitwise slot 1's, and both are the full
    /// forward's.</summary>
    [Theory, MemberData(nameof(Networks))]
    public void Prefilled_positions_leave_the_cache_decoded_ones_leave(string name)
    {
        var net = Create(name, seed: 12);
        var decoder = (IDecoder)net;
        int T = decoder.Context, V = decoder.RowSize;
        var tokens = RandomTokens(T, decoder.TokenCount, 6);
        var row = new float[V];
        for (int t = 0; t < T - 1; t++)
        {
            decoder.Prefill([0], [tokens[t]], [t]);
            decoder.Decode([1], [tokens[t]], [t], row);
        }
        var (prefilled, decoded) = (new float[V], new float[V]);
        decoder.Decode([0], [tokens[T - 1]], [T - 1], prefilled);
        decoder.Decode([1], [tokens[T - 1]], [T - 1], decoded);
        Assert.Equal(decoded, prefilled);
        AssertRowClose(FullRows(net, tokens).AsSpan((T - 1) * V, V), prefilled, $"{name} after prefilling {T - 1} positions");
        // Two slots in one call, at different positions.
        decoder.Prefill([2, 0], [tokens[0], tokens[1]], [0, 1]);
        decoder.Decode([2, 0], [tokens[1], tokens[2]], [1, 2], new float[2 * V]);
    }

    [Fact]
    public void Prefill_refuses_bad_arguments_as_Decode_does()
    {
        IDecoder decoder = new CharGpt(seed: 1);
        decoder.Prefill([0], [5], [0]);
        Assert.Contains("Prefill: 2 slots, 1 tokens", Assert.Throws<ArgumentException>(() => decoder.Prefill([0, 1], [5], [1])).Message);
        Assert.Contains("ids run from 0 to 64", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Prefill([0], [65], [1])).Message);
        Assert.Contains("restart the sequence at 0", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Prefill([0], [5], [64])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Prefill([-1], [5], [0]));
        Assert.Contains("decode a sequence's positions in order", Assert.Throws<ArgumentException>(() => decoder.Prefill([0], [5], [2])).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => decoder.Prefill([2, 2], [5, 5], [0, 1])).Message);
        // Nothing above moved slot 0 on: position 1 is still next.
        decoder.Decode([0], [5], [1], new float[decoder.RowSize]);
    }

    /// <summary>What <see cref="TokenGenerator"/> promises, computed the slow way: each token from the full forward over
    /// the window the generator keeps (the prompt and the tokens so far; when the window is full, its last T / 2
    /// tokens), greedy.</summary>
    private static (int[] Tokens, int Restarts) GreedyByFullForward(INetwork net, int[] prompt, int count)
    {
        var decoder = (IDecoder)net;
        int T = decoder.Context, V = decoder.RowSize;
        var window = new List<int>();
        var generated = new int[count];
        var sampler = new TokenSampler(V);
        int read = 0, restarts = 0;
        for (int n = 0; n < count;)
        {
            int token = read < prompt.Length ? prompt[read++] : generated[n - 1];
            if (window.Count == T)
            {
                window.RemoveRange(0, T - T / 2);
                restarts++;
            }
            window.Add(token);
            if (read < prompt.Length) continue;
            generated[n++] = sampler.Pick(FullRows(net, window).AsSpan((window.Count - 1) * V, V));
        }
        return (generated, restarts);
    }

    [Theory]
    [InlineData(nameof(UserGpt), 3, 5, 0)]     // within the context
    [InlineData(nameof(UserGpt), 7, 30, 4)]    // 36 positions: 12, then 6 more each restart
    [InlineData(nameof(UserGpt), 15, 4, 1)]    // a prompt longer than the context
    [InlineData(nameof(CharGpt), 20, 60, 1)]
    public void Greedy_generation_gives_the_tokens_of_rerunning_the_full_forward(string name, int promptLength, int count, int restarts)
    {
        var net = Create(name, seed: 10);
        var decoder = (IDecoder)net;
        var prompt = RandomTokens(promptLength, decoder.TokenCount, 6);
        var generator = new TokenGenerator(decoder);
        var tokens = new int[count];
        generator.Generate([prompt], [tokens], new TokenSampler(decoder.RowSize));
        var expected = GreedyByFullForward(net, prompt, count);
        Assert.Equal(expected.Tokens, tokens);
        Assert.Equal(restarts, expected.Restarts);
        Assert.Equal(restarts, generator.Restarts);
    }

    [Fact]
    public void Prompts_decoded_together_give_what_each_gives_alone()
    {
        var net = new UserGpt(seed: 11);
        IDecoder decoder = net;
        int[][] prompts = [RandomTokens(1, 20, 1), RandomTokens(9, 20, 2), RandomTokens(4, 20, 3)];
        int[][] together = [new int[8], new int[15], new int[3]];
        new TokenGenerator(decoder, sequences: 3).Generate(prompts, together, new TokenSampler(decoder.RowSize));
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = new int[together[i].Length];
            new TokenGenerator(decoder).Generate([prompts[i]], [alone], new TokenSampler(decoder.RowSize));
            Assert.Equal(alone, together[i]);
        }
    }

    [Fact]
    public void Sampling_is_reproducible_from_its_seed_and_top_k_one_is_greedy()
    {
        IDecoder decoder = new CharGpt(seed: 12);
        var generator = new TokenGenerator(decoder);
        int[] prompt = [1, 2, 3];
        int[] Run(float temperature, int topK, ulong seed)
        {
            var tokens = new int[40];
            generator.Generate([prompt], [tokens], new TokenSampler(decoder.RowSize, temperature, topK, seed));
            return tokens;
        }
        Assert.Equal(Run(1f, 0, 5), Run(1f, 0, 5));
        Assert.NotEqual(Run(1f, 0, 5), Run(1f, 0, 6));   // 40 draws from near-uniform logits over 65 ids
        Assert.Equal(Run(0f, 0, 0), Run(1.5f, 1, 99));
    }

    [Fact]
    public void Generating_allocates_nothing_per_token()
    {
        IDecoder decoder = new CharGpt(seed: 13);
        var generator = new TokenGenerator(decoder, sequences: 2);
        int[][] prompts = [[1, 2, 3], [4]];
        int[][] tokens = [new int[100], new int[100]];   // both restart once
        var sampler = new TokenSampler(decoder.RowSize, 0.8f, 10, 1);
        generator.Generate(prompts, tokens, sampler);   // the cache's slots are made here
        Assert.Equal(0, Allocated.LeastOf(3, () => generator.Generate(prompts, tokens, sampler)));
    }
}
