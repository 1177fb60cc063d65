using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Generator;

/// <summary>Issue 5, item 3: generated source size grows with the number of layers and kernel shapes, not with the
/// number of parameters; very large layers still compile quickly and run optimized (kernels marked
/// AggressiveOptimization and well under the JIT's MinOpts limits). Explicit <c>Weights</c>/<c>Values</c> are literal
/// data and do scale with their size: the constructor copies them from a literal array, which Roslyn emits as a data
/// blob, so its IL stays small. Sizes and times go to the test output
/// (<c>--logger "console;verbosity=detailed"</c>).</summary>
public class GeneratedSizeTests
{
    private readonly ITestOutputHelper _output;

    public GeneratedSizeTests(ITestOutputHelper output) => _output = output;

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
        | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The kernels, and the parts a kernel too big for one method is split into (ForwardTilePart0, ...).</summary>
    private static readonly Regex s_kernelName = new(@"^(Forward|Loss|Backward)(Sample|Tile)(Part\d+)?$", RegexOptions.CultureInvariant);

    private static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One <c>[Dense(width, width)]</c> layer with random initializers, always the same class name.</summary>
    private static string SingleDense(int width) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SizeCases;

        /// <summary>One square dense layer.</summary>
        [Network]
        public partial class Square
        {
            [Dense({{width}}, {{width}}, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense l0;

            [Forward] Tensor Forward([Shape({{width}})] Tensor x) => Tanh(l0.Forward(x));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }
        """;

    /// <summary>A three-layer MLP, width -> width -> width -> 10, random initializers.</summary>
    private static string Mlp3(int width) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SizeCases;

        /// <summary>Three dense layers.</summary>
        [Network]
        public partial class Mlp
        {
            [Dense({{width}}, {{width}}, WeightInit = Init.He)] Dense l0;
            [Dense({{width}}, {{width}}, WeightInit = Init.He)] Dense l1;
            [Dense({{width}}, 10)] Dense l2;

            [Forward]
            Tensor Forward([Shape({{width}})] Tensor x)
            {
                var h = Relu(l0.Forward(x));
                h = Relu(l1.Forward(h));
                return l2.Forward(h);
            }

            [Loss] static Tensor Loss(Tensor y, [Shape(10)] Tensor t) => CrossEntropy(y, t);
        }
        """;

    /// <summary><paramref name="layers"/> dense layers of <paramref name="width"/> through <c>[Repeat]</c> and a loop.</summary>
    internal static string Deep(string name, int layers, int width) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        namespace SizeCases;

        /// <summary>A deep MLP.</summary>
        [Network]
        public partial class {{name}}
        {
            [Dense({{width}}, {{width}}, WeightInit = Init.He), Repeat({{layers}})] Dense[] layers;
            [Dense({{width}}, 10)] Dense head;

            [Forward]
            Tensor Forward([Shape({{width}})] Tensor x)
            {
                for (int i = 0; i < layers.Length; i++)
                    x = Relu(layers[i].Forward(x));
                return head.Forward(x);
            }

            [Loss] static Tensor Loss(Tensor y, [Shape(10)] Tensor t) => CrossEntropy(y, t);
        }
        """;

    /// <summary>Generates <paramref name="source"/> (and emits it, through the harness) and returns its only generated
    /// file; the run must be free of diagnostics.</summary>
    private static string Generate(string source, string className)
    {
        var run = GeneratorHarness.Run(source);
        try
        {
            Assert.Empty(run.GeneratorDiagnostics);
            run.AssertNoErrors();
            return run.Source(className);
        }
        finally { run.Unload(); }
    }

    /// <summary>Generated sizes for growing widths: the largest may exceed the smallest by 20 % plus a few hundred
    /// characters (longer numbers), while the parameter count grows by three to five orders of magnitude.</summary>
    private void AssertSizeIndependentOfWidth(string what, int[] widths, Func<int, string> source, string className, Func<int, long> parameters)
    {
        var sizes = widths.Select(w => Generate(source(w), className).Length).ToArray();
        for (int i = 0; i < widths.Length; i++)
            _output.WriteLine($"{what} width {widths[i],5}: {I(parameters(widths[i])),12} parameters, generated source {I(sizes[i]),7} chars");
        long growth = parameters(widths[^1]) / parameters(widths[0]);
        Assert.True(growth >= 4000, $"parameters grew only {growth}x");
        // Not monotonic: at the smallest width a small head layer may stay per sample (straight-line code) instead of
        // looping over the tile's rows, so compare the extremes.
        int smallest = sizes.Min(), largest = sizes.Max();
        Assert.True(largest <= 1.2 * smallest + 400,
            $"{what}: generated source ranges from {I(smallest)} to {I(largest)} chars while parameters grew {I(growth)}x: {string.Join(", ", sizes)}");
    }

    [Fact]
    public void Source_size_does_not_grow_with_the_width_of_a_dense_layer()
    {
        AssertSizeIndependentOfWidth("Dense(w, w)", new[] { 64, 256, 1024, 4096 }, SingleDense, "Square", w => (long)w * w + w);
    }

    [Fact]
    public void Source_size_does_not_grow_with_the_width_of_a_three_layer_mlp()
    {
        AssertSizeIndependentOfWidth("3-layer MLP", new[] { 32, 512, 8192 }, Mlp3, "Mlp", w => 2L * (w * w + w) + 10L * w + 10);
    }

    [Fact]
    public void Source_size_grows_linearly_with_the_number_of_layers()
    {
        int[] depths = { 2, 4, 8, 16 };
        var sizes = depths.Select(d => Generate(Deep("Deep", d, 64), "Deep").Length).ToArray();
        for (int i = 0; i < depths.Length; i++)
            _output.WriteLine($"{depths[i],2} x Dense(64, 64) + head: generated source {I(sizes[i]),7} chars"
                + (i > 0 ? $", {I((sizes[i] - sizes[i - 1]) / (depths[i] - depths[i - 1]))} per added layer" : ""));
        // The cost of one more layer is the same at every depth (within 25 %): linear, not quadratic.
        var perLayer = Enumerable.Range(1, depths.Length - 1)
            .Select(i => (double)(sizes[i] - sizes[i - 1]) / (depths[i] - depths[i - 1])).ToArray();
        Assert.All(perLayer, p => Assert.True(p > 0, "adding layers did not grow the source"));
        Assert.True(perLayer.Max() <= 1.25 * perLayer.Min(), "per-layer growth is not constant: " + string.Join(", ", perLayer.Select(p => p.ToString("F0", CultureInfo.InvariantCulture))));
        // ... and the fixed part stays: 16 layers cost at most 8 times what 2 layers cost.
        Assert.True(sizes[^1] <= 8 * sizes[0], $"16 layers: {sizes[^1]}, 2 layers: {sizes[0]}");
    }

    /// <summary>The per-sample lowering (fewer than 1,024 multiply-adds per layer) writes straight-line code specialized
    /// to the shape; it is bounded by that threshold. Reported, and checked to stay far from the tiled sizes' scale.</summary>
    [Fact]
    public void Per_sample_source_size_is_bounded_below_the_tiling_threshold()
    {
        int[] widths = { 4, 8, 16, 31 };   // 31 x 31 = 961 multiply-adds: still per sample
        var sizes = widths.Select(w => Generate(SingleDense(w), "Square")).ToArray();
        for (int i = 0; i < widths.Length; i++)
        {
            bool tiled = sizes[i].Contains("ForwardTile(", StringComparison.Ordinal);
            _output.WriteLine($"Dense({widths[i]}, {widths[i]}) {(tiled ? "tiled" : "per sample")}: generated source {I(sizes[i].Length),7} chars");
            Assert.False(tiled);
        }
        Assert.True(sizes[^1].Length <= 3 * sizes[0].Length + 2000, string.Join(", ", sizes.Select(s => s.Length)));
    }

    /// <summary>Generator and emit of <paramref name="source"/>, timed separately; the run is emitted and loaded.</summary>
    private GeneratorRun GenerateAndEmit(string what, string source, out TimeSpan generate, out TimeSpan emit)
    {
        var trees = new[] { GeneratorHarness.Parse(source) };
        var compilation = GeneratorHarness.CreateCompilation(trees);
        var clock = Stopwatch.StartNew();
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        generate = clock.Elapsed;
        var run = new GeneratorRun(trees, driver.GetRunResult(), diagnostics, output);
        run.AssertGeneratorDidNotThrow();
        clock.Restart();
        run.Emit();
        emit = clock.Elapsed;
        _output.WriteLine($"{what}: generator {generate.TotalMilliseconds:F0} ms, emit {emit.TotalMilliseconds:F0} ms, " +
                          $"generated source {I(run.GeneratedSources.Sum(s => s.Source.Length))} chars");
        return run;
    }

    /// <summary>The kernels of every network in <paramref name="assembly"/>, checked as in the zoo's JitLimitsTests:
    /// AggressiveOptimization, and every MinOpts count under <see cref="JitLimits.Headroom"/> of its limit.</summary>
    private void AssertKernelsOptimized(Assembly assembly, string network)
    {
        var type = assembly.GetTypes().Single(t => t.Name == network && t.GetCustomAttribute<NetworkAttribute>() is not null);
        var kernels = type.GetMethods(Declared).Where(m => s_kernelName.IsMatch(m.Name)).ToList();
        Assert.Contains(kernels, k => k.Name is "ForwardTile" or "ForwardSample");
        Assert.Contains(kernels, k => k.Name is "BackwardTile" or "BackwardSample");
        foreach (var kernel in kernels)
        {
            Assert.True((kernel.GetMethodImplementationFlags() & MethodImplAttributes.AggressiveOptimization) != 0,
                $"{network}.{kernel.Name} is not marked AggressiveOptimization");
            var s = IlStatistics.Of(kernel);
            _output.WriteLine($"  {network}.{kernel.Name}: {I(s.IlBytes)} IL bytes, {I(s.Instructions)} instructions, {I(s.BasicBlocks)} blocks, " +
                              $"{I(s.Locals)} locals, {I(s.LocalReferences)} local references");
            var over = JitLimits.OverHeadroom(s);
            Assert.True(over.Count == 0, $"{network}.{kernel.Name}: {string.Join(", ", over)}");
        }
    }

    private static void AssertClean(GeneratorRun run)
    {
        var reported = run.AllDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(reported.Count == 0, "diagnostics:\n" + string.Join("\n", reported.Take(20)));
    }

    /// <summary>Width costs nothing; depth does: every layer adds about 300-400 IL bytes, 180 instructions and 16 basic
    /// blocks of forward code per Dense + Relu layer (measured at width 64). In one ForwardTile, about 60 such layers
    /// would reach the headroom (1,044 blocks at 64 layers) and about 120 the MinOpts limits themselves (20,944
    /// instructions and 2,068 blocks at 128 layers), so NetworkEmitter splits a kernel whose ops exceed its part
    /// budget into ForwardTilePart0, ForwardTilePart1, ... of consecutive ops, each at most about a quarter of the
    /// limits; depth then only adds parts (KernelSplitTests: 128 and 256 layers). At 16 layers ForwardTile is still
    /// one method (about 1,700 instructions, 260 blocks) and BackwardTile two parts (the budget's estimate weighs the
    /// tiled code's branches conservatively).</summary>
    [Fact]
    public void Very_large_layers_compile_quickly_with_optimized_kernels()
    {
        // Warm up the generator and the compiler, so the times below are not mostly JIT.
        GenerateAndEmit("warm-up Dense(64, 64)", SingleDense(64), out _, out _).Unload();

        var wide = GenerateAndEmit("Dense(8192, 8192) (67,117,056 parameters)", SingleDense(8192), out _, out _);
        AssertClean(wide);
        AssertKernelsOptimized(wide.Assembly, "Square");
        wide.Unload();

        var deep = GenerateAndEmit("16 x Dense(512, 512) + Dense(512, 10)", Deep("Deep16", 16, 512), out _, out _);
        AssertClean(deep);
        AssertKernelsOptimized(deep.Assembly, "Deep16");
        deep.Unload();
    }

    /// <summary>Explicit values are literal data: the generated source carries every one of them (it grows with their
    /// count), but the constructor copies them from a constant array that Roslyn stores as a data blob
    /// (<c>RuntimeHelpers.InitializeArray</c>), so its IL does not grow, and the kernels do not see them at all.</summary>
    [Fact]
    public void Explicit_weights_grow_the_source_but_not_the_constructor_IL()
    {
        var ctorIl = new List<IlStatistics>();
        foreach (int width in new[] { 32, 128 })
        {
            var weights = new StringBuilder();
            for (int k = 0; k < width * width; k++)
                weights.Append(k == 0 ? "" : ", ").Append(((k % 997) / 997f - 0.5f).ToString("R", CultureInfo.InvariantCulture)).Append('f');
            string source = SingleDense(width).Replace(
                "WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform",
                $"Weights = new[] {{ {weights} }}");
            var run = GenerateAndEmit($"Dense({width}, {width}) with {I(width * width)} explicit weights (definition {I(source.Length)} chars)",
                source, out _, out _);
            AssertClean(run);
            var type = run.Assembly.GetType("SizeCases.Square", throwOnError: true)!;
            var ctor = type.GetConstructor(new[] { typeof(int) })!;
            var s = IlStatistics.Of(ctor);
            _output.WriteLine($"  constructor: {I(s.IlBytes)} IL bytes, {I(s.Instructions)} instructions");
            Assert.Contains(type.GetMethods(Declared), m => m.Name == "ForwardTile");
            ctorIl.Add(s);
            // The values arrive intact.
            var net = (INetwork)Activator.CreateInstance(type, 0)!;
            var values = net.Parameters.GetValues("l0.weight");
            Assert.Equal((1 % 997) / 997f - 0.5f, values[1]);
            Assert.Equal(((width * width - 1) % 997) / 997f - 0.5f, values[width * width - 1]);
            run.Unload();
        }
        // 16 times the values, the same constructor code (the blob is metadata, not code): the same instructions, only
        // wider integer operands for the larger offsets.
        Assert.True(ctorIl[1].Instructions == ctorIl[0].Instructions && ctorIl[1].IlBytes <= ctorIl[0].IlBytes + 64,
            $"constructor IL grew with the values: {string.Join(" -> ", ctorIl)}");
        Assert.True(ctorIl[1].IlBytes < JitLimits.IlBytes * JitLimits.Headroom);
    }
}
