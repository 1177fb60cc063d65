using System;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>The shape of the generated code (ISA paths, constant dimensions, source-line comments) and the
/// generator's incremental caching.</summary>
public class GeneratedSourceTests
{
    private const string Wide = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SourceCases;

        [Network]
        public partial class Wide
        {
            [Dense(64, 12)] Dense l0;   // 768 multiply-adds: below the tile-GEMM threshold
            [Dense(12, 3)] Dense l1;

            [Forward]
            Tensor Forward([Shape(64)] Tensor x)
            {
                var h = Tanh(l0.Forward(x));
                return l1.Forward(h);
            }

            [Loss] static Tensor Loss(Tensor y, Tensor target) => MeanSquaredError(y, target);
        }
        """;

    private static int LineOf(string source, string text)
    {
        int at = source.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, text);
        return source.Take(at).Count(c => c == '\n') + 1;
    }

    /// <summary>The text of generated method <paramref name="name"/> (from its signature to the next summary).</summary>
    private static string Method(string source, string name)
    {
        var m = Regex.Match(source, $@"private static \w+ {name}\(.*?(?=///|\z)", RegexOptions.Singleline);
        Assert.True(m.Success, "no method " + name);
        return m.Value;
    }

    /// <summary>The block of <paramref name="body"/> that starts at the "// <paramref name="what"/> ..., line N: <paramref name="expression"/>"
    /// comment and runs to the next "// forward|loss|backward" comment.</summary>
    private static string Block(string body, string what, int line, string expression)
    {
        var header = Regex.Match(body, $@"// {what} [^\n]*, line {line}: {Regex.Escape(expression)}\s*\n");
        Assert.True(header.Success, $"no '// {what} ..., line {line}: {expression}' comment in:\n{body}");
        int start = header.Index + header.Length;
        var next = Regex.Match(body.Substring(start), @"// (forward|loss|backward) ");
        return next.Success ? body.Substring(start, next.Index) : body.Substring(start);
    }

    [Fact]
    public void WideLayerHasVector512Vector256AndScalarPathsWithConstantDimensions()
    {
        var run = GeneratorHarness.Run(Wide);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertNoErrors();
        string source = run.Source("Wide");

        Assert.Contains("Vector512.IsHardwareAccelerated", source);
        Assert.Contains("Vector256.IsHardwareAccelerated", source);
        Assert.Contains("Vector512.FusedMultiplyAdd", source);
        Assert.Contains("Vector256.FusedMultiplyAdd", source);

        string forward = Method(source, "ForwardSample");
        string backward = Method(source, "BackwardSample");
        int line = LineOf(Wide, "l0.Forward(x)");
        string layer = Block(forward, "forward", line, "l0.Forward(x)");

        // Three paths for the 64-long dot products: 512-bit, 256-bit, and a portable scalar loop.
        Assert.Matches(@"if \(Vector512\.IsHardwareAccelerated\)", layer);
        Assert.Matches(@"else if \(Vector256\.IsHardwareAccelerated\)", layer);
        Assert.Matches(@"else\s*\{\s*for \(int i = 0; i < 64; i\+\+\)\s*\{?\s*sum = MathF\.FusedMultiplyAdd", layer);

        // Every dimension is a literal: 12 outputs of 64 inputs, no shape read at run time.
        Assert.Matches(@"\b12\b", layer);
        Assert.Matches(@"\b64\b", layer);
        foreach (var kernel in new[] { forward, backward, Method(source, "LossSample") })
        {
            Assert.DoesNotContain(".Length", kernel);
            Assert.DoesNotContain("Shape", kernel);
            Assert.DoesNotContain("InputSize", kernel);
        }

        // The backward pass of the layer is vectorized the same way.
        string layerBackward = Block(backward, "backward", line, "l0.Forward(x)");
        Assert.Contains("Vector512.IsHardwareAccelerated", layerBackward);
        Assert.Contains("Vector256.IsHardwareAccelerated", layerBackward);
        Assert.Matches(@"else\s*\{\s*for \(int i = 0; i < 64; i\+\+\)", layerBackward);

        // Kernels are marked to skip tiering.
        Assert.Equal(3, Regex.Matches(source, @"\[MethodImpl\(MethodImplOptions\.AggressiveOptimization\)\]\s*private static \w+ (ForwardSample|LossSample|BackwardSample)\(").Count);
        run.Unload();
    }

    private const string Large = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SourceCases;

        [Network]
        public partial class Large
        {
            [Dense(100, 40)] Dense l0;
            [Dense(40, 3)] Dense l1;

            [Forward] Tensor Forward([Shape(100)] Tensor x) => l1.Forward(Tanh(l0.Forward(x)));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }
        """;

