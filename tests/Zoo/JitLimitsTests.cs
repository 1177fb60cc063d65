using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NetCompiler.Definitions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>Issue 4 / DESIGN.md: hot methods are marked AggressiveOptimization (no tier-0 code, no OSR) and stay well
/// under the sizes at which RyuJIT gives up and compiles them with MinOpts (<see cref="JitLimits"/>). Reflection
/// only, so the result does not depend on the ISA path. <c>bench -- jit-check</c> checks the same at run time, in
/// the JIT's own log.</summary>
public class JitLimitsTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
        | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The per-sample and per-tile kernels NetworkEmitter writes; everything else it emits (Infer,
    /// ComputeGradients, TrainStep) is a loop around them and tiers up normally.</summary>
    private static readonly Regex s_kernelName = new("^(Forward|Loss|Backward)(Sample|Tile)$", RegexOptions.CultureInvariant);

    /// <summary>Every generated network: the zoo (definitions) and the networks the tests declare.</summary>
    private static IEnumerable<Type> NetworkTypes() =>
        new[] { typeof(ZooCatalog).Assembly, typeof(JitLimitsTests).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetCustomAttribute<NetworkAttribute>() is not null);

    private static bool IsAggressivelyOptimized(MethodBase m) =>
        (m.GetMethodImplementationFlags() & MethodImplAttributes.AggressiveOptimization) != 0;

    private static string Name(MethodBase m) => $"{m.DeclaringType?.Name}.{m.Name}";

    /// <summary>Every AggressiveOptimization method of the generated networks and of the runtime (TileGemm's
    /// kernels, and whatever is marked later).</summary>
    private static List<MethodBase> HotMethods() =>
        NetworkTypes().Concat(typeof(TileGemm).Assembly.GetTypes())
            .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)))
            .Where(IsAggressivelyOptimized)
            .ToList();

    /// <summary>What is wrong with <paramref name="method"/>'s size, or null: every count must stay below
    /// <see cref="JitLimits.Headroom"/> of its limit.</summary>
    private static string? SizeViolation(MethodBase method)
    {
        var over = JitLimits.OverHeadroom(IlStatistics.Of(method));
        return over.Count == 0 ? null : $"{Name(method)}: {string.Join(", ", over)}";
    }

    [Fact]
    public void Every_generated_kernel_is_marked_AggressiveOptimization()
    {
        var networks = NetworkTypes().ToList();
        Assert.True(networks.Count >= ZooCatalog.All.Count, $"found {networks.Count} networks, the zoo alone has {ZooCatalog.All.Count}");
        var kernelNames = new HashSet<string>();
        foreach (var type in networks)
        {
            var kernels = type.GetMethods(Declared).Where(m => s_kernelName.IsMatch(m.Name)).ToList();
            // Every network has a forward kernel, per sample or per tile; inference-only ones have nothing else.
            Assert.Contains(kernels, k => k.Name is "ForwardSample" or "ForwardTile");
            foreach (var kernel in kernels)
            {
                Assert.True(IsAggressivelyOptimized(kernel), $"{Name(kernel)} is not marked AggressiveOptimization");
                kernelNames.Add(kernel.Name);
            }
        }
        // The zoo exercises both emitters (small nets per sample, WideMlpNet and Seed001MnistNet per tile) and training.
        Assert.Equal(new[] { "BackwardSample", "BackwardTile", "ForwardSample", "ForwardTile", "LossSample", "LossTile" },
            kernelNames.OrderBy(n => n, StringComparer.Ordinal));
    }

    /// <summary>Networks whose kernels are split on purpose: a Transformer block written out per sample (8 positions,
    /// three layer norms, attention's copies and products, an MLP) is over the part budget, as it should be; so are the
    /// training kernels of the tests' UserTokenNet (a smaller block with three dropouts, and BatchNorm).</summary>
    private static readonly string[] LargeKernels = { "TinyTransformerNet", "UserTokenNet", "ResNetSmall", "ResidualConvNet", "PyTorchLstmNet", "CharGpt", "FortuneGpt", "VitSmall", "UserGpt", "TranslationTransformer", "UserEncoderDecoderNet", "T5Translator", "UserT5Net", "BertMlm", "BertClassifier", "UserBertMlm", "PaddedSeq2SeqNet" };   // CharGpt, VitSmall, TranslationTransformer, UserEncoderDecoderNet: two to four Transformer layers per sample, T5Translator six, UserT5Net two with 21 small products each unrolled, PaddedSeq2SeqNet an encoder and a decoder layer, BertMlm and BertClassifier four, UserBertMlm two; ResNetSmall, ResidualConvNet: 15 and 4 whole-batch batch norms; PyTorchLstmNet: four directions whose eight initial-state slices and output concatenations are tiny unrolled copies

    /// <summary>The emitter splits a kernel into ForwardTilePart0, ... (and TrainStep's SGD into SgdStepPart0, ...) only
    /// when one method would be too big for the JIT (KernelSplitTests); the other networks of the zoo and of the tests are
    /// far below that and keep one method per kernel.</summary>
    [Fact]
    public void Small_networks_keep_one_method_per_kernel()
    {
        var parts = NetworkTypes().Where(t => !LargeKernels.Contains(t.Name))
            .SelectMany(t => t.GetMethods(Declared).Where(m => Regex.IsMatch(m.Name, @"Part\d+$")).Select(Name)).ToList();
        Assert.True(parts.Count == 0, "split kernels in small networks: " + string.Join(", ", parts));
    }

    [Fact]
    public void Every_AggressiveOptimization_method_is_well_under_the_MinOpts_limits()
    {
        var hot = HotMethods();
        var names = hot.Select(Name).ToHashSet();
        foreach (var expected in new[]
        {
            "WideMlpNet.ForwardTile", "WideMlpNet.BackwardTile", "Seed001MnistNet.LossTile", "Seed000Net.BackwardSample",
            "TinyAttentionNet.BackwardSample", "ResidualMlpNet.ForwardSample",
            "TileGemm.Forward", "TileGemm.ForwardRows", "TileGemm.BackwardInput", "TileGemm.BackwardWeights", "TileGemm.BackwardWeightsRows", "TileGemm.DotRows", "TileGemm.AxpyRows",
        })
            Assert.Contains(expected, names);
        var violations = hot.Select(SizeViolation).OfType<string>().ToList();
        Assert.True(violations.Count == 0, "Too close to the JIT's MinOpts limits (split the method):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_size_check_catches_methods_over_the_limits()
    {
        // The generated kernels are far from the limits, so build methods that are not and check the check.
        var module = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("JitLimitsProbe"), AssemblyBuilderAccess.RunAndCollect)
            .DefineDynamicModule("JitLimitsProbe");
        var type = module.DefineType("Oversized", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed);

        // 10,000 x (ldarg.0; ldc.i4 k; add; starg.s 0): 90,000 IL bytes, 40,001 instructions, 20,000 references.
        var big = type.DefineMethod("Big", MethodAttributes.Public | MethodAttributes.Static, typeof(int), [typeof(int)]);
        big.SetImplementationFlags(MethodImplAttributes.AggressiveOptimization);
        var il = big.GetILGenerator();
        for (int k = 0; k < 10_000; k++)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, k + 1000);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Starg_S, (byte)0);
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ret);

        // 1,500 locals and 1,500 two-way branches: small IL, but too many locals and blocks.
        var wide = type.DefineMethod("Wide", MethodAttributes.Public | MethodAttributes.Static, typeof(int), [typeof(int)]);
        il = wide.GetILGenerator();
        for (int k = 0; k < 1_500; k++)
        {
            var local = il.DeclareLocal(typeof(int));
            var skip = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Brfalse, skip);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Stloc, local);
            il.MarkLabel(skip);
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ret);

        var baked = type.CreateType();
        var bigStats = IlStatistics.Of(baked.GetMethod("Big")!);
        Assert.Equal(new IlStatistics(90_002, 40_002, 1, 1, 20_001), bigStats);
        Assert.True(IsAggressivelyOptimized(baked.GetMethod("Big")!));
        Assert.False(IsAggressivelyOptimized(baked.GetMethod("Wide")!));
        Assert.Contains("IL bytes 90,002", SizeViolation(baked.GetMethod("Big")!));
        Assert.Contains("local references 20,001", SizeViolation(baked.GetMethod("Big")!));
        string wideViolation = SizeViolation(baked.GetMethod("Wide")!)!;
        Assert.Contains("locals 1,501", wideViolation);
        Assert.Contains("basic blocks 3,001", wideViolation);
        Assert.DoesNotContain("IL bytes", wideViolation);
    }

    [Fact]
    public void Counts_match_a_method_read_by_hand()
    {
        // Relu(x) = x > 0f ? x : 0f compiles to ldarg.0, ldc.r4 0, bgt.un.s/ble.un.s, a load, ret, a load, ret (or
        // the same with br.s to one ret): 7 or 8 instructions, 3 or 4 blocks, one argument read twice.
        var s = IlStatistics.Of(typeof(SimdMath).GetMethod(nameof(SimdMath.Relu), [typeof(float)])!);
        Assert.InRange(s.Instructions, 6, 8);
        Assert.InRange(s.BasicBlocks, 3, 4);
        Assert.Equal(1, s.Locals);
        Assert.Equal(2, s.LocalReferences);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int NotMarked() => 0;

    [Fact]
    public void An_unmarked_method_is_seen_as_unmarked() =>
        Assert.False(IsAggressivelyOptimized(typeof(JitLimitsTests).GetMethod(nameof(NotMarked), Declared)!));
}
