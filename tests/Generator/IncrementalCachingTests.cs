using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>The generator's incremental caching, through its tracked steps (<see cref="TrackingNames"/>): a rerun or an
/// edit outside the networks regenerates nothing, an edit to one network regenerates only that one, and no step output
/// holds a Roslyn object (which would defeat the cache and keep compilations alive). The generator's time per zoo network is
/// a benchmark: <c>dotnet run -c Release --project bench -- generator-time</c>.</summary>
public class IncrementalCachingTests
{
    private const string NetA = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace CachingCases;

        [Network]
        public partial class NetA
        {
            [Dense(6, 5)] Dense hidden;
            [Dense(5, 2)] Dense output;

            [Forward] Tensor Forward([Shape(6)] Tensor x) => output.Forward(Tanh(hidden.Forward(x)));
            [Loss] static Tensor Loss(Tensor y, Tensor target) => MeanSquaredError(y, target);
        }

        public static class BelowA
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    private const string NetB = """
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace CachingCases;

        [Module]
        public partial class Block
        {
            [Dense(4, 4)] Dense inner;
            [Forward] public Tensor Forward(Tensor x) => x + Relu(inner.Forward(x));
        }

        [Network]
        public partial class NetB
        {
            [Dense(3, 4)] Dense input;
            Block block;
            [Dense(4, 1)] Dense head;

            [Forward] Tensor Forward([Shape(3)] Tensor x) => Sigmoid(head.Forward(block.Forward(input.Forward(x))));
            [Loss] static Tensor Loss(Tensor y, Tensor target) => BinaryCrossEntropy(y, target);
        }
        """;

    private const string Other = """
        namespace Elsewhere;

        public static class Helper
        {
            public static int Add(int a, int b) => a + b;
        }
        """;

    private static Compilation TwoNetworks() => GeneratorHarness.CreateCompilation(new[]
    {
        GeneratorHarness.Parse(NetA, "NetA.cs"),
        GeneratorHarness.Parse(NetB, "NetB.cs"),
        GeneratorHarness.Parse(Other, "Other.cs"),
    });

