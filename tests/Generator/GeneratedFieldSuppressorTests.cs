using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetCompiler.Generator.Diagnostics;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>A definition with an NC error gets no generated constructor, so the C# compiler would add "never assigned"
/// (CS0649) and "uninitialized non-nullable" (CS8618) warnings on every layer field, burying the error. The suppressor
/// silences exactly those on the fields NetCompiler binds, and nothing else.</summary>
public class GeneratedFieldSuppressorTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SuppressorCases;

        [Module]
        public partial class Block
        {
            [Dense(2, 2)] Dense inner;
            [Forward] public Tensor Forward(Tensor x) => Tanh(inner.Forward(x));
        }

        [Network]
        public partial class Broken
        {
            [Dense(2, 3)] Dense hidden;
            [Param(3)] Tensor scale;
            Block block;
            [Repeat(2)] Block[] blocks;
            string notALayer;                                            // not NetCompiler's: still warned
            [Forward] Tensor Forward([Shape(2)] Tensor x) => Sum(hidden.Forward(x) * scale) + block.Forward(x) + blocks[0].Forward(x) + notALayer.Length;
        }
        """;

    [Fact]
    public async Task Field_warnings_of_a_definition_with_an_NC_error_are_suppressed_on_bound_fields_only()
    {
        var run = GeneratorHarness.Run(Source);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id.StartsWith("NC0", System.StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
        var analyzed = run.OutputCompilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new GeneratedFieldSuppressor()),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false,
                logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true));
        var all = (await analyzed.GetAllDiagnosticsAsync()).Where(d => d.Id is "CS0649" or "CS8618").ToList();
        string Field(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

        var bound = new[] { "hidden", "scale", "block", "blocks" };
        foreach (string name in bound)
        {
            var onField = all.Where(d => Field(d) == name).ToList();
            Assert.True(onField.Count > 0, $"the compiler reported nothing on '{name}': the test no longer shows the noise");
            Assert.All(onField, d => Assert.True(d.IsSuppressed, $"{d.Id} on '{name}' is not suppressed"));
        }
        var other = all.Where(d => Field(d) == "notALayer").ToList();
        Assert.NotEmpty(other);
        Assert.All(other, d => Assert.False(d.IsSuppressed, $"{d.Id} on a plain string field was suppressed"));
    }
}