    [Fact]
    public void LargeLayersRunOnTilesOfSamplesThroughTileGemmWithConstantShapes()
    {
        var run = GeneratorHarness.Run(Large);
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertNoErrors();
        string source = run.Source("Large");
        Assert.DoesNotContain("ForwardSample", source);
        Assert.Equal(3, Regex.Matches(source, @"\[MethodImpl\(MethodImplOptions\.AggressiveOptimization\)\]\s*private static \w+ (ForwardTile|LossTile|BackwardTile)\(").Count);
        string forward = Method(source, "ForwardTile"), backward = Method(source, "BackwardTile");
        // 4,000 multiply-adds per sample: one GEMM per tile, its shape as literals; the input rows are InputSize apart.
        Assert.Matches(@"TileGemm\.Forward\(ref v0, InputSize, ref v\d+, ref v\d+, true, ref v\d+, ValueWorkspaceSize, rows, 40, 100\);", forward);
        // Inference's weights stay the same from call to call, so its products may split by size alone (TileGemm.ForwardParts).
        Assert.Matches(@"TileGemm\.Forward\(ref v0, InputSize, ref v\d+, ref v\d+, true, ref v\d+, InferenceWorkspaceSize, rows, 40, 100, fixedWeights: true\);",
            Method(source, "InferTile"));
        // l0 reads its weight and bias alone: the step's first tile writes their gradients whole, so the step clears only l1's.
        Assert.Matches(@"TileGemm\.BackwardWeights\(ref d\d+, GradientWorkspaceSize, ref v0, InputSize, ref d\d+, ref d\d+, true, rows, 40, 100, overwrite: firstTile\);", backward);
        // Each weight's update is cut across the cores as its dW product is (each core updates the rows it wrote); the
        // bias, summed on the calling thread, keeps the optimizer's own rule.
        Assert.Contains("CompiledSupport.UpdateParameter(update, 0, optimizer, learningRate, TileGemm.WeightGradientParts(rows, 40, 100));", backward);
        Assert.Contains("CompiledSupport.UpdateParameter(update, 1, optimizer, learningRate);", backward);
        Assert.Contains("ref Unsafe.Add(ref g, 4040)), 0, 123 * sizeof(float)); // l1.weight to l1.bias", source);
        Assert.Contains("not cleared: 4040 of the 4163 gradients", source);
        // The input needs no gradient, so no dX product for the first layer; the small second layer loops over the rows.
        Assert.DoesNotContain("BackwardInput(", backward);
        Assert.Matches(@"for \(int s = 0; s < rows; s\+\+\)", forward);
        run.Unload();
    }

    [Fact]
    public void GeneratedCodeCarriesDefinitionLineComments()
    {
        var run = GeneratorHarness.Run(Wide);
        string source = run.Source("Wide");
        var comments = Regex.Matches(source, @"// (forward|loss|backward) [^\n]*?, line (\d+): ([^\r\n]+)");
        Assert.NotEmpty(comments);
        string[] definitionLines = Wide.Split('\n');
        foreach (Match c in comments)
        {
            int line = int.Parse(c.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(line, 1, definitionLines.Length);
            // The comment quotes an expression that is on the line it names.
            Assert.Contains(c.Groups[3].Value.Trim(), definitionLines[line - 1]);
        }
        Assert.Contains(comments, c => c.Groups[3].Value.Trim() == "l1.Forward(h)" && c.Groups[2].Value == LineOf(Wide, "l1.Forward(h)").ToString());
        Assert.Contains(comments, c => c.Groups[3].Value.Trim() == "MeanSquaredError(y, target)" && c.Groups[2].Value == LineOf(Wide, "MeanSquaredError(").ToString());
    }

    [Fact]
    public void UnrelatedChangeLeavesNetworkSpecCached()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { GeneratorHarness.Parse(Wide) });
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        Assert.Single(first.GeneratedSources);
        Assert.All(first.TrackedSteps[TrackingNames.NetworkSpec].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));

        // Add an unrelated file: the network's spec must come from the cache (or compare equal to it).
        var unrelated = GeneratorHarness.Parse("namespace Other; public static class Helper { public static int Twice(int x) => 2 * x; }", "Other.cs");
        var second = driver.RunGenerators(compilation.AddSyntaxTrees(unrelated)).GetRunResult().Results.Single();
        Assert.Null(second.Exception);
        var steps = second.TrackedSteps[TrackingNames.NetworkSpec];
        Assert.NotEmpty(steps);
        Assert.All(steps.SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"NetworkSpec output was {o.Reason}"));
        // ... and so is the source output.
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"source output was {o.Reason}"));
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());

        // A change to the network itself is seen: the spec is recomputed and differs.
        var oldTree = compilation.SyntaxTrees.Single();
        var edited = GeneratorHarness.Parse(Wide.Replace("[Dense(12, 3)] Dense l1;", "[Dense(12, 4)] Dense l1;"));
        var third = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, edited)).GetRunResult().Results.Single();
        Assert.Contains(third.TrackedSteps[TrackingNames.NetworkSpec].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("OutputSize = 4;", third.GeneratedSources.Single().SourceText.ToString());
    }
}
