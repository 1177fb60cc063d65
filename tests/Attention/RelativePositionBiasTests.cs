using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>T5's relative position bias: the buckets against T5's formula (written again here, and worked by hand at a few
/// distances), the eager op's values and gradient, its refusals, and networks that use it (with RMS norms, attention
/// without the 1 / sqrt(d) scale and a cross-entropy that ignores padding) compiled in-test, training as the
/// interpreter does.</summary>
public class RelativePositionBiasTests
{
    /// <summary>Hugging Face's <c>T5Attention._relative_position_bucket</c> for one relative position, transcribed: float32
    /// for the logarithmic part as torch computes it.</summary>
    internal static int T5Bucket(int relativePosition, bool bidirectional, int numBuckets, int maxDistance)
    {
        int relativeBuckets = 0;
        if (bidirectional)
        {
            numBuckets /= 2;
            relativeBuckets += relativePosition > 0 ? numBuckets : 0;
            relativePosition = Math.Abs(relativePosition);
        }
        else relativePosition = -Math.Min(relativePosition, 0);
        int maxExact = numBuckets / 2;
        bool isSmall = relativePosition < maxExact;
        float logRatio = MathF.Log(relativePosition / (float)maxExact) / (float)Math.Log(maxDistance / (double)maxExact);
        int ifLarge = Math.Min(maxExact + (int)(logRatio * (numBuckets - maxExact)), numBuckets - 1);
        return relativeBuckets + (isSmall ? relativePosition : ifLarge);
    }

    [Theory]
    [InlineData(true, 32, 128)]
    [InlineData(false, 32, 128)]
    [InlineData(true, 8, 10)]
    [InlineData(false, 5, 6)]
    [InlineData(true, 4, 2)]
    public void Buckets_follow_T5s_formula(bool bidirectional, int buckets, int maxDistance)
    {
        for (int relative = -300; relative <= 300; relative++)
        {
            int bucket = RelativePositions.Bucket(relative, bidirectional, buckets, maxDistance);
            Assert.Equal(T5Bucket(relative, bidirectional, buckets, maxDistance), bucket);
            Assert.InRange(bucket, 0, buckets - 1);
        }
    }

    /// <summary>T5's defaults (32 buckets, maximum distance 128), worked by hand: bidirectional, 16 buckets a side, exact
    /// below 8, then 8 + floor(log(d / 8) / log(16) 8); one-sided, exact below 16, then 16 + floor(log(d / 16) / log(8) 16).</summary>
    [Theory]
    [InlineData(true, 0, 0)]
    [InlineData(true, 1, 17)]
    [InlineData(true, -1, 1)]
    [InlineData(true, 7, 23)]
    [InlineData(true, -8, 8)]
    [InlineData(true, 20, 26)]     // 16 + 8 + floor(log 2.5 / log 16 * 8 = 2.64)
    [InlineData(true, -20, 10)]
    [InlineData(true, 200, 31)]    // past the maximum distance: the side's last bucket
    [InlineData(true, -200, 15)]
    [InlineData(false, 5, 0)]      // a later key shares the query's own bucket
    [InlineData(false, -15, 15)]
    [InlineData(false, -20, 17)]   // 16 + floor(log 1.25 / log 8 * 16 = 1.72)
    [InlineData(false, -1000, 31)]
    public void Buckets_at_T5s_defaults(bool bidirectional, int relative, int expected) =>
        Assert.Equal(expected, RelativePositions.Bucket(relative, bidirectional, 32, 128));

    [Fact]
    public void Eager_op_reads_the_table_at_each_bucket_and_adds_the_gradient_back()
    {
        const int Buckets = 8, Heads = 3, Tq = 5, Tk = 11;
        var store = new ParameterStore([new ParameterInfo("relative_attention_bias.weight", 0, [Buckets, Heads])]);
        var rng = new Random(4);
        for (int i = 0; i < store.Values.Length; i++) store.Values[i] = (float)(rng.NextDouble() * 2 - 1);
        var table = store["relative_attention_bias.weight"];
        var y = Ops.RelativePositionBias(table, Tq, Tk, bidirectional: true, maxDistance: 6);
        Assert.Equal([Heads, Tq, Tk], y.Shape);
        var w = Enumerable.Range(0, Heads * Tq * Tk).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Ops.Sum(y * Tensor.Constant(w, Heads, Tq, Tk)).Backward();

        var expectedGradient = new double[Buckets * Heads];
        for (int h = 0; h < Heads; h++)
            for (int i = 0; i < Tq; i++)
                for (int j = 0; j < Tk; j++)
                {
                    int bucket = T5Bucket(j - i, true, Buckets, 6), at = (h * Tq + i) * Tk + j;
                    Assert.Equal(store.Values[bucket * Heads + h], y.Values[at]);
                    expectedGradient[bucket * Heads + h] += w[at];
                }
        for (int i = 0; i < expectedGradient.Length; i++)
            Assert.Equal(expectedGradient[i], store.Gradients[i], 5);
    }

    [Theory]
    [InlineData(3, 2, 2, true, 8, "needs at least 4")]
    [InlineData(1, 2, 2, false, 8, "needs at least 2")]
    [InlineData(8, 0, 2, true, 8, "must be at least 1")]
    [InlineData(8, 2, 2, true, 2, "must exceed the 2 distances")]
    public void Eager_op_refuses_bad_arguments(int buckets, int queries, int keys, bool bidirectional, int maxDistance, string message)
    {
        var table = Tensor.Constant(new float[buckets * 2], buckets, 2);
        var error = Assert.Throws<ArgumentException>(() => Ops.RelativePositionBias(table, queries, keys, bidirectional, maxDistance));
        Assert.Contains(message, error.Message);
    }

    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace RelativeBiasCases;

        /// <summary>A T5 encoder layer: RMS norms, bidirectional relative position bias (8 buckets, beyond distance 10
        /// shared) computed once and used by both layers' attentions, no 1 / sqrt(d) scale, key padding (id 0), a loss that
        /// ignores padding targets.</summary>
        [Network]
        public partial class T5EncoderCase
        {
            [Embedding(7, 8)] Embedding embed;
            [Embedding(8, 2)] Embedding relative_attention_bias;
            [Dense(8, 8, Bias = false)] Dense q0, k0, v0, o0, q1, k1, v1, o1;
            [RmsNorm(8)] RmsNorm norm0, norm1, final_norm;
            [Dense(8, 5, Bias = false)] Dense head;

            [Forward]
            Tensor Forward([Shape(12)] Tokens ids)
            {
                var x = embed.Forward(ids);
                var bias = RelativePositionBias(relative_attention_bias.Weight, 12, 12, bidirectional: true, maxDistance: 10);
                var h = norm0.Forward(x);
                x = x + o0.Forward(Attention(q0.Forward(h), k0.Forward(h), v0.Forward(h), 2, keyIds: ids, padId: 0, bias: bias, scale: 1f));
                h = norm1.Forward(x);
                x = x + o1.Forward(Attention(q1.Forward(h), k1.Forward(h), v1.Forward(h), 2, keyIds: ids, padId: 0, bias: bias, scale: 1f));
                return head.Forward(final_norm.Forward(x));
            }

            [Loss] static Tensor Loss(Tensor logits, [Shape(12)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: 0);
        }

        /// <summary>A decoder's causal self-attention with a one-sided bias shared by its two heads ([T, T]), attention
        /// dropout, then cross-attention (3 queries over 20 keys) with a bias per head.</summary>
        [Network]
        public partial class T5DecoderCase
        {
            [Embedding(6, 4)] Embedding embed;
            [Embedding(5, 1)] Embedding self_bias;
            [Embedding(6, 2)] Embedding cross_bias;
            [Dense(4, 4, Bias = false)] Dense q, k, v, cq, ck, cv;
            [Dense(4, 6, Bias = false)] Dense head;

            [Forward]
            Tensor Forward([Shape(9)] Tokens ids, [Shape(20, 4)] Tensor memory)
            {
                var x = embed.Forward(ids);
                var causalBias = Reshape(RelativePositionBias(self_bias.Weight, 9, 9, bidirectional: false, maxDistance: 6), 9, 9);
                x = x + Attention(q.Forward(x), k.Forward(x), v.Forward(x), 2, causal: true, dropout: 0.2f, bias: causalBias);
                var queries = Slice(x, 0, 0, 3);
                var crossBias = RelativePositionBias(cross_bias.Weight, 3, 20, bidirectional: true, maxDistance: 8);
                var y = Attention(cq.Forward(queries), ck.Forward(memory), cv.Forward(memory), 2, bias: crossBias, scale: 0.5f);
                return head.Forward(y);
            }

            [Loss] static Tensor Loss(Tensor logits, [Shape(3)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: 2);
        }
        """;

    private static readonly Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    [Theory]
    [InlineData("T5EncoderCase")]
    [InlineData("T5DecoderCase")]
    public void Compiled_network_trains_as_the_interpreter(string network) =>
        CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => Networks.Value.Create("RelativeBiasCases." + network, seed: 5), network);

    /// <summary>The relative bias table is trained: its gradient is not zero after a step, compiled or interpreted.</summary>
    [Fact]
    public void The_bias_table_trains()
    {
        var net = Networks.Value.Create("RelativeBiasCases.T5EncoderCase", seed: 3);
        var info = net.Parameters.Layout.Single(p => p.Name == "relative_attention_bias.weight");
        var before = net.Parameters.Values.AsSpan(info.Offset, 16).ToArray();
        var rng = new Rng(2);
        net.TrainStep(CompiledVsInterpretedTests.Inputs(net, 4, rng), CompiledVsInterpretedTests.Targets(net, 4, rng), 4, 0.5f);
        Assert.NotEqual(before, net.Parameters.Values.AsSpan(info.Offset, 16).ToArray());
    }
}
