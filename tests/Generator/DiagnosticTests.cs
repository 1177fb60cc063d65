using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>One test (or more) per NetCompiler diagnostic: a small malformed definition, the id, the key facts of
/// the message, and the exact location, marked in the source with <c>/*&lt;*/ ... /*&gt;*/</c>. The generator must
/// never crash on these (the harness checks CS8785, the run result's exception and NC9001 on every run).</summary>
public class DiagnosticTests
{
    private const string Header = """
        using System;
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace DiagnosticCases;

        """;

    private const string Open = "/*<*/", Close = "/*>*/";

    /// <summary>The span between the markers (marker comments are trivia, so a node's span starts and ends there).</summary>
    private static TextSpan Marked(string source)
    {
        int start = source.IndexOf(Open, StringComparison.Ordinal);
        int end = source.IndexOf(Close, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the test source needs /*<*/ and /*>*/ markers");
        return TextSpan.FromBounds(start + Open.Length, end);
    }

    /// <summary>Runs the generator over <paramref name="body"/>, asserts that <paramref name="id"/> is reported
    /// at the marked span, and returns it. Repeats of the same diagnostic must be identical.</summary>
    internal static Diagnostic Expect(string body, string id, out GeneratorRun run, string header = Header)
    {
        string source = header + body;
        var span = Marked(source);
        run = GeneratorHarness.Run(source);
        var found = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(found.Count > 0, $"expected {id}; the generator reported:\n{string.Join("\n", run.GeneratorDiagnostics)}");
        var d = found[0];
        Assert.All(found, other => Assert.Equal(d.ToString(), other.ToString()));
        Assert.Equal(DiagnosticCatalogTests.Descriptor(id).DefaultSeverity, d.Severity);
        Assert.NotEqual(Location.None, d.Location);
        Assert.Equal("Definition.cs", d.Location.GetLineSpan().Path);
        Assert.True(span == d.Location.SourceSpan,
            $"{id} at {d.Location.SourceSpan} '{Text(source, d.Location.SourceSpan)}', expected {span} '{Text(source, span)}'\n{d}");
        var line = run.InputTrees[0].GetText().Lines.GetLinePositionSpan(span);
        Assert.Equal(line, d.Location.GetLineSpan().Span);
        return d;
    }

    internal static Diagnostic Expect(string body, string id) => Expect(body, id, out _);

    private static string Text(string source, TextSpan span) =>
        span.End <= source.Length ? source.Substring(span.Start, span.Length) : "<out of range>";

    internal static void Contains(Diagnostic d, params string[] facts)
    {
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fact in facts) Assert.True(message.Contains(fact, StringComparison.Ordinal), $"message of {d.Id} lacks \"{fact}\": {message}");
    }

    // ------------------------------------------------------------------ NC0001

