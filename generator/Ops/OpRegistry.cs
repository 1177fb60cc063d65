using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Every op definition, indexed by kind and by <c>NetCompiler.Ops</c> method name. The one list of ops: the
/// parser, shape inference, autodiff, fusion, lowering and the README's op table all read it, and
/// <c>OpCoverageTests</c> fails when a kind has no definition or two, or when an <c>Ops</c> method maps to none
/// (ggml's <c>GGML_OP_COUNT</c> assert).</summary>
internal static class OpRegistry
{
    /// <summary>All definitions, in <see cref="OpKind"/> order.</summary>
    public static IReadOnlyList<OpDefinition> All { get; } = new OpDefinition[]
    {
        LeafOp.Input, LeafOp.Target, LeafOp.Param, LeafOp.Buffer, ConstantOp.Instance,
        BinaryArithmeticOp.Add, BinaryArithmeticOp.Sub, BinaryArithmeticOp.Mul, NegOp.Instance,
        ActivationOp.Sigmoid, ActivationOp.Tanh, ActivationOp.Relu, ActivationOp.LeakyRelu, ActivationOp.Swish,
        ActivationOp.Gelu, ActivationOp.GeluTanh, ActivationOp.Step,
        ActivationOp.Exp, ActivationOp.Log, ActivationOp.Sqrt, ActivationOp.Rsqrt, ActivationOp.Abs,
        BinaryMathOp.Div, BinaryMathOp.Maximum, BinaryMathOp.Minimum, WhereOp.Instance, DropoutOp.Instance,
        MatMulOp.Instance, TransposeOp.Instance, ReductionOp.Sum, ReductionOp.Mean, ReductionOp.Max, SoftmaxOp.Instance, SoftmaxOp.Log, GatherOp.Instance,
        ReshapeOp.Instance, PermuteOp.Instance, SliceOp.Instance, ConcatOp.Instance,
        LinearOp.Instance, NormalizationOp.Layer, NormalizationOp.Rms, BatchNormOp.Instance,
        ConvolutionOp.Instance, PoolingOp.Max, PoolingOp.Average, GlobalAvgPoolOp.Instance, RecurrentOp.Instance, AttentionOp.Instance, RelativePositionBiasOp.Instance,
        PositionRowOp.Instance, AttentionDecodeOp.Instance, CachedValueOp.Instance, CacheWriteOp.Instance,
        BinaryCrossEntropyOp.Instance, SquaredErrorOp.MeanSquaredError, SquaredErrorOp.QuadraticCost, CrossEntropyOp.Instance,
    }.OrderBy(d => d.Kind).ToArray();

    /// <summary>Definitions by kind; null where a kind has none (a registry bug that <see cref="Inconsistency"/> names).</summary>
    private static readonly OpDefinition?[] ByKind = Index();

    private static OpDefinition?[] Index()
    {
        var byKind = new OpDefinition?[Enum.GetValues(typeof(OpKind)).Length];
        foreach (var d in All) byKind[(int)d.Kind] = d;
        return byKind;
    }

    private static readonly Dictionary<string, OpDefinition> ByName =
        All.SelectMany(d => d.DslNames.Select(name => (name, d))).ToDictionary(p => p.name, p => p.d);

    /// <summary>The definition of <paramref name="kind"/>.</summary>
    public static OpDefinition For(OpKind kind) =>
        ByKind[(int)kind] ?? throw new InvalidOperationException($"op {kind} has no definition in the registry");

    /// <summary>The definition that <c>Ops.<paramref name="name"/></c> builds; null for a method that is not an op.</summary>
    public static OpDefinition? ForMethod(string name) => ByName.TryGetValue(name, out var d) ? d : null;

    /// <summary>The registry's invariant, checked by the op tests: definition i is the one of kind i, each once.</summary>
    public static string? Inconsistency()
    {
        var kinds = (OpKind[])Enum.GetValues(typeof(OpKind));
        if (All.Count != kinds.Length) return $"{All.Count} definitions for {kinds.Length} op kinds";
        for (int i = 0; i < kinds.Length; i++)
            if (All[i].Kind != kinds[i]) return $"definition {i} is {All[i].Kind}, expected {kinds[i]}";
        return null;
    }
}