    private static GeneratorRunResult Run(ref GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id is "CS8785" or "NC9001");
        return result;
    }

    private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs) : Enumerable.Empty<(object, IncrementalStepRunReason)>();

    private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> SourceOutputs(GeneratorRunResult result) =>
        result.TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs);

    private static bool Reused(IncrementalStepRunReason reason) =>
        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    /// <summary>The class a <c>NetworkSource</c>/<c>ModuleSource</c> output belongs to (the model type is internal).</summary>
    private static string ClassOf(object generatedOutput) =>
        (string)generatedOutput.GetType().GetProperty("ClassName")!.GetValue(generatedOutput)!;

    private static string? SourceOf(object generatedOutput) =>
        (string?)generatedOutput.GetType().GetProperty("Source")!.GetValue(generatedOutput);

    private static void AssertReused(GeneratorRunResult result, params string[] steps)
    {
        foreach (var step in steps)
        {
            var outputs = Outputs(result, step).ToList();
            Assert.True(outputs.Count > 0, $"step {step} did not run");
            Assert.All(outputs, o => Assert.True(Reused(o.Reason), $"{step} output was {o.Reason}"));
        }
    }

    [Fact]
    public void EveryStepIsTrackedAndProducesOutputs()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        var first = Run(ref driver, TwoNetworks());
        foreach (var step in TrackingNames.All)
            Assert.All(Outputs(first, step), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        Assert.Equal(new[] { "NetA", "NetB" }, Outputs(first, TrackingNames.NetworkSource).Select(o => ClassOf(o.Value)).OrderBy(n => n));
        Assert.Equal(new[] { "Block" }, Outputs(first, TrackingNames.ModuleSource).Select(o => ClassOf(o.Value)));
        Assert.Equal(3, first.GeneratedSources.Length);
    }

    [Fact]
    public void RerunOnTheSameCompilationIsAllCached()
    {
        var compilation = TwoNetworks();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        var first = Run(ref driver, compilation);
        var second = Run(ref driver, compilation);

        AssertReused(second, TrackingNames.All);
        // Every tracked step, including Roslyn's own inside ForAttributeWithMetadataName, and every output.
        foreach (var (name, steps) in second.TrackedSteps)
            Assert.All(steps.SelectMany(s => s.Outputs), o => Assert.True(Reused(o.Reason), $"{name} output was {o.Reason}"));
        Assert.All(SourceOutputs(second), o => Assert.True(Reused(o.Reason), $"source output was {o.Reason}"));
        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Fact]
    public void NewUnrelatedFileRegeneratesNothing()
    {
        var compilation = TwoNetworks();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        Run(ref driver, compilation);

        var unrelated = GeneratorHarness.Parse("namespace Elsewhere; public sealed class Unrelated { public int Value { get; set; } }", "Unrelated.cs");
        var second = Run(ref driver, compilation.AddSyntaxTrees(unrelated));
        AssertReused(second, TrackingNames.All);
        Assert.All(SourceOutputs(second), o => Assert.True(Reused(o.Reason), $"source output was {o.Reason}"));
        Assert.Equal(3, second.GeneratedSources.Length);
    }

    [Fact]
    public void EditingAMethodOutsideAnyNetworkRegeneratesNothing()
    {
        var compilation = TwoNetworks();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        Run(ref driver, compilation);

        // A method in another file (the tree is replaced).
        var otherTree = compilation.SyntaxTrees.Single(t => t.FilePath == "Other.cs");
        var edited = compilation.ReplaceSyntaxTree(otherTree,
            GeneratorHarness.Parse(Other.Replace("a + b", "b + a + 0"), "Other.cs"));
        var second = Run(ref driver, edited);
        AssertReused(second, TrackingNames.All);
        Assert.All(SourceOutputs(second), o => Assert.True(Reused(o.Reason), $"source output was {o.Reason}"));

        // A method below the network in the network's own file (the network's text and position are unchanged).
        var aTree = edited.SyntaxTrees.Single(t => t.FilePath == "NetA.cs");
        var third = Run(ref driver, edited.ReplaceSyntaxTree(aTree,
            GeneratorHarness.Parse(NetA.Replace("=> 2 * x;", "=> x + x + 0;"), "NetA.cs")));
        AssertReused(third, TrackingNames.All);
        Assert.All(SourceOutputs(third), o => Assert.True(Reused(o.Reason), $"source output was {o.Reason}"));
    }

    [Fact]
    public void EditingOneNetworkRegeneratesOnlyThatOne()
    {
        var compilation = TwoNetworks();
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        var first = Run(ref driver, compilation);

        var aTree = compilation.SyntaxTrees.Single(t => t.FilePath == "NetA.cs");
        var second = Run(ref driver, compilation.ReplaceSyntaxTree(aTree,
            GeneratorHarness.Parse(NetA.Replace("[Dense(6, 5)] Dense hidden;", "[Dense(6, 7)] Dense hidden;")
                .Replace("[Dense(5, 2)] Dense output;", "[Dense(7, 2)] Dense output;"), "NetA.cs")));

        var sources = Outputs(second, TrackingNames.NetworkSource).ToDictionary(o => ClassOf(o.Value));
        Assert.Equal(IncrementalStepRunReason.Modified, sources["NetA"].Reason);
        Assert.True(Reused(sources["NetB"].Reason), $"NetB's source was {sources["NetB"].Reason}");
        AssertReused(second, TrackingNames.ModuleSpec, TrackingNames.ModuleSource);
        Assert.Equal(1, SourceOutputs(second).Count(o => !Reused(o.Reason)));

        // The generated files: NetA's changed, NetB's and the module's are the same text.
        string Text(GeneratorRunResult r, string name) => r.GeneratedSources.Single(g => g.HintName.Contains(name, StringComparison.Ordinal)).SourceText.ToString();
        Assert.NotEqual(Text(first, "NetA"), Text(second, "NetA"));
        Assert.Equal(Text(first, "NetB"), Text(second, "NetB"));
        Assert.Equal(Text(first, "Block"), Text(second, "Block"));
    }

    [Fact]
    public void EditingAModuleInAnotherFileRegeneratesTheNetworkThatInlinesIt()
    {
        // The network's spec inlines the module, so the cache must not keep the old one (no stale output).
        string module = NetB.Substring(0, NetB.IndexOf("[Network]", StringComparison.Ordinal));
        string network = NetB.Replace(module.Substring(module.IndexOf("[Module]", StringComparison.Ordinal)), "");
        var compilation = GeneratorHarness.CreateCompilation(new[]
        {
            GeneratorHarness.Parse(module, "Block.cs"), GeneratorHarness.Parse(network, "NetB.cs"), GeneratorHarness.Parse(NetA, "NetA.cs"),
        });
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        var first = Run(ref driver, compilation);
        Assert.Equal(3, first.GeneratedSources.Length);
        Assert.Contains("Relu", first.GeneratedSources.Single(g => g.HintName.Contains("NetB", StringComparison.Ordinal)).SourceText.ToString(), StringComparison.Ordinal);

        var blockTree = compilation.SyntaxTrees.Single(t => t.FilePath == "Block.cs");
        var second = Run(ref driver, compilation.ReplaceSyntaxTree(blockTree,
            GeneratorHarness.Parse(module.Replace("x + Relu(inner.Forward(x))", "x + Tanh(inner.Forward(x))"), "Block.cs")));
        var sources = Outputs(second, TrackingNames.NetworkSource).ToDictionary(o => ClassOf(o.Value));
        Assert.Equal(IncrementalStepRunReason.Modified, sources["NetB"].Reason);
        Assert.True(Reused(sources["NetA"].Reason), $"NetA's source was {sources["NetA"].Reason}");
        Assert.DoesNotContain("Relu", SourceOf(sources["NetB"].Value) ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeZeroWeightIsAChange()
    {
        // float.Equals(0f, -0f) is true, but "-0f" is emitted: the spec must compare floats by bits. (Same text
        // length, so no location in the spec moves.)
        const string Net = """
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace CachingCases;
            [Network]
            public partial class Zeros
            {
                [Dense(2, 1, Weights = new[] { 0.5f, +0f }, Biases = new[] { 0f })] Dense d;
                [Param(2, Init = Init.Normal, Std = +0f)] Tensor p;
                [Forward] Tensor Forward([Shape(2)] Tensor x) => d.Forward(x + p);
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation(new[] { GeneratorHarness.Parse(Net, "Zeros.cs") });
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        Run(ref driver, compilation);
        var second = Run(ref driver, compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            GeneratorHarness.Parse(Net.Replace("0.5f, +0f", "0.5f, -0f"), "Zeros.cs")));
        Assert.Equal(IncrementalStepRunReason.Modified, Outputs(second, TrackingNames.NetworkSpec).Single().Reason);
        Assert.Contains("-0f", SourceOf(Outputs(second, TrackingNames.NetworkSource).Single().Value));

        // A scalar float field of the spec (ParamSpec.Std) too.
        var third = Run(ref driver, compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            GeneratorHarness.Parse(Net.Replace("0.5f, +0f", "0.5f, -0f").Replace("Std = +0f", "Std = -0f"), "Zeros.cs")));
        Assert.Equal(IncrementalStepRunReason.Modified, Outputs(third, TrackingNames.NetworkSpec).Single().Reason);
        Assert.Contains("-0f, seed", SourceOf(Outputs(third, TrackingNames.NetworkSource).Single().Value));
    }

    [Fact]
    public void StepOutputsHaveValueEqualityAcrossIndependentRuns()
    {
        // Two drivers over two separately parsed compilations share no objects: equal outputs mean value equality.
        GeneratorDriver d1 = GeneratorHarness.CreateDriver(trackSteps: true), d2 = GeneratorHarness.CreateDriver(trackSteps: true);
        var r1 = Run(ref d1, TwoNetworks());
        var r2 = Run(ref d2, TwoNetworks());
        foreach (var step in TrackingNames.All)
        {
            var a = Outputs(r1, step).Select(o => o.Value).ToList();
            var b = Outputs(r2, step).Select(o => o.Value).ToList();
            Assert.NotEmpty(a);
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
            {
                Assert.False(ReferenceEquals(a[i], b[i]));
                Assert.True(a[i].Equals(b[i]), $"{step} output {i} is not equal across runs");
                Assert.Equal(a[i].GetHashCode(), b[i].GetHashCode());
            }
        }
    }

    [Fact]
    public void StepOutputsHoldNoRoslynObjects()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        // Include a definition with diagnostics, so DiagnosticInfo/LocationInfo values are walked too.
        var broken = GeneratorHarness.Parse("""
            using NetCompiler;
            using static NetCompiler.Ops;
            namespace CachingCases;
            [Network]
            public partial class Broken
            {
                [Dense(3, 4)] Dense a;
                [Dense(5, 1)] Dense b;
                [Forward] Tensor Forward([Shape(3)] Tensor x) => b.Forward(a.Forward(x));
            }
            """, "Broken.cs");
        var result = Run(ref driver, TwoNetworks().AddSyntaxTrees(broken));
        Assert.Contains(result.Diagnostics, d => d.Id.StartsWith("NC", StringComparison.Ordinal));
        int walked = 0;
        foreach (var step in TrackingNames.All)
            foreach (var (value, _) in Outputs(result, step))
                walked += Walk(value, step, 0, new HashSet<object>(ReferenceEqualityComparer.Instance));
        Assert.True(walked > 100, $"walked only {walked} objects");
    }

    [Fact]
    public void TheWalkerFindsRoslynObjects()
    {
        var compilation = TwoNetworks();
        var nested = new { Name = "x", Items = new List<object> { 1, new { Tree = compilation.SyntaxTrees.First() } } };
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Walk(nested, "nested", 0, new HashSet<object>(ReferenceEqualityComparer.Instance)));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Walk(new object[] { compilation }, "array", 0, new HashSet<object>(ReferenceEqualityComparer.Instance)));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Walk(Tuple.Create(compilation.SyntaxTrees.First().GetRoot().GetFirstToken()), "token", 0, new HashSet<object>(ReferenceEqualityComparer.Instance)));
        Assert.True(Walk(new { A = 1, B = new[] { "s" } }, "plain", 0, new HashSet<object>(ReferenceEqualityComparer.Instance)) > 0);
    }

    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel),
        typeof(Location), typeof(SyntaxReference), typeof(AttributeData),
    };

    /// <summary>Walks <paramref name="value"/>'s fields and items (depth-limited) and fails on a Roslyn object.
    /// Returns how many objects it visited.</summary>
    private static int Walk(object? value, string path, int depth, HashSet<object> seen)
    {
        if (value is null) return 0;
        var type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        Assert.False(type == typeof(SyntaxToken) || type == typeof(SyntaxTrivia), $"{path} holds a {type.FullName}");
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal) return 1;
        if (depth > 12) return 1;
        if (!type.IsValueType && !seen.Add(value)) return 0;
        int count = 1;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items)
            {
                if (i > 100_000) break;
                count += Walk(item, $"{path}[{i++}]", depth + 1, seen);
            }
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                count += Walk(field.GetValue(value), $"{path}.{field.Name}", depth + 1, seen);
        return count;
    }
}
