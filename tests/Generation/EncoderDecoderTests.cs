using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Generation;

/// <summary>The compiled encoder-decoder (<c>[Network(Decoder = true)]</c> over a source and a target): <c>Encode</c>
/// once per source, then <c>Decode</c> one target position at a time, against the full forward over the whole target
/// (teacher forcing): every decoded row equals the full forward's row, for a T5-like network (relative position biases
/// in the encoder and the decoder's causal self-attention, scale 1, RMS norms, cross-attention masking the source's
/// padding), for sequences decoded together in one call, after a slot is copied mid-sequence (as a beam search does),
/// and after a slot is encoded again; and the cache's rules.</summary>
public class EncoderDecoderTests
{
    private const int S = 7, T = 9, V = 11;

    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace EncoderDecoderCases;

        [Network(Decoder = true)]
        public partial class TinyT5
        {
            [Embedding(11, 8)] Embedding shared;
            [Embedding(8, 2)] Embedding encoder_bias;
            [Embedding(6, 2)] Embedding decoder_bias;
            [Dense(8, 8, Bias = false)] Dense eq, ek, ev, eo, sq, sk, sv, so, cq, ck, cv, co;
            [Dense(8, 16, Bias = false)] Dense wi;
            [Dense(16, 8, Bias = false)] Dense wo;
            [RmsNorm(8)] RmsNorm n0, n1, n2, n3, n4, nf;
            [Dense(8, 11, Bias = false)] Dense lm_head;

            [Forward]
            Tensor Forward([Shape(7)] Tokens source, [Shape(9)] Tokens target)
            {
                var x = shared.Forward(source);
                var encoderBias = RelativePositionBias(encoder_bias.Weight, 7, 7, bidirectional: true, maxDistance: 10);
                var h = n0.Forward(x);
                x = x + eo.Forward(Attention(eq.Forward(h), ek.Forward(h), ev.Forward(h), 2, keyIds: source, padId: 0, bias: encoderBias, scale: 1f));
                var memory = n1.Forward(x);

                var y = shared.Forward(target);
                var decoderBias = RelativePositionBias(decoder_bias.Weight, 9, 9, bidirectional: false, maxDistance: 8);
                h = n2.Forward(y);
                y = y + so.Forward(Attention(sq.Forward(h), sk.Forward(h), sv.Forward(h), 2, causal: true, bias: decoderBias, scale: 1f));
                h = n3.Forward(y);
                y = y + co.Forward(Attention(cq.Forward(h), ck.Forward(memory), cv.Forward(memory), 2, keyIds: source, padId: 0, scale: 1f));
                h = n4.Forward(y);
                y = y + wo.Forward(Relu(wi.Forward(h)));
                return lm_head.Forward(nf.Forward(y));
            }
        }

        /// <summary>A T5 small enough to search exhaustively: 5 ids, a source of 4 and a target of 3.</summary>
        [Network(Decoder = true)]
        public partial class MicroT5
        {
            [Embedding(5, 4)] Embedding shared;
            [Embedding(4, 1)] Embedding decoder_bias;
            [Dense(4, 4, Bias = false)] Dense sq, sk, sv, cq, ck, cv;
            [Dense(4, 5, Bias = false)] Dense lm_head;

            [Forward]
            Tensor Forward([Shape(4)] Tokens source, [Shape(3)] Tokens target)
            {
                var memory = shared.Forward(source);
                var y = shared.Forward(target);
                y = y + Attention(sq.Forward(y), sk.Forward(y), sv.Forward(y), 1, causal: true, bias: RelativePositionBias(decoder_bias.Weight, 3, 3, bidirectional: false, maxDistance: 3));
                y = y + Attention(cq.Forward(y), ck.Forward(memory), cv.Forward(memory), 2, keyIds: source, padId: 0);
                return lm_head.Forward(y);
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    internal static INetwork Create(int seed) => Networks.Value.Create("EncoderDecoderCases.TinyT5", seed);

    internal static INetwork CreateMicro(int seed) => Networks.Value.Create("EncoderDecoderCases.MicroT5", seed);

    /// <summary>A source of ids 1..10 ending in <paramref name="padding"/> pad ids (0), and a target of any ids.</summary>
    internal static (int[] Source, int[] Target) Pair(ulong seed, int padding)
    {
        var rng = new Rng(seed);
        var source = Enumerable.Range(0, S).Select(i => i < S - padding ? 1 + rng.NextInt(V - 1) : 0).ToArray();
        var target = Enumerable.Range(0, T).Select(_ => rng.NextInt(V)).ToArray();
        return (source, target);
    }

    /// <summary>The full forward's rows of logits for one source and target (padded with 0 to the target length).</summary>
    internal static float[] FullRows(INetwork net, int[] source, int[] target)
    {
        var decoder = (IEncoderDecoder)net;
        var input = new float[source.Length + decoder.Context];
        for (int i = 0; i < source.Length; i++) input[i] = source[i];
        for (int i = 0; i < target.Length; i++) input[source.Length + i] = target[i];
        var output = new float[decoder.Context * decoder.RowSize];
        net.Infer(input, output, 1);
        return output;
    }

    private static void AssertRowClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        float scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= 2e-5f * (1 + scale), $"{what}, element {j}: full forward {expected[j]}, decoder {actual[j]}");
    }

