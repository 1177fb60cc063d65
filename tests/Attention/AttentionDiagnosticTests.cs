using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>The shape rule of the <c>Attention</c> op, both where it is written: the generator reports NC0101 at the call
/// (<c>/*&lt;*/ ... /*&gt;*/</c>, see <see cref="DiagnosticTests.Expect(string, string)"/>) with the operands' shapes in
/// the message, and the eager <see cref="Ops.Attention"/> throws <see cref="ArgumentException"/> for the same operands.
/// Every case differs from a valid attention in one respect only (<see cref="Valid_cases_compile_and_run"/> checks the
/// neighbours are accepted), so each refusal is caused by the rule it names.</summary>
public class AttentionDiagnosticTests
{
    /// <summary>A network whose forward sums <paramref name="expression"/> over inputs x, m and v of per-sample shapes
    /// <paramref name="x"/>, <paramref name="m"/> and <paramref name="v"/>.</summary>
    private static string Network(string expression, string x, string m, string v) => $$"""
        [Network]
        public partial class Attending
        {
            [Forward] Tensor Forward([Shape({{x}})] Tensor x, [Shape({{m}})] Tensor m, [Shape({{v}})] Tensor v) => Sum({{expression}});
        }
        """;

    /// <summary>(call, per-sample shapes of x, m and v, the rule's words, whether the message lists the operands' shapes).
    /// The rule's words are those both messages share.</summary>
    public static TheoryData<string, string, string, string, string, bool> ShapeCases() => new()
    {
        // Three heads do not divide the width 8.
        { "Attention(x, x, x, 3)", "4, 8", "4, 8", "4, 8", "3 heads do not divide the query width 8 and the value width 8", true },
        // The value width 6 is not divided by 4 heads though the query width 8 is.
        { "Attention(x, x, v, 4)", "4, 8", "4, 8", "4, 6", "4 heads do not divide the query width 8 and the value width 6", true },
        // Query width 8, key width 6.
        { "Attention(x, m, m, 2)", "4, 8", "5, 6", "4, 8", "query and key widths differ", true },
        // Five key rows, four value rows.
        { "Attention(x, m, v, 2)", "4, 8", "5, 8", "4, 6", "key and value row counts differ", true },
        // A rank-1 query, then a rank-3 value.
        { "Attention(v, m, m, 1)", "4, 8", "5, 8", "8", "needs per-sample [rows, features] operands", true },
        { "Attention(x, x, v, 1)", "4, 8", "5, 8", "4, 2, 4", "needs per-sample [rows, features] operands", true },
        // Causal cross-attention: 4 queries, 5 keys.
        { "Attention(x, m, m, 2, causal: true)", "4, 8", "5, 8", "4, 8", "needs as many queries as keys", true },
        // No heads, negative heads.
        { "Attention(x, x, x, 0)", "4, 8", "4, 8", "4, 8", "heads must be at least 1, got 0", false },
        { "Attention(x, x, x, -2)", "4, 8", "4, 8", "4, 8", "heads must be at least 1, got -2", false },
    };

    [Theory, MemberData(nameof(ShapeCases))]
    public void Generator_reports_NC0101_at_the_call_with_the_shapes(string call, string x, string m, string v, string rule, bool withShapes)
    {
        var d = DiagnosticTests.Expect(Network($"/*<*/{call}/*>*/", x, m, v), "NC0101");
        var c = Call.Parse(call, x, m, v);
        DiagnosticTests.Contains(d, "Attention", rule);
        if (withShapes) DiagnosticTests.Contains(d, $"query [{c.Q}], key [{c.K}], value [{c.V}]");
    }

    /// <summary>The eager op refuses what the generator refuses, with the same words and the operands' shapes (a batch of
    /// two, which the message states beside each shape).</summary>
    [Theory, MemberData(nameof(ShapeCases))]
    public void Eager_op_throws_ArgumentException_for_the_same_operands(string call, string x, string m, string v, string rule, bool withShapes)
    {
        var c = Call.Parse(call, x, m, v);
        var e = Assert.Throws<ArgumentException>(() => Ops.Attention(Input(c.Q, 2), Input(c.K, 2), Input(c.V, 2), c.Heads, c.Causal));
        Assert.StartsWith("Attention", e.Message);
        Assert.Contains(rule, e.Message);
        if (withShapes) Assert.Contains($"query [{c.Q}] (batch 2), key [{c.K}] (batch 2), value [{c.V}] (batch 2)", e.Message);
    }

