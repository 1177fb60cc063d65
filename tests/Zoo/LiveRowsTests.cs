using System;
using System.Linq;
using System.Text.RegularExpressions;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The backward products skip the rows the loss does not depend on (the generator's LiveRows analysis): the
/// rows it finds, and gradients that stay the interpreter's.</summary>
public class LiveRowsTests
{
    /// <summary>Samples whose real tokens end early, in the middle (a pad before the last real id keeps its row), never
    /// (no padding) and at once (a source of nothing but padding; a target the loss ignores entirely): the compiled
    /// gradients, which skip the rows past each sample's last real id, against the interpreter, which computes every row.
    /// Batches of 1 to 12 samples: a tile with one sample, several tiles, chunks split across the cores.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(12)]
    public void Skipping_padded_rows_leaves_every_gradient_as_the_interpreter_computes_it(int batch)
    {
        var (compiled, interpreted) = (new PaddedSeq2SeqNet(seed: 3), new PaddedSeq2SeqNet(seed: 3));
        int[][] sources = [[4, 5, 6, 7, 8, 9, 10], [3, 2, 0, 0, 0, 0, 0], [5, 0, 6, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [7, 7, 7, 7, 7, 0, 0], [1, 0, 0, 0, 0, 0, 0]];
        int[][] targets = [[1, 2, 3, 4, 5, 6], [1, 9, 0, 0, 0, 0], [1, 0, 4, 0, 0, 0], [1, 3, 3, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 2, 2, 2, 2, 2]];
        int[][] next = [[2, 3, 4, 5, 6, 7], [9, 2, 0, 0, 0, 0], [8, 4, 2, 0, 0, 0], [3, 3, 2, 0, 0, 0], [0, 0, 0, 0, 0, 0], [2, 2, 2, 2, 2, 0]];
        int S = PaddedSeq2SeqNet.Source, T = PaddedSeq2SeqNet.Target;
        var x = new float[batch * (S + T)];
        var t = new float[batch * T];
        for (int b = 0; b < batch; b++)
        {
            int i = b % sources.Length, j = (b / sources.Length + b) % targets.Length;   // pair them differently in each round
            for (int p = 0; p < S; p++) x[b * (S + T) + p] = sources[i][p];
            for (int p = 0; p < T; p++) { x[b * (S + T) + S + p] = targets[j][p]; t[b * T + p] = next[j][p]; }
        }
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
    }

    private const string Pooled = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SourceCases;

        [Network]
        public partial class Pooled
        {
            [Embedding(40, 32)] Embedding embed;
            [Dense(32, 32)] Dense q, k, v, o;
            [Dense(32, 40)] Dense head;

            [Forward]
            Tensor Forward([Shape(7)] Tokens source)
            {
                var x = embed.Forward(source);
                var y = o.Forward(Attention(q.Forward(x), k.Forward(x), v.Forward(x), 2, keyIds: source, padId: 0));
                return head.Forward(READ);
            }

            [Loss] static Tensor Loss(Tensor logits, [Shape(LABELS)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: 0);
        }
        """;

    /// <summary>For each dense layer that runs as a tile product (SequenceGemm) in the generated training forward or
    /// backward of <paramref name="source"/>: whether its products (in backward dW and dx, each checked) skip rows.</summary>
    private static (string Layer, bool Skips)[] SkippingLayers(string source, bool backward)
    {
        var run = GeneratorHarness.Run(source);
        Assert.False(run.HasErrors, string.Join("\n", run.AllDiagnostics));
        string generated = run.Source("Pooled");
        string kernel = backward ? "private static void BackwardTile(" : "private static void ForwardTile(";
        int start = generated.IndexOf(kernel, StringComparison.Ordinal);
        Assert.True(start >= 0, "no " + kernel);
        string pass = backward ? "backward" : "forward";
        return Regex.Matches(generated[start..], $@"// {pass} Linear '(\w+)'(.*?)(?=// (backward|forward|loss) |private static|\z)", RegexOptions.Singleline)
            .Select(m =>
            {
                var calls = Regex.Matches(m.Groups[2].Value, @"SequenceGemm\.(Forward|Backward\w+)\([^;]*\);").Select(c => c.Value).ToArray();
                Assert.True(calls.All(c => c.Contains(", live")) || calls.All(c => !c.Contains(", live")), string.Join("\n", calls));
                return (Layer: m.Groups[1].Value, Calls: calls);
            })
            .Where(l => l.Calls.Length > 0)   // a product of one row runs as a plain TileGemm, which never skips
            .Select(l => (l.Layer, l.Calls[0].Contains(", live"))).Distinct().OrderBy(l => l.Layer).ToArray();
    }

    /// <summary>Per-position logits under a loss with an ignore index: every product skips in backward, the head and the
    /// output projection (and the queries' projection behind the attention) past the last counted label, the keys' and
    /// values' projections past the last real source id (the attention masks the padding keys).</summary>
    [Fact]
    public void Products_the_loss_reads_per_row_skip_the_rows_it_ignores()
    {
        string source = Pooled.Replace("READ", "y").Replace("LABELS", "7");
        (string, bool)[] all = [("head", true), ("k", true), ("o", true), ("q", true), ("v", true)];
        Assert.Equal(all, SkippingLayers(source, backward: true));
        Assert.Equal(all, SkippingLayers(source, backward: false));
    }

    /// <summary>An exponential after the attention: the zeros a forward product leaves in skipped rows could become
    /// infinities there (and NaN gradients), so no forward product skips; backward still does (its skipped terms are
    /// zeros whatever the forward left).</summary>
    [Fact]
    public void Forward_products_skip_nothing_before_an_op_that_can_overflow()
    {
        string source = Pooled.Replace("READ", "Exp(y)").Replace("LABELS", "7");
        Assert.Equal([("head", true), ("k", true), ("o", true), ("q", true), ("v", true)], SkippingLayers(source, backward: true));
        Assert.Equal([("head", true), ("k", false), ("o", false), ("q", false), ("v", false)], SkippingLayers(source, backward: false));
    }

    /// <summary>A mean over the positions reads every row of the attention's output, padded or not (they change the mean,
    /// so their gradients are not zero): its output projection and the queries' skip nothing. The keys and values past the
    /// last real source id still get no weight from any query, so their projections still skip those rows.</summary>
    [Fact]
    public void A_value_read_across_its_rows_skips_only_what_nothing_reads()
    {
        string source = Pooled.Replace("READ", "Mean(y, 0, keepDim: true)").Replace("LABELS", "1");
        Assert.Equal([("k", true), ("o", false), ("q", false), ("v", true)], SkippingLayers(source, backward: true));
        Assert.Equal([("k", false), ("o", false), ("q", false), ("v", false)], SkippingLayers(source, backward: false));   // the mean need not keep zeros finite
    }
}