    [Fact]
    public void Implements_the_encoder_decoder_interface()
    {
        var net = (IEncoderDecoder)Create(1);
        Assert.Equal((S, T, V, V, V), (net.SourceLength, net.Context, net.RowSize, net.TokenCount, net.SourceTokenCount));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Every_decoded_row_is_the_full_forward_row(int padding)
    {
        var net = Create(2);
        var decoder = (IEncoderDecoder)net;
        var (source, target) = Pair(5, padding);
        var full = FullRows(net, source, target);
        decoder.Encode([0], source);
        var row = new float[V];
        for (int t = 0; t < T; t++)
        {
            decoder.Decode([0], [target[t]], [t], row);
            AssertRowClose(full.AsSpan(t * V, V), row, $"padding {padding}, position {t}");
        }
        // The same source in slot 1, all but the last position prefilled: its last row is bitwise slot 0's.
        decoder.Encode([1], source);
        for (int t = 0; t < T - 1; t++) decoder.Prefill([1], [target[t]], [t]);
        var last = new float[V];
        decoder.Decode([1], [target[T - 1]], [T - 1], last);
        Assert.Equal(row, last);
    }

    /// <summary>Three sequences in one call per step, each from its own source; then slot 1 copied into slot 3 halfway,
    /// and both continued with different tokens; then slot 0 encoded with another source and decoded again.</summary>
    [Fact]
    public void Sequences_decode_together_copy_and_encode_again()
    {
        var net = Create(3);
        var decoder = (IEncoderDecoder)net;
        var pairs = Enumerable.Range(0, 3).Select(i => Pair((ulong)(10 + i), padding: i)).ToArray();
        var full = pairs.Select(p => FullRows(net, p.Source, p.Target)).ToArray();
        decoder.Encode([0, 1, 2], pairs.SelectMany(p => p.Source).ToArray());
        var rows = new float[3 * V];
        var branch = (int[])pairs[1].Target.Clone();
        for (int t = T / 2; t < T; t++) branch[t] = (branch[t] + 1) % V;
        var branchFull = FullRows(net, pairs[1].Source, branch);
        var row = new float[V];
        for (int t = 0; t < T; t++)
        {
            decoder.Decode([0, 1, 2], pairs.Select(p => p.Target[t]).ToArray(), [t, t, t], rows);
            for (int i = 0; i < 3; i++) AssertRowClose(full[i].AsSpan(t * V, V), rows.AsSpan(i * V, V), $"sequence {i}, position {t}");
            if (t == T / 2 - 1) decoder.CopySlot(1, 3);
            if (t >= T / 2)
            {
                decoder.Decode([3], [branch[t]], [t], row);
                AssertRowClose(branchFull.AsSpan(t * V, V), row, $"copied slot, position {t}");
            }
        }
        var other = Pair(20, padding: 2);
        var otherFull = FullRows(net, other.Source, other.Target);
        decoder.Encode([0], other.Source);
        for (int t = 0; t < 3; t++)
        {
            decoder.Decode([0], [other.Target[t]], [t], row);
            AssertRowClose(otherFull.AsSpan(t * V, V), row, $"encoded again, position {t}");
        }
    }

    [Fact]
    public void Refuses_a_slot_without_a_source_and_bad_sources()
    {
        var decoder = (IEncoderDecoder)Create(4);
        var row = new float[V];
        Assert.Contains("call Encode", Assert.Throws<ArgumentException>(() => decoder.Decode([0], [1], [0], row)).Message);
        Assert.Contains("call Encode", Assert.Throws<ArgumentException>(() => decoder.Prefill([0], [1], [0])).Message);
        Assert.Contains("need 7 source ids", Assert.Throws<ArgumentException>(() => decoder.Encode([0], new int[6])).Message);
        Assert.Contains("ids run from 0 to 10", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Encode([0], [1, 2, 3, 11, 0, 0, 0])).Message);
        decoder.Encode([2], new int[S]);
        Assert.Contains("call Encode", Assert.Throws<ArgumentException>(() => decoder.Decode([1], [1], [0], row)).Message);
        decoder.Decode([2], [1], [0], row);
        decoder.CopySlot(2, 5);
        decoder.Decode([5], [1], [1], row);   // the copy holds position 0 and the source
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.CopySlot(9, 1));
    }
}