    /// <summary>A call <c>Attention(a, b, c, heads[, causal: true])</c> of the cases, with its operands' shapes.</summary>
    private readonly record struct Call(string Q, string K, string V, int Heads, bool Causal)
    {
        public static Call Parse(string call, string x, string m, string v)
        {
            var args = call["Attention(".Length..^1].Split(',', StringSplitOptions.TrimEntries);
            string Shape(string name) => name switch { "x" => x, "m" => m, "v" => v, _ => throw new ArgumentException(name) };
            return new Call(Shape(args[0]), Shape(args[1]), Shape(args[2]), int.Parse(args[3]), args.Length > 4 && args[4] == "causal: true");
        }
    }

    /// <summary>A batch of <paramref name="batch"/> samples of per-sample shape <paramref name="shape"/> ("4, 8").</summary>
    private static Tensor Input(string shape, int batch)
    {
        var dims = Array.ConvertAll(shape.Split(','), s => int.Parse(s.Trim()));
        int size = batch;
        foreach (int n in dims) size *= n;
        var data = new float[size];
        for (int i = 0; i < size; i++) data[i] = 0.1f * (i % 7) - 0.3f;
        return Tensor.FromBatch(data, batch, dims);
    }

    /// <summary>Heads must be a whole number: <c>Attention(x, x, x, 2.5)</c> is an error at the 2.5, never 2 heads. (The
    /// parameter is an <c>int</c>, so the C# compiler refuses it first, CS1503, and the generator's own NC0003 for a
    /// fractional count is not reached from source; either error at the argument satisfies this test.)</summary>
    [Fact]
    public void A_fractional_number_of_heads_is_an_error_at_the_argument()
    {
        string source = DiagnosticHeader + Network("Attention(x, x, x, /*<*/2.5/*>*/)", "4, 8", "4, 8", "4, 8");
        int start = source.IndexOf("/*<*/", StringComparison.Ordinal) + 5, end = source.IndexOf("/*>*/", StringComparison.Ordinal);
        var run = GeneratorHarness.Run(source);
        run.AssertGeneratorDidNotThrow();
        var errors = run.AllDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error
            && d.Location.SourceTree == run.InputTrees[0] && d.Location.SourceSpan.Start <= start && d.Location.SourceSpan.End >= end).ToList();
        Assert.True(errors.Count > 0, "no error at the 2.5; reported:\n" + string.Join("\n", run.AllDiagnostics));
        Assert.All(errors, d => Assert.Contains(d.Id, new[] { "CS1503", "NC0003" }));
        Assert.DoesNotContain(run.GeneratedSources, g => g.Source.Contains("new AttentionGeometry(", StringComparison.Ordinal));
    }

    private const string DiagnosticHeader = """
        using System;
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace DiagnosticCases;

        """;

    /// <summary>The neighbours of the refused cases are accepted by both: heads dividing both widths, equal query and key
    /// widths, equal key and value rows, causal self-attention, cross-attention without the mask. Without this, a rule
    /// refusing everything would pass the tests above.</summary>
    [Theory]
    [InlineData("Attention(x, x, x, 4)", "4, 8", "4, 8", "4, 8", 4, 8)]
    [InlineData("Attention(x, x, v, 2)", "4, 8", "4, 8", "4, 6", 4, 6)]
    [InlineData("Attention(x, m, m, 2)", "4, 8", "5, 8", "4, 8", 4, 8)]
    [InlineData("Attention(x, m, v, 2)", "4, 8", "5, 8", "5, 6", 4, 6)]
    [InlineData("Attention(x, x, x, 8, causal: true)", "4, 8", "5, 8", "4, 8", 4, 8)]
    public void Valid_cases_compile_and_run(string call, string x, string m, string v, int rows, int width)
    {
        var run = GeneratorHarness.Run(DiagnosticHeader + Network(call, x, m, v));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);

        var c = Call.Parse(call, x, m, v);
        var y = Ops.Attention(Input(c.Q, 1), Input(c.K, 1), Input(c.V, 1), c.Heads, c.Causal);
        Assert.Equal(new[] { rows, width }, y.Shape);
    }
}