    [Fact]
    public void NC0001_NetworkClassNotPartial()
    {
        var d = Expect("""
            [Network]
            public class /*<*/Plain/*>*/
            {
                [Dense(2, 1)] Dense output = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0001");
        Contains(d, "'Plain'", "partial");
    }

    // ------------------------------------------------------------------ NC0002

    [Fact]
    public void NC0002_NoForwardMethod()
    {
        var d = Expect("""
            [Network]
            public partial class /*<*/NoForward/*>*/
            {
                [Dense(2, 1)] Dense output;
                Tensor Run([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0002");
        Contains(d, "'NoForward'", "[Forward]");
    }

    // ------------------------------------------------------------------ NC0003

    [Fact]
    public void NC0003_WhileLoop()
    {
        var d = Expect("""
            [Network]
            public partial class WithWhile
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    var h = x;
                    int i = 0;
                    /*<*/while (i < 2) { h = Tanh(hidden.Forward(h)); i++; }/*>*/
                    return h;
                }
            }
            """, "NC0003");
        Contains(d, "'while' statement", "not supported");
    }

    [Fact]
    public void NC0003_IfStatement()
    {
        var d = Expect("""
            [Network]
            public partial class WithIf
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    var h = hidden.Forward(x);
                    /*<*/if (x is null) h = Tanh(h);/*>*/
                    return h;
                }
            }
            """, "NC0003");
        Contains(d, "'if' statement", "not supported");
    }

    [Fact]
    public void NC0003_ConsoleWriteLineStatement()
    {
        var d = Expect("""
            [Network]
            public partial class WithPrint
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    /*<*/Console.WriteLine("tracing")/*>*/;
                    return hidden.Forward(x);
                }
            }
            """, "NC0003");
        Contains(d, "Console.WriteLine(\"tracing\")", "not supported");
    }

    [Fact]
    public void NC0003_CallToFrameworkMethodInExpression()
    {
        var d = Expect("""
            [Network]
            public partial class WithFrameworkCall
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => LeakyRelu(hidden.Forward(x), /*<*/MathF.Abs(-0.5f)/*>*/);
            }
            """, "NC0003");
        Contains(d, "MathF.Abs", "not supported");
    }

    [Fact]
    public void NC0003_AssigningAField()
    {
        var d = Expect("""
            [Network]
            public partial class WithFieldAssignment
            {
                [Dense(2, 2)] Dense hidden;
                int count;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    /*<*/count/*>*/ = 2;
                    return hidden.Forward(x);
                }
                public int Count => count;
            }
            """, "NC0003");
        Contains(d, "'count'", "only locals and parameters can be assigned");
    }

    // ------------------------------------------------------------------ NC0004

    [Fact]
    public void NC0004_UnknownOpThroughUsingStatic()
    {
        var d = Expect("""
            [Network]
            public partial class WithUnknownOp
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => /*<*/Frobnicate/*>*/(hidden.Forward(x));
            }
            """, "NC0004", out var run);
        Contains(d, "'Frobnicate'", "not an op");
        Assert.Contains(run.CompilationDiagnostics, c => c.Id == "CS0103"); // the C# compiler errors too
    }

    [Fact]
    public void NC0004_UnknownOpOnOpsClass()
    {
        var d = Expect("""
            [Network]
            public partial class WithUnknownOpsMember
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => /*<*/Ops.Frobnicate/*>*/(hidden.Forward(x), 2f);
            }
            """, "NC0004", out var run);
        Contains(d, "'Frobnicate'", "not an op");
        Assert.Contains(run.CompilationDiagnostics, c => c.Id == "CS0117");
    }

    // ------------------------------------------------------------------ NC0005

    [Fact]
    public void NC0005_ForwardWithAnInputThatIsNeitherTensorNorTokens()
    {
        var d = Expect("""
            [Network]
            public partial class NumberInput
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor /*<*/Forward/*>*/([Shape(2)] Tensor x, float scale) => hidden.Forward(x) * scale;
            }
            """, "NC0005");
        Contains(d, "'Forward'", "Tensor (values) or Tokens (ids)");
    }

    [Fact]
    public void NC0005_ForwardWithoutInputs()
    {
        var d = Expect("""
            [Network]
            public partial class NoInputs
            {
                [Param(2)] Tensor bias;
                [Forward] Tensor /*<*/Forward/*>*/() => bias;
            }
            """, "NC0005");
        Contains(d, "'Forward'", "one or more inputs");
    }

    /// <summary>A second input without [Shape] is reported at that input.</summary>
    [Fact]
    public void NC0005_SecondInputWithoutShape()
    {
        var d = Expect("""
            [Network]
            public partial class TwoInputs
            {
                [Param(4, 2)] Tensor table;
                [Forward] Tensor Forward([Shape(2)] Tensor x, Tokens /*<*/ids/*>*/) => x + Sum(Gather(table, ids));
            }
            """, "NC0005");
        Contains(d, "'ids'", "[Shape(...)]");
    }

    [Fact]
    public void NC0005_InputWithoutShape()
    {
        var d = Expect("""
            [Network]
            public partial class NoShape
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward(Tensor /*<*/x/*>*/) => hidden.Forward(x);
            }
            """, "NC0005");
        Contains(d, "'x'", "[Shape(...)]");
    }

    [Fact]
    public void NC0005_LossWithOneParameter()
    {
        var d = Expect("""
            [Network]
            public partial class BadLoss
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => hidden.Forward(x);
                [Loss] static Tensor /*<*/Loss/*>*/(Tensor y) => Sum(y);
            }
            """, "NC0005");
        Contains(d, "[Loss] 'Loss'", "(Tensor output, Tensor target)");
    }

    // ------------------------------------------------------------------ NC0006

    [Fact]
    public void NC0006_LoopWithoutCondition()
    {
        var d = Expect("""
            [Network]
            public partial class EndlessLoop
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    var h = x;
                    /*<*/for (int i = 0; ; i++) { h = Tanh(hidden.Forward(h)); }/*>*/
                }
            }
            """, "NC0006");
        Contains(d, "The loop has no condition", "literals, constants");
    }

    [Fact]
    public void NC0006_ForeachOverALayer()
    {
        var d = Expect("""
            [Network]
            public partial class ForeachOverLayer
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    var h = x;
                    foreach (var layer in /*<*/hidden/*>*/) h = layer.Forward(h);
                    return h;
                }
            }
            """, "NC0006");
        Contains(d, "hidden", "[Repeat]");
    }

    [Fact]
    public void NC0006_LoopBoundFromNonConstantField()
    {
        var d = Expect("""
            [Network]
            public partial class FieldBound
            {
                [Dense(2, 2)] Dense hidden;
                int n = 3;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    var h = x;
                    for (int i = 0; /*<*/i < n/*>*/; i++) h = Tanh(hidden.Forward(h));
                    return h;
                }
                public int N => n;
            }
            """, "NC0006");
        Contains(d, "i < n", "compile-time constant");
    }

    // ------------------------------------------------------------------ NC0007

    [Fact]
    public void NC0007_TwoForwardMethods()
    {
        var d = Expect("""
            [Network]
            public partial class TwoForwards
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => hidden.Forward(x);
                [Forward] Tensor /*<*/Again/*>*/([Shape(2)] Tensor x) => Tanh(hidden.Forward(x));
            }
            """, "NC0007");
        Contains(d, "'TwoForwards'", "more than one [Forward]");
    }

    [Fact]
    public void NC0007_TwoLossMethods()
    {
        var d = Expect("""
            [Network]
            public partial class TwoLosses
            {
                [Dense(2, 1)] Dense hidden;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => hidden.Forward(x);
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
                [Loss] static Tensor /*<*/Loss2/*>*/(Tensor y, Tensor t) => QuadraticCost(y, t);
            }
            """, "NC0007");
        Contains(d, "'TwoLosses'", "more than one [Loss]");
    }

    // ------------------------------------------------------------------ NC0008

    [Fact]
    public void NC0008_DenseAttributeOnWrongFieldType()
    {
        var d = Expect("""
            [Network]
            public partial class WrongFieldType
            {
                [Dense(2, 2)] Tensor /*<*/hidden/*>*/;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(x);
            }
            """, "NC0008");
        Contains(d, "[Dense] field 'hidden'", "must have type Dense", "Tensor");
    }

    /// <summary>The layers of the layer registry are checked like Dense: dimensions at the argument, the field's type,
    /// explicit values' count, a bad epsilon, two layer attributes on one field.</summary>
    [Theory]
    [InlineData("[Embedding(/*<*/0/*>*/, 4)] Embedding e;", "NC0102", "'e' count")]
    [InlineData("[LayerNorm(/*<*/-2/*>*/)] LayerNorm n;", "NC0102", "'n' dimension")]
    [InlineData("[RmsNorm(/*<*/0/*>*/)] RmsNorm n;", "NC0102", "'n' dimension")]
    [InlineData("[LayerNorm(4)] Dense /*<*/n/*>*/;", "NC0008", "must have type LayerNorm")]
    [InlineData("[Embedding(3, 2, /*<*/Weights = new[] { 1f, 2f }/*>*/)] Embedding e;", "NC0008", "needs 6")]
    [InlineData("[LayerNorm(4, /*<*/Epsilon = -1f/*>*/)] LayerNorm n;", "NC0008", "Epsilon = -1")]
    [InlineData("[Dense(4, 4), /*<*/LayerNorm(4)/*>*/] Dense n;", "NC0008", "both [Dense] and [LayerNorm]")]
    [InlineData("[BatchNorm(/*<*/0/*>*/)] BatchNorm n;", "NC0102", "'n' channels")]
    [InlineData("[BatchNorm(4, /*<*/Momentum = 1.5f/*>*/)] BatchNorm n;", "NC0008", "Momentum = 1.5")]
    [InlineData("[BatchNorm(4, /*<*/Epsilon = -1f/*>*/)] BatchNorm n;", "NC0008", "Epsilon = -1")]
    [InlineData("[Dropout(/*<*/1f/*>*/)] Dropout d;", "NC0008", "probability 1; it must be in [0, 1)")]
    [InlineData("[Dropout(0.5f)] Dense /*<*/d/*>*/;", "NC0008", "must have type Dropout")]
    public void NC0008_NC0102_LayerAttributesAreChecked(string field, string id, string fact)
    {
        var d = Expect($$"""
            [Network]
            public partial class Layers
            {
                {{field}}
                [Param(4)] Tensor p;
                [Forward] Tensor Forward([Shape(4)] Tensor x) => x * p;
            }
            """, id);
        Contains(d, fact);
    }

    /// <summary>The mode-dependent ops check their arguments at the call: dropout's probability, and batch normalization's
    /// running statistics, which must be a [BatchNorm] layer's buffers (training writes them).</summary>
    [Theory]
    [InlineData("/*<*/Dropout(x, 1.5f)/*>*/", "Dropout's probability must be in [0, 1), got 1.5")]
    [InlineData("/*<*/Dropout(x, -0.1f)/*>*/", "got -0.1")]
    [InlineData("/*<*/BatchNormalize(x, n.Weight, n.Bias, p, n.RunningVar, 0.1f, 1e-5f)/*>*/", "the running mean (argument 4) of BatchNormalize must be a [BatchNorm] layer's buffer")]
    [InlineData("/*<*/BatchNormalize(x, n.Weight, n.Bias, n.RunningMean, n.RunningVar, 2f, 1e-5f)/*>*/", "momentum must be in [0, 1], got 2")]
    [InlineData("/*<*/BatchNormalize(x, p, n.Bias, n.RunningMean, n.RunningVar, 0.1f, 1e-5f)/*>*/", null)]
    public void NC0101_ModeDependentOpsAreChecked(string expression, string? fact)
    {
        string source = $$"""
            [Network]
            public partial class Modes
            {
                [BatchNorm(4)] BatchNorm n;
                [Param(4)] Tensor p;
                [Forward] Tensor Forward([Shape(4)] Tensor x) => {{expression}} * p;
            }
            """;
        if (fact is null)
        {
            // The functional form with the layer's buffers compiles.
            GeneratorHarness.Run(Header + source.Replace(Open, "").Replace(Close, "")).AssertNoErrors();
            return;
        }
        Contains(Expect(source, "NC0101"), fact);
    }

    [Fact]
    public void NC0008_WrongNumberOfExplicitWeights()
    {
        var d = Expect("""
            [Network]
            public partial class WrongWeights
            {
                [Dense(2, 1, /*<*/Weights = new[] { 1f, 2f, 3f }/*>*/)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0008");
        Contains(d, "'output'", "3 Weights", "needs 2");
    }

    [Fact]
    public void NC0008_ArrayFieldWithoutRepeat()
    {
        var d = Expect("""
            [Network]
            public partial class NoRepeat
            {
                [Dense(2, 2)] Dense[] /*<*/layers/*>*/;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(x);
            }
            """, "NC0008");
        Contains(d, "'layers'", "[Repeat(count)]");
    }

    [Fact]
    public void FieldDiagnosticsAreReportedOnce()
    {
        string source = Header + """
            [Network]
            public partial class Twice
            {
                [Dense(2, 2)] Tensor hidden;
                [Dense(2, 0)] Dense empty;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(x);
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NC0008");
        Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NC0102");
    }

    // ------------------------------------------------------------------ NC0101

    [Fact]
    public void NC0101_DenseInputFeaturesDiffer()
    {
        var d = Expect("""
            [Network]
            public partial class DenseMismatch
            {
                [Dense(3, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(/*<*/output.Forward(x)/*>*/);
            }
            """, "NC0101");
        Contains(d, "'output.Forward(x)'", "[1, 3]", "[2]", "expects 3 input features");
    }

    [Fact]
    public void NC0101_AddCannotBroadcast()
    {
        var d = Expect("""
            [Network]
            public partial class AddMismatch
            {
                [Dense(4, 3)] Dense hidden;
                [Forward] Tensor Forward([Shape(4)] Tensor x)
                {
                    var h = Tanh(hidden.Forward(x));
                    return /*<*/h + x/*>*/;
                }
            }
            """, "NC0101");
        Contains(d, "'h + x'", "[3] + [4]", "cannot broadcast", "each pair of dimensions must be equal or one of them 1");
    }

    [Fact]
    public void NC0101_TransposedShapesCannotBroadcast()
    {
        var d = Expect("""
            [Network]
            public partial class TransposedMismatch
            {
                [Param(3, 2)] Tensor w;
                [Forward] Tensor Forward([Shape(2, 3)] Tensor x) => Tanh(/*<*/x * w/*>*/);
            }
            """, "NC0101");
        Contains(d, "'x * w'", "[2, 3] * [3, 2]", "cannot broadcast", "equal or one of them 1");
    }

    [Fact]
    public void NC0101_WhereShapesCannotBroadcast()
    {
        var d = Expect("""
            [Network]
            public partial class WhereMismatch
            {
                [Param(3, 1)] Tensor fill;
                [Forward] Tensor Forward([Shape(2, 3)] Tensor x, [Shape(2, 1)] Tensor mask) => /*<*/Where(mask, x, fill)/*>*/;
            }
            """, "NC0101");
        Contains(d, "'Where(mask, x, fill)'", "Where(mask [2, 1], [2, 3], [3, 1]) cannot broadcast", "equal or one of them 1");
    }

    [Fact]
    public void NC0101_MatMulInnerDimensionsDiffer()
    {
        var d = Expect("""
            [Network]
            public partial class MatMulMismatch
            {
                [Param(3, 4)] Tensor w;
                [Forward] Tensor Forward([Shape(5, 2)] Tensor x) => /*<*/MatMul(x, w)/*>*/;
            }
            """, "NC0101");
        Contains(d, "'MatMul(x, w)'", "[5, 2]", "[3, 4]");
    }

    // ------------------------------------------------------------------ NC0102

    [Fact]
    public void NC0102_InputShapeWithZero()
    {
        var d = Expect("""
            [Network]
            public partial class ZeroInput
            {
                [Dense(2, 2)] Dense hidden;
                [Forward] Tensor Forward([Shape(/*<*/0/*>*/)] Tensor x) => hidden.Forward(x);
            }
            """, "NC0102");
        Contains(d, "'x'", "non-positive dimension 0");
    }

    [Fact]
    public void NC0102_DenseWithZeroOutputs()
    {
        var d = Expect("""
            [Network]
            public partial class ZeroOutputs
            {
                [Dense(2, /*<*/0/*>*/)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0102");
        Contains(d, "'output'", "non-positive dimension 0");
    }

    [Fact]
    public void NC0102_RepeatOfZero()
    {
        var d = Expect("""
            [Network]
            public partial class ZeroRepeat
            {
                [Dense(2, 2), Repeat(/*<*/0/*>*/)] Dense[] layers;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(x);
            }
            """, "NC0102");
        Contains(d, "[Repeat] on 'layers'", "non-positive dimension 0");
    }

    // ------------------------------------------------------------------ NC0103

    [Fact]
    public void NC0103_LossIsNotOneNumberPerSample()
    {
        var d = Expect("""
            [Network]
            public partial class VectorLoss
            {
                [Dense(2, 2)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
                [Loss] static Tensor Loss(Tensor y, Tensor t) => /*<*/y - t/*>*/;
            }
            """, "NC0103");
        Contains(d, "'y - t'", "[2]", "one number per sample");
    }

    [Fact]
    public void NC0103_TargetShapeDiffersFromOutput()
    {
        var d = Expect("""
            [Network]
            public partial class TargetMismatch
            {
                [Dense(2, 2)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
                [Loss] static Tensor Loss(Tensor y, [Shape(3)] Tensor t) => /*<*/MeanSquaredError(y, t)/*>*/;
            }
            """, "NC0103");
        Contains(d, "MeanSquaredError", "[2]", "[3]");
    }

    [Fact]
    public void NC0103_CrossEntropyTargetFitsNeitherForm()
    {
        var d = Expect("""
            [Network]
            public partial class CrossEntropyMismatch
            {
                [Dense(2, 4)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
                [Loss] static Tensor Loss(Tensor y, [Shape(3)] Tensor t) => /*<*/CrossEntropy(y, t)/*>*/;
            }
            """, "NC0103");
        Contains(d, "CrossEntropy", "[4]", "[1]", "[3]");
    }

    // ------------------------------------------------------------------ NC0104

    [Fact]
    public void NC0104_StepBetweenParametersAndLoss()
    {
        var d = Expect("""
            [Network]
            public partial class StepInTheMiddle
            {
                [Dense(2, 2)] Dense hidden;
                [Dense(2, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(/*<*/Step(hidden.Forward(x))/*>*/));
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """, "NC0104");
        Contains(d, "'Step(hidden.Forward(x))'", "Step has no useful gradient");
    }

    [Fact]
    public void StepWithoutLossIsAccepted()
    {
        var run = GeneratorHarness.Run(Header + """
            /// <summary>A perceptron: trained by a rule of its own, so no [Loss].</summary>
            [Network]
            public partial class Perceptron
            {
                [Dense(2, 1)] Dense unit;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Step(unit.Forward(x));
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertNoErrors();
        run.Unload();
    }

    // ------------------------------------------------------------------ NC0107

    [Fact]
    public void NC0107_WhereMaskDependsOnAParameter()
    {
        // The arguments swapped: the scores (computed with a parameter) are passed as the mask.
        var d = Expect("""
            [Network]
            public partial class SwappedWhere
            {
                [Dense(3, 3)] Dense scores;
                [Forward] Tensor Forward([Shape(3)] Tensor x) => /*<*/Where(scores.Forward(x), Triangle(3, 3), 0f)/*>*/;
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(Sum(y), Sum(t));
            }
            """, "NC0107");
        Contains(d, "the mask (argument 1)", "'scores.weight'", "Triangle(rows, cols)", "Where(mask, a, b)");
    }

    [Fact]
    public void WhereWithAConstantOrInputMaskIsAccepted()
    {
        var run = GeneratorHarness.Run(Header + """
            /// <summary>Masks from a constant, from an input, and from a parameter through Step (no gradient through it).</summary>
            [Network]
            public partial class Masks
            {
                [Dense(3, 3)] Dense scores;
                [Forward]
                Tensor Forward([Shape(3, 3)] Tensor x, [Shape(3)] Tensor keep)
                {
                    var s = scores.Forward(x);
                    return Where(Triangle(3, 3), s, -1e9f) + Where(keep, s, 0f) + Where(Step(s), s, x);
                }
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertNoErrors();
        run.Unload();
    }

    // ------------------------------------------------------------------ valid definitions

    [Fact]
    public void ValidDefinitionHasNoDiagnosticsAndGeneratedCodeCompilesWithoutWarnings()
    {
        string source = Header + """
            /// <summary>A valid network using most of the language.</summary>
            [Network]
            public partial class Valid
            {
                [Dense(4, 8)] Dense hidden;
                [Dense(8, 8, Bias = false), Repeat(2)] Dense[] blocks;
                [Dense(8, 3)] Dense output;
                [Param(8)] Tensor shift;
                const int Steps = 2;

                [Forward]
                Tensor Forward([Shape(4)] Tensor x)
                {
                    var h = Tanh(hidden.Forward(x)) + shift;
                    for (int i = 0; i < Steps; i++) h = h + 0.5f * Gelu(blocks[i].Forward(h));
                    foreach (var block in blocks) h = LeakyRelu(block.Forward(h), 0.1f);
                    return output.Forward(Swish(h, 1.5f));
                }

                [Loss] static Tensor Loss(Tensor y, [Shape(1)] Tensor target) => CrossEntropy(y, target);
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, "generator diagnostics:\n" + string.Join("\n", run.GeneratorDiagnostics));
        run.AssertNoErrors();
        Assert.Single(run.GeneratedSources);
        var inGenerated = run.DiagnosticsInGeneratedCode.ToList();
        Assert.True(inGenerated.Count == 0, "diagnostics in generated code:\n" + string.Join("\n", inGenerated));
        var net = run.Create("DiagnosticCases.Valid", 1);
        Assert.Equal(new[] { 4 }, net.InputShape);
        Assert.Equal(new[] { 3 }, net.OutputShape);
        run.Unload();
    }

    [Fact]
    public void ScalarParamIsCompiledOrRejectedAtTheField()
    {
        string source = Header + """
            [Network]
            public partial class ScalarScale
            {
                [Param] Tensor /*<*/scale/*>*/;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => x * scale;
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """;
        var span = Marked(source);
        var run = GeneratorHarness.Run(source);
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
            Assert.All(errors, d => Assert.Equal(span, d.Location.SourceSpan));
        else
            run.AssertNoErrors();
    }

    [Fact]
    public void SeedNetworkHasNoDiagnosticsAndNoWarningsAtAll()
    {
        string source = Header + """
            /// <summary>Seed 000: 2 -> 2 tanh -> 1 sigmoid.</summary>
            [Network]
            public partial class Seed000
            {
                [Dense(2, 2, Weights = new[] { 0.1f, 0.2f, 0.3f, 0.4f }, Biases = new[] { 0.01f, 0.02f })] Dense hidden;
                [Dense(2, 1, Weights = new[] { 0.5f, 0.6f }, Biases = new[] { 0.03f })] Dense output;

                [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(Tanh(hidden.Forward(x))));
                [Loss] static Tensor Loss(Tensor y, Tensor target) => BinaryCrossEntropy(y, target);
            }
            """;
        var run = GeneratorHarness.Run(source);
        var reported = run.AllDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(reported.Count == 0, string.Join("\n", reported));
        var net = run.Create("DiagnosticCases.Seed000");
        var y = new float[1];
        net.Infer(new[] { 1f, 0.5f }, y, 1);
        // The lecture's worked example: h = tanh(W1 x + b1), y = sigmoid(w2 . h + b2).
        double h0 = Math.Tanh(0.1 + 0.2 * 0.5 + 0.01), h1 = Math.Tanh(0.3 + 0.4 * 0.5 + 0.02);
        double expected = 1 / (1 + Math.Exp(-(0.5 * h0 + 0.6 * h1 + 0.03)));
        Assert.Equal(expected, y[0], 1e-6);
        run.Unload();
    }

    // ------------------------------------------------------------------ found by GeneratorFuzzTests

    /// <summary>Fuzz mutant (GeneratorFuzzTests as of 8337791, seed 20261124, index 122: the '=>' and the body of Seed002IdentityChainNet's loss
    /// deleted): a [Loss] without a body was reported as an unsupported call with no location at all.</summary>
    [Fact]
    public void NC0003_LossWithoutBody()
    {
        var d = Expect("""
            [Network]
            public partial class LossWithoutBody
            {
                [Param(1, Values = new[] { 1f })] Tensor w1;
                [Forward] Tensor Forward([Shape(1)] Tensor x) => w1 * x;
                [Loss] static Tensor /*<*/Loss/*>*/(Tensor y, Tensor t)
            }
            """, "NC0003");
        Contains(d, "'Loss'", "no body");
    }

    /// <summary>The same for a [Forward] without a body (fuzz index 181 of the same seed: WideMlpNet truncated after
    /// "Forward(...) =").</summary>
    [Fact]
    public void NC0003_ForwardWithoutBody()
    {
        var d = Expect("""
            [Network]
            public partial class ForwardWithoutBody
            {
                [Dense(2, 1)] Dense output;
                [Forward] Tensor /*<*/Forward/*>*/([Shape(2)] Tensor x);
            }
            """, "NC0003");
        Contains(d, "'Forward'", "no body");
    }

    /// <summary>Fuzz mutant (GeneratorFuzzTests as of 8337791, seed 20261124, index 189: ResidualMlpNet with [Repeat(65536)]): every copy is traced, so
    /// the run took 16 s, and [Repeat(int.MaxValue)] would never end. Counts above the limit are NC0008.</summary>
    [Fact]
    public void NC0008_RepeatTooLarge()
    {
        var d = Expect("""
            [Network]
            public partial class HugeRepeat
            {
                [Dense(2, 2), Repeat(/*<*/int.MaxValue/*>*/)] Dense[] layers;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    foreach (var layer in layers) x = layer.Forward(x);
                    return x;
                }
            }
            """, "NC0008");
        Contains(d, "[Repeat(2147483647)] on 'layers'", "1024");
    }

    /// <summary>Dense(65536, 65536) has 2^32 weights: the count wrapped to 0 in int arithmetic, so empty Weights were
    /// accepted. Dense layers now have the same 2^28 limit as [Param].</summary>
    [Fact]
    public void NC0008_DenseTooLarge()
    {
        var d = Expect("""
            [Network]
            public partial class HugeDense
            {
                [/*<*/Dense(65536, 65536, Weights = new float[0])/*>*/] Dense output;
                [Forward] Tensor Forward([Shape(65536)] Tensor x) => output.Forward(x);
            }
            """, "NC0008");
        Contains(d, "4294967296 weights", "limit");
    }

    /// <summary>Fuzz mutant (GeneratorFuzzTests as of 8337791, seed 20261124, index 1498: a deleted ']' let 'static' into Seed002ChainNet's first
    /// [Param] field): the parameter layout skips static fields but the tracer read them, and shape inference
    /// crashed on a node with input -1 (NC9001, ArgumentOutOfRangeException). A static [Param] or [Dense] field is
    /// now NC0008 at its declaration, whether or not the body uses it.</summary>
    [Fact]
    public void NC0008_StaticParamField()
    {
        var d = Expect("""
            [Network]
            public partial class StaticParam
            {
                [Param(1)] static Tensor /*<*/w1/*>*/ = null!;
                [Param(1)] Tensor w2;
                [Forward] Tensor Forward([Shape(1)] Tensor x) => Sigmoid(w2 * Sigmoid(w1 * x));
            }
            """, "NC0008");
        Contains(d, "'w1' is static", "[Param]", "instance fields");
    }

    /// <summary>The same for a static [Dense] field that the body never reads (it used to be left out silently).</summary>
    [Fact]
    public void NC0008_StaticDenseField()
    {
        var d = Expect("""
            [Network]
            public partial class StaticDense
            {
                [Dense(2, 1)] static Dense /*<*/spare/*>*/ = null!;
                [Dense(2, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0008");
        Contains(d, "'spare' is static", "[Dense]", "instance fields");
    }

    /// <summary>A static field of a module type is not a declaration error in itself (it has no attribute), but
    /// reading it in a body is: the layout holds instance fields only.</summary>
    [Fact]
    public void NC0003_StaticModuleField()
    {
        var d = Expect("""
            [Module]
            public partial class Block
            {
                [Dense(2, 2)] Dense layer;
                [Forward] public Tensor Forward(Tensor x) => Tanh(layer.Forward(x));
            }

            [Network]
            public partial class StaticModule
            {
                static Block block = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => /*<*/block/*>*/.Forward(x);
            }
            """, "NC0003");
        Contains(d, "static field 'block'", "[Module]", "instance field");
    }

    /// <summary>Fuzz mutant (GeneratorFuzzTests as of 8337791, seed 20261124, index 3963: TinyAttentionNet with [Shape(int.MaxValue, 6)]): the element
    /// count overflowed in the emitter (NC9001, OverflowException). Too large an input is NC0105 at its [Shape].</summary>
    [Fact]
    public void NC0105_InputTooLarge()
    {
        var d = Expect("""
            [Network]
            public partial class HugeInput
            {
                [Param(6, 6)] Tensor wq;
                [Forward] Tensor Forward([/*<*/Shape(int.MaxValue, 6)/*>*/] Tensor x) => MatMul(x, wq);
            }
            """, "NC0105");
        Contains(d, "input 'x'", "[2147483647, 6]", "268435456");
    }

    /// <summary>An op whose result is too large (2^32 elements from two small operands) is NC0105 at the expression.</summary>
    [Fact]
    public void NC0105_MatMulResultTooLarge()
    {
        var d = Expect("""
            [Network]
            public partial class HugeProduct
            {
                [Param(1, 65536)] Tensor w;
                [Forward] Tensor Forward([Shape(65536, 1)] Tensor x) => Sum(/*<*/MatMul(x, w)/*>*/);
            }
            """, "NC0105");
        Contains(d, "'MatMul(x, w)'", "[65536, 65536]", "268435456");
    }

    // ------------------------------------------------------------------ NC0008 (more)

    [Fact]
    public void NC0008_DenseAndParamOnOneField()
    {
        var d = Expect("""
            [Network]
            public partial class Both
            {
                [Dense(2, 1)] [/*<*/Param(2)/*>*/] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0008");
        Contains(d, "'output'", "both [Dense] and [Param]");
    }

    [Fact]
    public void NC0008_RepeatOnASingleField()
    {
        var d = Expect("""
            [Network]
            public partial class RepeatSingle
            {
                [Dense(2, 2), /*<*/Repeat(3)/*>*/] Dense layer;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => layer.Forward(x);
            }
            """, "NC0008");
        Contains(d, "[Repeat] on 'layer'", "array field", "NetCompiler.Dense");
    }

    [Fact]
    public void NC0008_NegativeStandardDeviation()
    {
        var d = Expect("""
            [Network]
            public partial class NegativeStd
            {
                [Param(2, Init = Init.Normal, /*<*/Std = -0.5f/*>*/)] Tensor noise;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => x + noise;
            }
            """, "NC0008");
        Contains(d, "'noise'", "Std = -0.5", "0 or more");
    }

    // ------------------------------------------------------------------ NC0009

    [Fact]
    public void NC0009_NestedNetworkClass()
    {
        var d = Expect("""
            public partial class Outer
            {
                [Network]
                public partial class /*<*/Inner/*>*/
                {
                    [Dense(2, 1)] Dense output;
                    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
                }
            }
            """, "NC0009");
        Contains(d, "'Inner' is nested in 'Outer'", "top-level");
    }

    [Fact]
    public void NC0009_GenericNetworkClass()
    {
        var d = Expect("""
            [Network]
            public partial class /*<*/Generic/*>*/<T>
            {
                [Dense(2, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0009");
        Contains(d, "'Generic' is generic", "non-generic");
    }

    [Fact]
    public void NC0009_StaticNetworkClass()
    {
        var d = Expect("""
            [Network]
            public static partial class /*<*/Static/*>*/
            {
                [Forward] static Tensor Forward([Shape(2)] Tensor x) => x;
            }
            """, "NC0009");
        Contains(d, "'Static' is static", "non-static");
    }

    /// <summary>The generated CreateReplica constructs the class, which an abstract class forbids (it was CS0144 in
    /// the generated file).</summary>
    [Fact]
    public void NC0009_AbstractModuleClass()
    {
        var d = Expect("""
            [Module]
            public abstract partial class /*<*/Block/*>*/
            {
                [Dense(2, 2)] Dense layer;
                [Forward] public Tensor Forward(Tensor x) => Tanh(layer.Forward(x));
            }
            """, "NC0009");
        Contains(d, "'Block' is abstract", "non-abstract");
    }

    // ------------------------------------------------------------------ NC0010

    [Fact]
    public void NC0010_ModuleContainsItself()
    {
        var d = Expect("""
            [Module]
            public partial class Chain
            {
                [Dense(2, 2)] Dense layer;
                Chain /*<*/next/*>*/ = null!;
                public Tensor Forward(Tensor x) => next.Forward(layer.Forward(x));
            }

            [Network]
            public partial class UsesChain
            {
                Chain chain = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => chain.Forward(x);
            }
            """, "NC0010");
        Contains(d, "'next'", "Chain -> Chain", "[Repeat(n)]");
    }

    [Fact]
    public void NC0010_ModulesContainEachOther()
    {
        var d = Expect("""
            [Module]
            public partial class Ping
            {
                Pong pong = null!;
                public Tensor Forward(Tensor x) => pong.Forward(x);
            }

            [Module]
            public partial class Pong
            {
                Ping /*<*/ping/*>*/ = null!;
                public Tensor Forward(Tensor x) => ping.Forward(x);
            }

            [Network]
            public partial class UsesPing
            {
                Ping start = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => start.Forward(x);
            }
            """, "NC0010");
        Contains(d, "'ping' of type Ping", "Ping -> Pong -> Ping");
    }

    // ------------------------------------------------------------------ NC0011

    [Fact]
    public void NC0011_OpWithoutUsingStatic()
    {
        var d = Expect("""
            [Network]
            public partial class NoUsingStatic
            {
                [Dense(2, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => /*<*/Sigmoid/*>*/(output.Forward(x));
            }
            """, "NC0011", out var run, header: """
            using NetCompiler;

            namespace DiagnosticCases;

            """);
        Contains(d, "'Sigmoid'", "using static NetCompiler.Ops;", "Ops.Sigmoid");
        Assert.Contains(run.CompilationDiagnostics, c => c.Id == "CS0103"); // the C# compiler errors too
    }

    /// <summary>A missing <c>using NetCompiler;</c> under a fully qualified [Network] leaves the layer attribute and
    /// type unresolved: the C# compiler reports that (CS0246), and the generator adds no NC error about the field.</summary>
    [Fact]
    public void MissingUsingIsLeftToTheCompiler()
    {
        var run = GeneratorHarness.Run("""
            namespace DiagnosticCases;

            [NetCompiler.Network]
            public partial class NoUsing
            {
                [Dense(2, 1)] NetCompiler.Dense output = null!;
                [NetCompiler.Forward] NetCompiler.Tensor Forward([NetCompiler.Shape(2)] NetCompiler.Tensor x) => output.Forward(x);
            }
            """);
        Assert.Contains(run.CompilationDiagnostics, c => c.Id == "CS0246");
        Assert.Empty(run.GeneratorDiagnostics);
    }

    // ------------------------------------------------------------------ NC0102 (more)

    [Fact]
    public void NC0102_NegativeParamDimensionAtItsArgument()
    {
        var d = Expect("""
            [Network]
            public partial class NegativeParam
            {
                [Param(3, /*<*/-2/*>*/, 4)] Tensor w;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => x;
            }
            """, "NC0102");
        Contains(d, "[Param] 'w'", "non-positive dimension -2");
    }

    [Fact]
    public void NC0102_NegativeDenseInputsAtItsArgument()
    {
        var d = Expect("""
            [Network]
            public partial class NegativeInputs
            {
                [Dense(/*<*/-1/*>*/, 2)] Dense layer;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => layer.Forward(x);
            }
            """, "NC0102");
        Contains(d, "[Dense] 'layer' inputs", "non-positive dimension -1");
    }

    // ------------------------------------------------------------------ NC0106

    /// <summary>Eight layers of 2^28 weights each: every layer is within its limit, the network is not.</summary>
    [Fact]
    public void NC0106_NetworkTooLarge()
    {
        var d = Expect("""
            [Network]
            public partial class /*<*/Huge/*>*/
            {
                [Dense(16384, 16384), Repeat(8)] Dense[] layers;
                [Forward] Tensor Forward([Shape(16384)] Tensor x)
                {
                    foreach (var layer in layers) x = layer.Forward(x);
                    return x;
                }
            }
            """, "NC0106");
        Contains(d, "'Huge' has 2147614720 parameters", "at most 2147483591");
    }

    // ------------------------------------------------------------------ NC0201

    [Fact]
    public void NC0201_LayerNeverUsed()
    {
        var d = Expect("""
            [Network]
            public partial class Spare
            {
                [Dense(2, 2)] Dense hidden;
                [Dense(2, 1)] Dense /*<*/unused/*>*/;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(hidden.Forward(x));
                [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            }
            """, "NC0201", out var run);
        Contains(d, "'unused'", "3 parameters", "never train");
        Assert.Single(run.GeneratorDiagnostics); // a warning: the network is still compiled
        run.AssertNoErrors();
    }

    /// <summary>A cross-entropy target without [Shape] takes the logits' shape and is read as probabilities; a user who
    /// meant class indices is told to write [Shape(1)], at the target parameter. An explicit shape of either kind is quiet.</summary>
    [Fact]
    public void NC0202_CrossEntropyTargetWithoutShape()
    {
        var d = Expect("""
            [Network]
            public partial class Classifier
            {
                [Dense(4, 3)] Dense head;
                [Forward] Tensor Forward([Shape(4)] Tensor x) => head.Forward(x);
                [Loss] static Tensor Loss(Tensor logits, Tensor /*<*/label/*>*/) => CrossEntropy(logits, label);
            }
            """, "NC0202", out var run);
        Contains(d, "'label'", "[3]", "probabilities over 3 classes", "[Shape(1)]", "[Shape(3)]");
        run.AssertNoErrors();   // a warning: the network is still compiled
        foreach (string shape in new[] { "[Shape(1)] ", "[Shape(3)] " })
        {
            var quiet = GeneratorHarness.Run(Header + $$"""
                [Network]
                public partial class Classifier
                {
                    [Dense(4, 3)] Dense head;
                    [Forward] Tensor Forward([Shape(4)] Tensor x) => head.Forward(x);
                    [Loss] static Tensor Loss(Tensor logits, {{shape}}Tensor label) => CrossEntropy(logits, label);
                }
                """);
            Assert.Empty(quiet.GeneratorDiagnostics);
        }
    }

    /// <summary>A module array is one field: used through any copy, it is used; the warning names the array when no
    /// copy is read.</summary>
    [Fact]
    public void NC0201_ModuleArrayNeverUsed()
    {
        const string Block = """
            [Module]
            public partial class Block
            {
                [Dense(2, 2)] Dense layer;
                [Forward] public Tensor Forward(Tensor x) => Tanh(layer.Forward(x));
            }

            """;
        var d = Expect(Block + """
            [Network]
            public partial class SpareBlocks
            {
                [Repeat(2)] Block[] used = null!;
                [Repeat(3)] Block[] /*<*/spare/*>*/ = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => used[1].Forward(x);
            }
            """, "NC0201");
        Contains(d, "'spare'", "18 parameters");
        // Without the spare array: only copy 1 of 'used' is read, and that is a use of the field.
        var clean = GeneratorHarness.Run(Header + Block + """
            [Network]
            public partial class SpareBlocks
            {
                [Repeat(2)] Block[] used = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => used[1].Forward(x);
            }
            """);
        Assert.Empty(clean.GeneratorDiagnostics);
    }

    /// <summary>A context longer than the learned position table (nanoGPT's <c>block_size</c> smaller than the input).</summary>
    [Fact]
    public void NC0101_ContextLongerThanThePositionTable()
    {
        var d = Expect("""
            [Network]
            public partial class ShortTable
            {
                [Embedding(10, 8)] Embedding wte;
                [Embedding(16, 8)] Embedding wpe;
                [Forward] Tensor Forward([Shape(24)] Tokens idx) => /*<*/wte.Forward(idx) + wpe.Weight/*>*/;
            }
            """, "NC0101");
        Contains(d, "[24, 8] + [16, 8] cannot broadcast", "the table has 16 rows for 24 positions");
    }

    // ------------------------------------------------------------------ NC0013

    /// <summary>A decoder for a network whose position t reads later positions: a non-causal attention.</summary>
    [Fact]
    public void NC0013_DecoderOverANonCausalAttention()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class Bidirectional
            {
                [Embedding(10, 8)] Embedding embed;
                [MultiHeadAttention(8, 2)] MultiHeadAttention attn;
                [Forward] Tensor Forward([Shape(6)] Tokens ids) => /*<*/attn.Forward(embed.Forward(ids))/*>*/;
            }
            """, "NC0013");
        Contains(d, "'Bidirectional' asks for a decoder", "is not causal", "Causal = true");
    }

    /// <summary>A decoder over causal attention with a key padding mask: a decode step does not mask padded keys, so
    /// its rows would differ from the full forward's.</summary>
    [Fact]
    public void NC0013_DecoderOverAPaddingMask()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class Padded
            {
                [Embedding(10, 8)] Embedding embed;
                [MultiHeadAttention(8, 2, Causal = true, PadId = 0)] MultiHeadAttention attn;
                [Forward] Tensor Forward([Shape(6)] Tokens ids) => /*<*/attn.Forward(embed.Forward(ids), padding: ids)/*>*/;
            }
            """, "NC0013");
        Contains(d, "'Padded' asks for a decoder", "masks padded keys", "without the key padding mask");
    }

    /// <summary>Causal attention written from primitives: transposing the keys mixes positions, which a
    /// decoder cannot compute one position at a time; the message names the op that can.</summary>
    [Fact]
    public void NC0013_DecoderOverAttentionFromPrimitives()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class Primitive
            {
                [Embedding(10, 8)] Embedding embed;
                [Forward] Tensor Forward([Shape(6)] Tokens ids)
                {
                    var x = embed.Forward(ids);
                    var scores = MatMul(x, /*<*/Transpose(x)/*>*/);
                    return MatMul(Softmax(Where(Triangle(6, 6), scores, -1e9f)), x);
                }
            }
            """, "NC0013");
        Contains(d, "Transpose [8, 6]", "mixes the positions", "Attention(q, k, v, heads, causal: true)");
    }

    /// <summary>A pooled classifier's output is not one row per position.</summary>
    [Fact]
    public void NC0013_DecoderOverAPooledOutput()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class Pooled
            {
                [Embedding(10, 8)] Embedding embed;
                [MultiHeadAttention(8, 2, Causal = true)] MultiHeadAttention attn;
                [Forward] Tensor Forward([Shape(6)] Tokens ids) => /*<*/Mean(attn.Forward(embed.Forward(ids)), 0)/*>*/;
            }
            """, "NC0013");
        Contains(d, "Mean [8]", "mixes the positions");
    }

    /// <summary>Three token inputs: a decoder reads one sequence, or a source and the sequence it decodes.</summary>
    [Fact]
    public void NC0013_DecoderOverThreeInputs()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class ThreeInputs
            {
                [Embedding(10, 8)] Embedding embed;
                [MultiHeadAttention(8, 2, Causal = true)] MultiHeadAttention attn;
                [Forward] Tensor Forward([Shape(6)] Tokens /*<*/ids/*>*/, [Shape(6)] Tokens place, [Shape(6)] Tokens more) =>
                    attn.Forward(embed.Forward(ids) + embed.Forward(place) + embed.Forward(more));
            }
            """, "NC0013");
        Contains(d, "or two (a [Shape(S)] Tokens source, then the [Shape(T)] Tokens target it decodes)");
    }

    /// <summary>An encoder-decoder's cross-attention with a score bias: a step would need the bias's row of its position,
    /// which only causal self-attentions read.</summary>
    [Fact]
    public void NC0013_DecoderOverBiasedCrossAttention()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class BiasedCross
            {
                [Embedding(10, 8)] Embedding embed;
                [Embedding(8, 2)] Embedding table;
                [Forward] Tensor Forward([Shape(5)] Tokens source, [Shape(6)] Tokens target)
                {
                    var memory = embed.Forward(source);
                    var x = embed.Forward(target);
                    x = x + Attention(x, x, x, 2, causal: true);
                    return /*<*/Attention(x, memory, memory, 2, bias: RelativePositionBias(table.Weight, 6, 5))/*>*/;
                }
            }
            """, "NC0013");
        Contains(d, "adds a score bias to a cross-attention");
    }

    /// <summary>A causal self-attention whose bias depends on the source: a step reads biases of parameters alone.</summary>
    [Fact]
    public void NC0013_DecoderOverSourceBias()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class SourceBias
            {
                [Embedding(10, 6)] Embedding embed;
                [Forward] Tensor Forward([Shape(6)] Tokens source, [Shape(6)] Tokens target)
                {
                    var memory = embed.Forward(source);
                    var x = embed.Forward(target);
                    return /*<*/Attention(x, x, x, 2, causal: true, bias: MatMul(memory, Transpose(memory)))/*>*/;
                }
            }
            """, "NC0013");
        Contains(d, "adds a score bias computed from the tokens or the source");
    }

    /// <summary>Without an attention, there is nothing to cache: a position's output reads its own token only.</summary>
    [Fact]
    public void NC0013_DecoderWithoutAttention()
    {
        var d = Expect("""
            [Network(Decoder = true)]
            public partial class Bigram
            {
                [Embedding(10, 10)] Embedding embed;
                [Forward] Tensor Forward([Shape(6)] Tokens ids) => /*<*/embed.Forward(ids)/*>*/;
            }
            """, "NC0013");
        Contains(d, "no causal attention");
    }

    // ------------------------------------------------------------------ NC0012

    /// <summary>A user constructor would be chosen by <c>new Net()</c> and skip the generated one that initializes and
    /// binds the parameters (the layers stay null).</summary>
    [Fact]
    public void NC0012_UserConstructor()
    {
        var d = Expect("""
            [Network]
            public partial class WithConstructor
            {
                [Dense(2, 1)] Dense output;
                public /*<*/WithConstructor/*>*/() { }
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0012");
        Contains(d, "'WithConstructor' declares a constructor", "field initializers");
    }

    [Fact]
    public void NC0012_PropertyNamedLikeAGeneratedMember()
    {
        var d = Expect("""
            [Network]
            public partial class WithInputSize
            {
                [Dense(2, 1)] Dense output;
                public int /*<*/InputSize/*>*/ => 2;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0012");
        Contains(d, "'InputSize'", "rename yours");
    }

    /// <summary>A method with a generated method's name and parameter types clashes; an overload with other
    /// parameters (a convenience <c>Infer(float[])</c>) is fine.</summary>
    [Fact]
    public void NC0012_MethodWithAGeneratedSignature()
    {
        var d = Expect("""
            [Network]
            public partial class WithInfer
            {
                [Dense(2, 1)] Dense output;
                public void /*<*/Infer/*>*/(ReadOnlySpan<float> inputs, Span<float> outputs, int batch) { }
                public float[] Infer(float[] input) { var y = new float[1]; Infer(input, y, 1); return y; }
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """, "NC0012", out var run);
        Contains(d, "'Infer(System.ReadOnlySpan<float>, System.Span<float>, int)'");
        Assert.Single(run.GeneratorDiagnostics);
    }

    // ------------------------------------------------------------------ more NC0005 and NC0009

    [Fact]
    public void NC0005_ForwardTakesItsInputByRef()
    {
        var d = Expect("""
            [Network]
            public partial class ByRef
            {
                [Dense(2, 1)] Dense output;
                [Forward] Tensor /*<*/Forward/*>*/([Shape(2)] ref Tensor x) => output.Forward(x);
            }
            """, "NC0005");
        Contains(d, "'Forward'", "by value");
    }

    [Fact]
    public void NC0009_NetworkDerivedFromANetwork()
    {
        var d = Expect("""
            [Network]
            public partial class BaseNet
            {
                [Dense(2, 1)] Dense output;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }

            [Network]
            public partial class /*<*/DerivedNet/*>*/ : BaseNet
            {
                [Dense(2, 1)] Dense other;
                [Forward] Tensor Run([Shape(2)] Tensor x) => other.Forward(x);
            }
            """, "NC0009");
        Contains(d, "'DerivedNet' derives from 'BaseNet'");
    }

    /// <summary>The reserved names cannot fall behind the emitter: every member the generator declares in a network
    /// (read from the generated syntax of a split tiled and a split per-sample network, so kernel parts and SGD parts
    /// are among them) is reported as NC0012 when a user field takes its name.</summary>
    [Fact]
    public void NC0012_EveryGeneratedMemberNameIsReserved()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, layers, width) in new[] { ("SplitTiled", 40, 64), ("SplitPerSample", 24, 8) })
        {
            var compilation = GeneratorHarness.CreateCompilation(new[] { GeneratorHarness.Parse(GeneratedSizeTests.Deep(name, layers, width)) });
            var generated = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().GeneratedTrees;
            foreach (var member in generated.SelectMany(t => t.GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>()))
                switch (member)
                {
                    case FieldDeclarationSyntax f: names.UnionWith(f.Declaration.Variables.Select(v => v.Identifier.Text)); break;
                    case PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } p: names.Add(p.Identifier.Text); break;
                    case MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } m: names.Add(m.Identifier.Text); break;
                }
        }
        Assert.Contains("ForwardTilePart1", names);   // the networks above are split
        Assert.Contains("SgdStepPart1", names);

        string fields = string.Join("\n", names.Select(n => $"    int {n};"));
        var run = GeneratorHarness.Run(Header + $$"""
            [Network]
            public partial class TakesEveryName
            {
                [Dense(2, 1)] Dense output;
            {{fields}}
                [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
            }
            """);
        var reported = run.GeneratorDiagnostics.Where(d => d.Id == "NC0012")
            .Select(d => Regex.Match(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), "declares '([^'(]+)'").Groups[1].Value)
            .ToHashSet();
        var missed = names.Except(reported).ToList();
        Assert.True(missed.Count == 0, "generated members a user field may take without NC0012: " + string.Join(", ", missed));
    }

    // ------------------------------------------------------------------ NC0003 (more)

    [Fact]
    public void NC0003_TensorDividedByZero()
    {
        var d = Expect("""
            [Network]
            public partial class ByZero
            {
                [Dense(2, 3)] Dense layer;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => /*<*/layer.Forward(x) / 0f/*>*/;
            }
            """, "NC0003");
        Contains(d, "'layer.Forward(x) / 0f'", "divides a tensor by zero");
    }

    [Fact]
    public void NC0003_Deconstruction()
    {
        var d = Expect("""
            [Network]
            public partial class Deconstructs
            {
                [Dense(2, 3)] Dense layer;
                [Forward] Tensor Forward([Shape(2)] Tensor x)
                {
                    /*<*/var (a, b)/*>*/ = (x, x);
                    return layer.Forward(a + b);
                }
            }
            """, "NC0003");
        Contains(d, "Deconstructing into 'var (a, b)'", "one local per value");
    }

    /// <summary>An attribute argument of the wrong type is the C# compiler's error (CS1503); the generator adds no
    /// NC error about the field the body then reads.</summary>
    [Fact]
    public void BadAttributeArgumentIsLeftToTheCompiler()
    {
        var run = GeneratorHarness.Run(Header + """
            [Network]
            public partial class HalfWidth
            {
                [Dense(2.5, 3)] Dense layer = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => layer.Forward(x);
            }
            """);
        Assert.Contains(run.CompilationDiagnostics, c => c.Id == "CS1503");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void NC0008_InitOutsideTheEnum()
    {
        var d = Expect("""
            [Network]
            public partial class CastInit
            {
                [Dense(2, 3, /*<*/WeightInit = (Init)99/*>*/)] Dense layer;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => layer.Forward(x);
            }
            """, "NC0008");
        Contains(d, "'layer' has WeightInit = 99", "not an Init value", "FanInUniform");
    }

    /// <summary>A network whose module is not partial used to be emitted anyway, against a module constructor that
    /// was never generated (CS1729 in the generated file). The module gets NC0001 and the field that uses it NC0008.</summary>
    [Fact]
    public void NC0008_ModuleThatCannotBeCompiled()
    {
        var d = Expect("""
            [Module]
            public class Block
            {
                [Dense(2, 2)] Dense layer = null!;
                public Tensor Forward(Tensor x) => Tanh(layer.Forward(x));
            }

            [Network]
            public partial class UsesBlock
            {
                Block /*<*/block/*>*/ = null!;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => block.Forward(x);
            }
            """, "NC0008", out var run);
        Contains(d, "'block' has type Block", "NC0001");
        Assert.Contains(run.GeneratorDiagnostics, other => other.Id == "NC0001");
        Assert.DoesNotContain(run.CompilationDiagnostics, c => c.Id == "CS1729");
    }
}
