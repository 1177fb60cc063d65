using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.TestSupport;
using NetCompiler.Tests.Zoo;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Generator;

/// <summary>Networks whose kernels the emitter splits into parts, compiled once for the tests that run them:
/// 40 x Dense(64, 64) + Relu (tiled) and 24 x Dense(8, 8) + Relu (per sample), each with a Dense(w, 10) head and
/// cross-entropy; and one Dense layer with a 150-op loss, tiled (Dense(128, 10)) and per sample (Dense(8, 10)).</summary>
public sealed class SplitNetworksFixture : IDisposable
{
    public const string Tiled = "SizeCases.SplitTiled", PerSample = "SizeCases.SplitPerSample";
    public const string LossTiled = "SizeCases.SplitLossTiled", LossPerSample = "SizeCases.SplitLossPerSample";

    public SplitNetworksFixture()
    {
        Run = GeneratorHarness.Run(new[]
        {
            (GeneratedSizeTests.Deep("SplitTiled", 40, 64), "SplitTiled.cs"),
            (GeneratedSizeTests.Deep("SplitPerSample", 24, 8), "SplitPerSample.cs"),
            (LongLoss("SplitLossTiled", 128), "SplitLossTiled.cs"),
            (LongLoss("SplitLossPerSample", 8), "SplitLossPerSample.cs"),
        });
        Assert.Empty(Run.GeneratorDiagnostics);
        Run.AssertNoErrors();
    }

    internal GeneratorRun Run { get; }

    /// <summary>One Dense(width, 10) layer and a loss of 150 ops (a Tanh chain before cross-entropy): LossTile or
    /// LossSample is split, and only its last part returns the loss.</summary>
    private static string LongLoss(string name, int width) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SizeCases;

        /// <summary>A long loss.</summary>
        [Network]
        public partial class {{name}}
        {
            [Dense({{width}}, 10, WeightInit = Init.He)] Dense head;

            [Forward] Tensor Forward([Shape({{width}})] Tensor x) => head.Forward(x);

