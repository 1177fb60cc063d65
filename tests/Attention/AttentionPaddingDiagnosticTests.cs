using System;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>The generator's diagnostics for key padding, at the marked span (<c>/*&lt;*/ ... /*&gt;*/</c>), and the eager
/// op's exceptions for the same mistakes: key ids that are not one per key row (NC0101 with both shapes), a negative pad
/// id (NC0003 at the call, NC0008 at the attribute's <c>PadId</c>), and a dropout outside [0, 1) (NC0101 for the op,
/// NC0008 at the attribute's <c>Dropout</c>). The accepted neighbours compile, so each refusal is caused by the rule it names. (Key
/// ids that are values rather than <c>Tokens</c> cannot be written: the parameter's type is <c>Tokens</c>, and C#
/// refuses a Tensor there.)</summary>
public class AttentionPaddingDiagnosticTests
{
    /// <summary>x [4, 8], memory [6, 8], ids [ids] and [4, 2] ids2.</summary>
    private static string Network(string field, string expression, string ids = "4") => $$"""
        [Network]
        public partial class Padded
        {
            {{field}}
            [Forward] Tensor Forward([Shape(4, 8)] Tensor x, [Shape(6, 8)] Tensor memory, [Shape({{ids}})] Tokens ids, [Shape(4, 2)] Tokens ids2) => Sum({{expression}});
        }
        """;

    [Theory]
    [InlineData("/*<*/Attention(x, x, x, 2, keyIds: ids, padId: 0)/*>*/", "5", "key ids must be one id per key row, [4], got [5]")]
    [InlineData("/*<*/Attention(x, memory, memory, 2, keyIds: ids)/*>*/", "4", "key ids must be one id per key row, [6], got [4]")]
    [InlineData("/*<*/Attention(x, x, x, 2, keyIds: ids2)/*>*/", "4", "key ids must be one id per key row, [4], got [4, 2]")]
    public void Op_key_ids_of_the_wrong_shape_are_NC0101(string expression, string ids, string fact)
    {
        var d = DiagnosticTests.Expect(Network("", expression, ids), "NC0101");
        DiagnosticTests.Contains(d, "Attention", fact, "query [4, 8]");
    }

    [Fact]
    public void Op_dropout_outside_0_to_1_is_NC0101()
    {
        var d = DiagnosticTests.Expect(Network("", "/*<*/Attention(x, x, x, 2, dropout: 1f)/*>*/"), "NC0101");
        DiagnosticTests.Contains(d, "Attention's dropout must be in [0, 1), got 1");
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Attention(Tensor.FromBatch(new float[8], 1, 1, 8), Tensor.FromBatch(new float[8], 1, 1, 8),
            Tensor.FromBatch(new float[8], 1, 1, 8), 2, dropout: 1f));
    }

    [Fact]
    public void Op_negative_pad_id_is_NC0003()
    {
        var d = DiagnosticTests.Expect(Network("", "/*<*/Attention(x, x, x, 2, keyIds: ids, padId: -1)/*>*/"), "NC0003");
        DiagnosticTests.Contains(d, "pad id -1", "at least 0");
    }

    [Theory]
    [InlineData("[MultiHeadAttention(8, 2)] MultiHeadAttention a;", "/*<*/a.Forward(x, padding: ids)/*>*/", "5", "key ids must be one id per key row, [4], got [5]")]
    [InlineData("[MultiHeadAttention(8, 2)] MultiHeadAttention a;", "/*<*/a.Forward(x, memory, padding: ids)/*>*/", "4", "key ids must be one id per key row, [6], got [4]")]
    public void Layer_padding_of_the_wrong_shape_is_NC0101(string field, string expression, string ids, string fact)
    {
        var d = DiagnosticTests.Expect(Network(field, expression, ids), "NC0101");
        DiagnosticTests.Contains(d, fact);
    }

    [Theory]
    [InlineData("[MultiHeadAttention(8, 2, /*<*/PadId = -1/*>*/)] MultiHeadAttention a;", "has PadId = -1; it must be at least 0")]
    [InlineData("[MultiHeadAttention(8, 2, /*<*/Dropout = 1f/*>*/)] MultiHeadAttention a;", "has Dropout = 1; it must be in [0, 1)")]
    [InlineData("[MultiHeadAttention(8, 2, /*<*/Dropout = -0.5f/*>*/)] MultiHeadAttention a;", "has Dropout = -0.5; it must be in [0, 1)")]
    public void Layer_attributes_are_NC0008(string field, string fact)
    {
        var d = DiagnosticTests.Expect(Network(field, "a.Forward(x, padding: ids)"), "NC0008");
        DiagnosticTests.Contains(d, "[MultiHeadAttention] 'a'", fact);
    }

    /// <summary>The neighbours of the refused cases compile without errors.</summary>
    [Theory]
    [InlineData("", "Attention(x, x, x, 2, keyIds: ids, padId: 0)", "4")]
    [InlineData("", "Attention(x, memory, memory, 2, keyIds: ids, padId: 7)", "6")]
    [InlineData("", "Attention(x, x, x, 2, true, ids)", "4")]
    [InlineData("[MultiHeadAttention(8, 2, PadId = 1, Dropout = 0.1f)] MultiHeadAttention a;", "a.Forward(x, padding: ids)", "4")]
    [InlineData("", "Attention(x, x, x, 2, dropout: 0.5f)", "4")]
    [InlineData("[MultiHeadAttention(8, 2)] MultiHeadAttention a;", "a.Forward(x, memory, padding: ids)", "6")]
    [InlineData("[MultiHeadAttention(8, 2)] MultiHeadAttention a;", "a.Forward(x, memory, memory, ids)", "6")]
    public void Valid_cases_compile(string field, string expression, string ids)
    {
        var run = GeneratorHarness.Run(DiagnosticHeader + Network(field, expression, ids));
        run.AssertNoErrors();
    }

    /// <summary>The eager op refuses the same key ids, with the same words.</summary>
    [Fact]
    public void Eager_op_throws_for_key_ids_of_the_wrong_shape_or_a_negative_pad_id()
    {
        var x = Tensor.FromBatch(new float[2 * 4 * 8], 2, 4, 8);
        var five = Tokens.FromBatch(new int[10], 2, 5);
        var e = Assert.Throws<ArgumentException>(() => Ops.Attention(x, x, x, 2, keyIds: five));
        Assert.Contains("key ids", e.Message);
        Assert.Contains("one id per key row, [4]", e.Message);
        var otherBatch = Tokens.FromBatch(new int[12], 3, 4);
        Assert.Contains("different batches", Assert.Throws<ArgumentException>(() => Ops.Attention(x, x, x, 2, keyIds: otherBatch)).Message);
        var four = Tokens.FromBatch(new int[8], 2, 4);
        Assert.Contains("pad id must not be negative", Assert.Throws<ArgumentException>(() => Ops.Attention(x, x, x, 2, keyIds: four, padId: -1)).Message);
        Assert.Equal(new[] { 4, 8 }, Ops.Attention(x, x, x, 2, keyIds: four, padId: 0).Shape);
    }

    private const string DiagnosticHeader = """
        using System;
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace DiagnosticCases;

        """;
}