            [Loss]
            static Tensor Loss(Tensor y, [Shape(10)] Tensor t)
            {
                for (int i = 0; i < 150; i++)
                    y = Tanh(y);
                return CrossEntropy(y, t);
            }
        }
        """;

    public void Dispose() => Run.Unload();
}

/// <summary>DESIGN.md ("Lowering rules that matter for speed"): RyuJIT compiles a method with MinOpts when it is huge,
/// so a kernel whose ops add up to more than the emitter's part budget is split into <c>{Kernel}Part0</c>,
/// <c>{Kernel}Part1</c>, ... of consecutive ops, called in order by the kernel (and the per-sample SGD step into
/// <c>SgdStepPart0</c>, ...). The parts stay far under the limits at any depth, compute what one method computed
/// (checked against the interpreter), and keep the fused optimizer updates in order. The zoo is too small to be
/// split (see <see cref="JitLimitsTests"/>). Sizes go to the test output.</summary>
public class KernelSplitTests : IClassFixture<SplitNetworksFixture>
{
    private readonly ITestOutputHelper _output;
    private readonly SplitNetworksFixture _split;

    public KernelSplitTests(ITestOutputHelper output, SplitNetworksFixture split)
    {
        _output = output;
        _split = split;
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
        | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly Regex s_part = new(@"^(?<kernel>(Forward|Loss|Backward)(Sample|Tile)|SgdStep)Part(?<index>\d+)$", RegexOptions.CultureInvariant);

    private static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The part count of every split kernel of <paramref name="type"/>, checking that the parts are numbered
    /// 0..n-1 and that the kernel's own method calls them in that order.</summary>
    private static Dictionary<string, int> Parts(Type type, string source)
    {
        var parts = type.GetMethods(Declared).Select(m => s_part.Match(m.Name)).Where(m => m.Success)
            .GroupBy(m => m.Groups["kernel"].Value)
            .ToDictionary(g => g.Key, g => g.Select(m => int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture)).OrderBy(i => i).ToList());
        foreach (var (kernel, indices) in parts)
        {
            Assert.Equal(Enumerable.Range(0, indices.Count), indices);
            var calls = Regex.Matches(source, $@"(?m)^\s*(return )?{kernel}Part(\d+)\(").Select(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, indices.Count), calls);   // each part called once, in order
        }
        return parts.ToDictionary(p => p.Key, p => p.Value.Count);
    }

    /// <summary>Every method of <paramref name="type"/> (constructors aside: they run once) under
    /// <see cref="JitLimits.Headroom"/> of each MinOpts limit, kernels and their parts marked AggressiveOptimization;
    /// returns the statistics of the largest by instructions.</summary>
    private IlStatistics AssertAllMethodsOptimizable(Type type)
    {
        var largest = default(IlStatistics);
        string largestName = "";
        foreach (var method in type.GetMethods(Declared).Where(m => m.GetMethodBody() is not null))
        {
            var s = IlStatistics.Of(method);
            var over = JitLimits.OverHeadroom(s);
            Assert.True(over.Count == 0, $"{type.Name}.{method.Name}: {string.Join(", ", over)}");
            if (Regex.IsMatch(method.Name, "^(Forward|Loss|Backward)(Sample|Tile)"))
                Assert.True((method.GetMethodImplementationFlags() & MethodImplAttributes.AggressiveOptimization) != 0,
                    $"{type.Name}.{method.Name} is not marked AggressiveOptimization");
            if (s.Instructions > largest.Instructions) (largest, largestName) = (s, method.Name);
        }
        _output.WriteLine($"  largest method {largestName}: {I(largest.IlBytes)} IL bytes, {I(largest.Instructions)} instructions, " +
                          $"{I(largest.BasicBlocks)} blocks, {I(largest.Locals)} locals, {I(largest.LocalReferences)} local references");
        return largest;
    }

    /// <summary>Depths at which one ForwardTile would be compiled with MinOpts (over 20,000 instructions and 2,000
    /// blocks at 128 layers before the split): generated, compiled without a warning, every method far under the limits.</summary>
    [Theory]
    [InlineData(128, 64, true)]
    [InlineData(256, 64, true)]
    [InlineData(128, 4, false)]
    public void Deep_networks_are_split_into_parts_far_under_the_JIT_limits(int layers, int width, bool tiled)
    {
        string name = $"Deep{layers}x{width}";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = GeneratorHarness.Run(GeneratedSizeTests.Deep(name, layers, width));
        try
        {
            Assert.Empty(run.GeneratorDiagnostics);
            var warnings = run.AllDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
            Assert.True(warnings.Count == 0, "diagnostics:\n" + string.Join("\n", warnings.Take(20)));
            var type = run.Assembly.GetType("SizeCases." + name, throwOnError: true)!;
            string source = run.Source(name);
            _output.WriteLine($"{layers} x Dense({width}, {width}) + Relu ({(tiled ? "tiled" : "per sample")}): {I(source.Length)} chars, " +
                              $"generated and compiled in {clock.ElapsedMilliseconds} ms");
            var parts = Parts(type, source);
            _output.WriteLine("  parts: " + string.Join(", ", parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
            string kind = tiled ? "Tile" : "Sample";
            Assert.True(parts.GetValueOrDefault("Forward" + kind) >= 2, $"Forward{kind} was not split");
            Assert.True(parts.GetValueOrDefault("Backward" + kind) >= 2, $"Backward{kind} was not split");
            if (!tiled) Assert.True(parts.GetValueOrDefault("SgdStep") >= 2, "TrainStep's SGD update was not split");
            var largest = AssertAllMethodsOptimizable(type);
            Assert.True(largest.Instructions < JitLimits.Instructions * 0.3, "a part is bigger than the budget is meant to allow");
        }
        finally { run.Unload(); }
    }

    public static TheoryData<string, string> SplitNetworks() => new()
    {
        { SplitNetworksFixture.Tiled, "ForwardTile BackwardTile" },
        { SplitNetworksFixture.PerSample, "ForwardSample BackwardSample SgdStep" },
        { SplitNetworksFixture.LossTiled, "LossTile BackwardTile" },
        { SplitNetworksFixture.LossPerSample, "LossSample BackwardSample" },
    };

    /// <summary>CompiledVsInterpretedTests for networks whose kernels are split: outputs, loss and every gradient,
    /// for a single sample and for a full tile plus a partial one; then one plain SGD step (fused into the last
    /// tile's backward parts, or TrainStep's SgdStepPart methods) against the interpreter's.</summary>
    [Theory, MemberData(nameof(SplitNetworks))]
    public void Split_networks_compute_what_the_interpreter_computes(string network, string split)
    {
        var type = _split.Run.Assembly.GetType(network, throwOnError: true)!;
        var parts = Parts(type, _split.Run.Source(type.Name));
        _output.WriteLine(type.Name + " parts: " + string.Join(", ", parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        foreach (string kernel in split.Split(' '))
            Assert.True(parts.GetValueOrDefault(kernel) >= 2, $"{type.Name}.{kernel} was not split");
        AssertAllMethodsOptimizable(type);
        var rng = new Rng(23);
        foreach (int batch in new[] { 1, 35 })
        {
            var compiled = _split.Run.Create(network, 3);
            var interpreted = _split.Run.Create(network, 3);
            var x = Enumerable.Range(0, batch * compiled.InputShape[0]).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
            var t = Targets(compiled, batch, rng);

            int outputs = compiled.OutputShape[0];
            var yc = new float[batch * outputs];
            var yi = new float[batch * outputs];
            compiled.Infer(x, yc, batch);
            Interpreter.Infer(interpreted, x, yi, batch);
            CompiledVsInterpretedTests.AssertClose(yi, yc, $"{type.Name} outputs, batch {batch}");

            float lc = compiled.ComputeGradients(x, t, batch);
            float li = Interpreter.ComputeGradients(interpreted, x, t, batch);
            CompiledVsInterpretedTests.AssertClose(new[] { li }, new[] { lc }, $"{type.Name} loss, batch {batch}");
            foreach (var p in compiled.Parameters.Layout)
                CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(), compiled.Parameters.GetGradients(p.Name).ToArray(),
                    $"{type.Name} d loss / d {p.Name}, batch {batch}");

            lc = compiled.TrainStep(x, t, batch, 0.1f);
            li = Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
            CompiledVsInterpretedTests.AssertClose(new[] { li }, new[] { lc }, $"{type.Name} SGD step loss, batch {batch}");
            var initial = _split.Run.Create(network, 3);
            foreach (var p in compiled.Parameters.Layout)
            {
                CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.GetValues(p.Name).ToArray(), compiled.Parameters.GetValues(p.Name).ToArray(),
                    $"{type.Name} {p.Name} after an SGD step, batch {batch}");
                Assert.False(initial.Parameters.GetValues(p.Name).SequenceEqual(compiled.Parameters.GetValues(p.Name)), $"{p.Name} was not updated");
            }
        }
    }

    /// <summary>FusedUpdateTests on a split tiled network: each parameter's update sits in the backward part that
    /// finishes its gradient, and the step gives the same bits as ComputeGradients followed by the optimizer's
    /// Step, a frozen layer in a middle part included.</summary>
    [Theory]
    [InlineData("adamw")]
    [InlineData("momentum")]
    public void Fused_step_on_a_split_tiled_network_gives_the_same_bits_as_gradients_then_step(string kind)
    {
        var type = _split.Run.Assembly.GetType(SplitNetworksFixture.Tiled, throwOnError: true)!;
        Assert.True(Parts(type, _split.Run.Source(type.Name)).GetValueOrDefault("BackwardTile") >= 2);
        Optimizer Make() => kind == "adamw" ? new AdamW(0.01f) { WeightDecay = 0.1f } : new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 0.01f };
        var fused = _split.Run.Create(SplitNetworksFixture.Tiled, 8);
        var separate = _split.Run.Create(SplitNetworksFixture.Tiled, 8);
        Assert.Equal(2, fused.Parameters.Freeze("layers.20"));
        separate.Parameters.Freeze("layers.20");
        Optimizer fusedOptimizer = Make(), separateOptimizer = Make();
        var frozen = fused.Parameters.GetValues("layers.20.weight").ToArray();
        var rng = new Rng(5);
        const int batch = 35;
        for (int step = 0; step < 3; step++)
        {
            var x = Enumerable.Range(0, batch * 64).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
            var t = Targets(fused, batch, rng);
            FusedStep.AssertSameAsSeparate(fused, fusedOptimizer, separate, separateOptimizer, x, t, batch);
        }
        Assert.Equal(frozen, fused.Parameters.GetValues("layers.20.weight").ToArray());
        var initial = _split.Run.Create(SplitNetworksFixture.Tiled, 8);
        foreach (var p in fused.Parameters.Layout.Where(p => !p.Name.StartsWith("layers.20.", StringComparison.Ordinal)))
            Assert.False(initial.Parameters.GetValues(p.Name).SequenceEqual(fused.Parameters.GetValues(p.Name)), $"{p.Name} was not updated");
    }

    /// <summary>A random class per sample: its index, or its one-hot row when the loss takes probabilities.</summary>
    private static float[] Targets(INetwork net, int batch, Rng rng)
    {
        int size = net.TargetShape.Aggregate(1, (a, b) => a * b);
        var targets = new float[batch * size];
        for (int b = 0; b < batch; b++)
        {
            int label = rng.NextInt(10);
            if (size == 1) targets[b] = label;
            else targets[b * size + label] = 1f;
        }
        return targets;
    }
}
