using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>The op registry is the one list of ops (ggml's <c>GGML_OP_COUNT</c> assert): every op kind has exactly one
/// definition, every public <c>NetCompiler.Ops</c> method builds one, README's op table is the registry's, and the
/// generator's shape rule of each op agrees with the eager op on a sweep of shapes.</summary>
public class OpCoverageTests
{
    [Fact]
    public void Every_op_kind_has_exactly_one_definition()
    {
        Assert.Null(OpRegistry.Inconsistency());
        foreach (OpKind kind in Enum.GetValues(typeof(OpKind)))
            Assert.Equal(kind, OpRegistry.For(kind).Kind);
        var names = OpRegistry.All.SelectMany(d => d.DslNames).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    /// <summary>The public methods of NetCompiler.Ops that return a tensor, or tensors (Split).</summary>
    private static IEnumerable<MethodInfo> EagerOps() =>
        typeof(Ops).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(Tensor) || m.ReturnType == typeof(Tensor[]));

    [Fact]
    public void Every_public_Ops_method_builds_one_definition_and_every_definition_name_is_an_Ops_method()
    {
        var eager = EagerOps().Select(m => m.Name).ToHashSet();
        Assert.NotEmpty(eager);
        foreach (string name in eager)
            Assert.True(OpRegistry.ForMethod(name) is not null, $"Ops.{name} has no op definition in generator/Ops");
        foreach (var definition in OpRegistry.All)
            foreach (string name in definition.DslNames)
                Assert.True(eager.Contains(name), $"{definition.Kind} is written Ops.{name}, which the runtime does not have");
    }

    [Fact]
    public void Every_definition_has_documentation_and_a_strategy()
    {
        foreach (var d in OpRegistry.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Syntax), $"{d.Kind}: no syntax");
            Assert.False(string.IsNullOrWhiteSpace(d.ShapeRule), $"{d.Kind}: no shape rule text");
            Assert.False(string.IsNullOrWhiteSpace(d.GradientRule), $"{d.Kind}: no gradient rule text");
            Assert.NotEmpty(d.Strategies);
        }
    }

    private const string TableStart = "<!-- op table: generated from generator/Ops by OpCoverageTests -->";
    private const string TableEnd = "<!-- end of op table -->";

    /// <summary>README's op table, one row per definition, in the registry's order.</summary>
    internal static string RenderTable()
    {
        var text = new StringBuilder();
        text.Append("| op | written as | shape | gradient | lowering, first that applies |\n");
        text.Append("| --- | --- | --- | --- | --- |\n");
        foreach (var d in OpRegistry.All)
            text.Append($"| {d.Kind} | {d.Syntax} | {d.ShapeRule} | {d.GradientRule} | {string.Join(", ", d.Strategies.Select(s => s.Name))} |\n");
        return text.ToString();
    }

    [Fact]
    public void Readme_op_table_is_the_registry()
    {
        string readme = File.ReadAllText(SourceCheckout.PathOf("README.md")).Replace("\r\n", "\n");
        int start = readme.IndexOf(TableStart, StringComparison.Ordinal), end = readme.IndexOf(TableEnd, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md has no op table between '{TableStart}' and '{TableEnd}'");
        string table = readme.Substring(start + TableStart.Length, end - start - TableStart.Length).Trim('\n') + "\n";
        string expected = RenderTable();
        Assert.True(expected == table, "README's op table differs from the registry; replace it with:\n" + expected);
    }

    // ---- shape rules: compiled == eager ----------------------------------------------------------------------------

    /// <summary>Shapes of rank 0 to 3 over small dimensions: enough to hit every broadcast, inner-dimension and rank rule
    /// (rank-3 shapes with a leading 1 too, which broadcast against a rank-3 shape from the other side).</summary>
    private static IEnumerable<int[]> Shapes()
    {
        yield return Array.Empty<int>();
        int[] dims = { 1, 2, 3 };
        foreach (int a in dims) yield return new[] { a };
        foreach (int a in dims) foreach (int b in dims) yield return new[] { a, b };
        foreach (int a in new[] { 2, 3 }) foreach (int b in dims) foreach (int c in dims) yield return new[] { a, b, c };
        yield return new[] { 1, 3, 1 };
        yield return new[] { 1, 1, 2 };
    }

    /// <summary>Every non-leaf op, with how the eager path runs it and the attributes the generator gives the node.</summary>
    private static IEnumerable<(OpDefinition Op, Func<Tensor[], Tensor> Eager, OpAttributes Attributes)> Cases()
    {
        // Recurrent has no Ops method (only the [Rnn]/[Lstm]/[Gru] layers build it): its shape rule is checked against the
        // eager layers by Recurrent/RecurrentShapeRuleTests. PositionRow, AttentionDecode and CacheWrite exist only in a
        // decoder's graphs (no Ops method, no eager form): Generation/DecoderTests checks them against the full forward.
        foreach (var d in OpRegistry.All.Where(d => !d.Is(OpTraits.Leaf) && d.Kind is not (OpKind.Recurrent or OpKind.PositionRow or OpKind.AttentionDecode or OpKind.CacheWrite)))
        {
            var variants = Variants(d.Kind).ToList();
            if (variants.Count > 0)
            {
                foreach (var variant in variants) yield return (d, variant.Eager, variant.Attributes);
                continue;
            }
            var attributes = d.Kind is OpKind.LeakyRelu or OpKind.Swish ? new ScalarAttribute(0.5f) : OpAttributes.None;
            Func<Tensor[], Tensor> eager = d.Kind switch
            {
                OpKind.Add => t => t[0] + t[1],
                OpKind.Sub => t => t[0] - t[1],
                OpKind.Mul => t => t[0] * t[1],
                OpKind.Neg => t => -t[0],
                OpKind.Linear => t => Ops.Linear(t[0], t[1], t.Length > 2 ? t[2] : null),
                OpKind.LeakyRelu => t => Ops.LeakyRelu(t[0], 0.5f),
                OpKind.Swish => t => Ops.Swish(t[0], 0.5f),
                OpKind.Gather => t => Ops.Gather(t[0], Tokens.FromBatch(new float[t[1].Length], t[1].Batch, t[1].Shape)),   // id 0
                OpKind.Div => t => t[0] / t[1],
                OpKind.Where => t => Ops.Where(t[0], t[1], t[2]),
                _ => Method(d.DslNames[0]),
            };
            yield return (d, eager, attributes);
        }
    }

    /// <summary>Ops whose attributes (axes, shapes, ranges) fit some swept shapes and not others, each with several.</summary>
    private static IEnumerable<(Func<Tensor[], Tensor> Eager, OpAttributes Attributes)> Variants(OpKind kind)
    {
        OpAttributes Dims(params int[] values) => new DimensionsAttribute(values.ToEquatableArray());
        switch (kind)
        {
            case OpKind.Sum or OpKind.Mean or OpKind.Max:
            {
                var all = Method(kind.ToString());
                var along = typeof(Ops).GetMethod(kind.ToString(), [typeof(Tensor), typeof(int), typeof(bool)])!;
                yield return (all, ReduceAttribute.Everything);
                foreach (var (axis, keep) in new[] { (0, false), (-1, false), (1, true), (2, false), (-3, true), (3, false) })
                    yield return (t => (Tensor)along.Invoke(null, [t[0], axis, keep])!, new ReduceAttribute(false, axis, keep));
                break;
            }
            case OpKind.LayerNorm:
                yield return (t => Ops.LayerNormalize(t[0], t[1], t[2], 1e-5f), new ScalarAttribute(1e-5f));
                yield return (t => Ops.LayerNormalize(t[0], t[1], t[2], -1f), new ScalarAttribute(-1f));
                break;
            case OpKind.RmsNorm:
                yield return (t => Ops.RmsNormalize(t[0], t[1], 1e-6f), new ScalarAttribute(1e-6f));
                break;
            case OpKind.BatchNorm:
            {
                // Operands x, weight, running mean, running variance, bias; the eager op takes the last four unbatched.
                static Tensor Shared(Tensor t) => Tensor.Constant(t.Values.Slice(0, t.SampleSize).ToArray(), t.Shape);
                foreach (var (momentum, epsilon) in new[] { (0.1f, 1e-5f), (-0.5f, 1e-5f), (0.1f, -1f) })
                    yield return (t => Ops.BatchNormalize(t[0], Shared(t[1]), Shared(t[4]), Shared(t[2]), Shared(t[3]), momentum, epsilon),
                        new BatchNormSettings(momentum, epsilon));
                break;
            }
            case OpKind.Dropout:
                foreach (float p in new[] { 0.5f, 0f, 1f, -0.1f })
                    yield return (t => Ops.Dropout(t[0], p), new ScalarAttribute(p));
                break;
            case OpKind.Softmax or OpKind.LogSoftmax:
            {
                var along = typeof(Ops).GetMethod(kind.ToString(), [typeof(Tensor), typeof(int)])!;
                foreach (int axis in new[] { -1, 0, 1, 2, -2 })
                    yield return (t => (Tensor)along.Invoke(null, [t[0], axis])!, new AxisAttribute(axis));
                break;
            }
            case OpKind.Reshape:
                yield return (t => Ops.Reshape(t[0], -1), Dims(-1));
                yield return (t => Ops.Reshape(t[0], 6), Dims(6));
                yield return (t => Ops.Reshape(t[0], 2, -1), Dims(2, -1));
                yield return (t => Ops.Reshape(t[0], 3, 1, 3), Dims(3, 1, 3));
                yield return (t => Ops.Reshape(t[0], -1, -1), Dims(-1, -1));
                yield return (t => Ops.Reshape(t[0], 0, 2), Dims(0, 2));
                break;
            case OpKind.Permute:
                yield return (t => Ops.Permute(t[0], 1, 0), Dims(1, 0));
                yield return (t => Ops.Permute(t[0], -1, 0), Dims(-1, 0));
                yield return (t => Ops.Permute(t[0], 0, 0), Dims(0, 0));
                yield return (t => Ops.Permute(t[0], 2, 0, 1), Dims(2, 0, 1));
                yield return (t => Ops.Permute(t[0], 0, 2, -2), Dims(0, 2, -2));
                yield return (t => Ops.Permute(t[0], 3, 0, 1), Dims(3, 0, 1));
                break;
            case OpKind.Slice:
                foreach (var (axis, start, length) in new[] { (0, 0, 1), (-1, 1, 2), (1, 0, 3), (0, 2, 1), (2, 1, 1), (0, -1, 1), (0, 0, 0), (-4, 0, 1) })
                    yield return (t => Ops.Slice(t[0], axis, start, length), new SliceAttribute(axis, start, length));
                // Split's pieces: the shape rule of each also checks the sizes against the whole axis.
                foreach (var (axis, sizes, piece) in new[] { (0, new[] { 1, 1 }, 1), (-1, new[] { 1, 2 }, 0), (1, new[] { 3 }, 0), (0, new[] { 2, 0 }, 0),
                             (2, new[] { 1, 1, 1 }, 2), (-4, new[] { 1 }, 0) })
                    yield return (t => Ops.Split(t[0], axis, sizes)[piece],
                        new SliceAttribute(axis, sizes.Take(piece).Sum(), sizes[piece], sizes.ToEquatableArray()));
                break;
            case OpKind.Attention:
                foreach (var (heads, causal) in new[] { (1, false), (2, false), (3, true), (0, false), (-1, true) })
                    yield return (t => Ops.Attention(t[0], t[1], t[2], heads, causal), new AttentionAttribute(heads, causal));
                break;
            case OpKind.CrossEntropy:
                yield return (t => Ops.CrossEntropy(t[0], t[1]), new CrossEntropyAttribute(-100));
                break;
            case OpKind.RelativePositionBias:
                foreach (var (queries, keys, bidirectional, maxDistance) in new[] { (3, 4, true, 8), (1, 5, false, 3), (2, 2, true, 1) })
                    yield return (t => Ops.RelativePositionBias(t[0], queries, keys, bidirectional, maxDistance),
                        new RelativePositionBiasAttribute(queries, keys, bidirectional, maxDistance));
                break;
            case OpKind.Concat:
                foreach (int axis in new[] { 0, 1, -1, 2, -3, 3 })
                    yield return (t => Ops.Concat(t[0], t[1], axis), new AxisAttribute(axis));
                break;
            case OpKind.Conv2D:
                foreach (var (stride, padding, dilation, groups) in new[] { (1, 0, 1, 1), (2, 1, 1, 1), (1, 1, 2, 1), (1, 0, 1, 2), (3, 2, 1, 2),
                             (0, 0, 1, 1), (1, -1, 1, 1), (1, 0, 0, 1), (1, 0, 1, 0) })
                    yield return (t => Ops.Convolution2D(t[0], t[1], t.Length > 2 ? t[2] : null, stride, padding, dilation, groups),
                        new ConvolutionAttribute(stride, padding, dilation, groups));
                break;
            case OpKind.MaxPool2D or OpKind.AvgPool2D:
            {
                var pool = typeof(Ops).GetMethod(kind.ToString(), [typeof(Tensor), typeof(int), typeof(int), typeof(int)])!;
                // Stride 0 is the kernel; padding up to half the kernel.
                foreach (var (kernel, stride, padding) in new[] { (2, 0, 0), (2, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0), (2, 3, 1), (0, 0, 0), (2, -1, 0), (2, 1, 2), (3, 1, -1) })
                    yield return (t => (Tensor)pool.Invoke(null, [t[0], kernel, stride, padding])!, new PoolAttribute(kernel, stride, padding));
                break;
            }
        }
    }

    /// <summary>The overload of <c>Ops.<paramref name="name"/></c> that takes tensors only.</summary>
    private static Func<Tensor[], Tensor> Method(string name)
    {
        var method = typeof(Ops).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == name && m.GetParameters().All(p => p.ParameterType == typeof(Tensor)));
        return t => (Tensor)method.Invoke(null, t.Cast<object>().ToArray())!;
    }

    private static int Operands(OpDefinition d) => d.Kind switch
    {
        OpKind.BatchNorm => 5,
        OpKind.Linear or OpKind.LayerNorm or OpKind.Where or OpKind.Conv2D or OpKind.Attention => 3,
        OpKind.RmsNorm => 2,
        _ when d.Is(OpTraits.Loss) || d.Kind is OpKind.Add or OpKind.Sub or OpKind.Mul or OpKind.MatMul or OpKind.Gather or OpKind.Concat
            or OpKind.Div or OpKind.Maximum or OpKind.Minimum => 2,
        _ => 1,
    };

    /// <summary>Conv2D's x, weight and optional bias: inputs of rank 2 and 3 (some wider than the sweep's dimensions, so
    /// that kernels fit), weights of rank 3 and 4 whose channels match some inputs and groups, biases that match or not.</summary>
    private static IEnumerable<int[][]> ConvolutionOperands()
    {
        int[][] inputs = [[2, 3], [2, 3, 3], [4, 5, 4], [2, 1, 2], [3, 2, 2], [6, 7, 5]];
        int[][] weights = [[2, 2, 2, 2], [4, 1, 3, 2], [2, 1, 1, 1], [3, 2, 1, 1], [6, 3, 3, 3], [2, 3, 3], [4, 2, 5, 5], [4, 4, 2, 2]];
        foreach (var x in inputs)
            foreach (var w in weights)
            {
                yield return [x, w];
                yield return [x, w, [w[0]]];
                yield return [x, w, [3]];
            }
    }

    /// <summary>What the eager op makes of operands of these per-sample shapes (batch 2, zeros: a valid class index and probability): the result's shape, or null
    /// when it refuses them.</summary>
    private static int[]? EagerShape(Func<Tensor[], Tensor> op, int[][] shapes)
    {
        var operands = shapes.Select(s => Tensor.FromBatch(Enumerable.Repeat(0f, 2 * s.Aggregate(1, (a, b) => a * b)).ToArray(), 2, s)).ToArray();
        try { return op(operands).Shape; }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException) { return null; }
        catch (ArgumentException) { return null; }
    }

    private static int[]? CompiledShape(OpDefinition d, OpAttributes attributes, int[][] shapes)
    {
        var node = new NodeSpec(shapes.Length, d.Kind, Enumerable.Range(0, shapes.Length).ToEquatableArray(), attributes, d.Kind.ToString(), "x", null);
        return d.InferShape(new ShapeQuery(node, shapes, null, new List<DiagnosticInfo>()));
    }

    /// <summary>The broadcasting element-wise ops on pairs the sweep's small dimensions leave out, each way round (and for
    /// Where, as mask and branch): both paths give NumPy's shape, or both refuse.</summary>
    [Theory]
    [InlineData("4, 1", "3", "4, 3")]
    [InlineData("5, 1", "1, 5", "5, 5")]
    [InlineData("2, 1, 5", "1, 3, 1", "2, 3, 5")]
    [InlineData("2, 1, 4", "3, 1", "2, 3, 4")]
    [InlineData("1", "3, 4", "3, 4")]
    [InlineData("1, 1, 4", "4", "1, 1, 4")]
    [InlineData("3", "4", null)]
    [InlineData("2, 3", "3, 2", null)]
    [InlineData("2, 1, 4", "3, 5", null)]
    public void Element_wise_ops_broadcast_as_NumPy(string a, string b, string? expected)
    {
        int[] Parse(string text) => text.Split(", ").Select(int.Parse).ToArray();
        int[] x = Parse(a), y = Parse(b);
        int[]? want = expected is null ? null : Parse(expected);
        var broadcasting = Cases().Where(c => c.Op.Kind is OpKind.Add or OpKind.Sub or OpKind.Mul or OpKind.Div or OpKind.Maximum or OpKind.Minimum or OpKind.Where).ToList();
        Assert.Equal(7, broadcasting.Count);
        foreach (var (op, eager, attributes) in broadcasting)
        {
            var tuples = op.Kind == OpKind.Where
                ? new[] { new[] { x, y, y }, new[] { y, x, new[] { 1 } }, new[] { Array.Empty<int>(), y, x } }
                : new[] { new[] { x, y }, new[] { y, x } };
            foreach (var shapes in tuples)
            {
                string what = $"{op.Kind}({string.Join(", ", shapes.Select(ShapeQuery.Text))})";
                Assert.True(Same(want, EagerShape(eager, shapes)), $"{what}: eager {Text(EagerShape(eager, shapes))}, expected {Text(want)}");
                Assert.True(Same(want, CompiledShape(op, attributes, shapes)), $"{what}: generator {Text(CompiledShape(op, attributes, shapes))}, expected {Text(want)}");
            }
        }
        static bool Same(int[]? p, int[]? q) => p is null ? q is null : q is not null && p.SequenceEqual(q);
        static string Text(int[]? shape) => shape is null ? "refuses" : ShapeQuery.Text(shape);
    }

    [Fact]
    public void Shape_rules_of_the_generator_and_the_eager_ops_agree()
    {
        var all = Shapes().ToArray();
        var disagreements = new List<string>();
        var accepted = new Dictionary<OpKind, int>();
        var refused = new Dictionary<OpKind, int>();
        foreach (var (op, eager, attributes) in Cases())
        {
            int arity = Operands(op);
            IEnumerable<int[][]> tuples = arity switch
            {
                1 => all.Select(a => new[] { a }),
                2 => all.SelectMany(a => all.Select(b => new[] { a, b })),
                // Where: every mask, branch and other branch among the shapes of rank 2 or less.
                3 when op.Kind == OpKind.Where => all.Where(m => m.Length <= 2)
                    .SelectMany(m => all.SelectMany(a => all.Where(b => b.Length <= 2).Select(b => new[] { m, a, b }))),
                3 when op.Kind == OpKind.Conv2D => ConvolutionOperands(),
                // Attention: every query, and keys and values among the shapes of rank 2 or less.
                3 when op.Kind == OpKind.Attention => all.SelectMany(q => all.Where(k => k.Length <= 2)
                    .SelectMany(k => all.Where(v => v.Length <= 2).Select(v => new[] { q, k, v }))),
                // BatchNorm: x, and weight, running mean, running variance and bias of one shape of rank 2 or less,
                // or the bias of x's shape.
                5 => all.SelectMany(x => all.Where(p => p.Length <= 2).SelectMany(p => new[] { new[] { x, p, p, p, p }, new[] { x, p, p, p, x } })),
                // Linear and LayerNorm: x, a weight of rank 1 to 3, a bias of rank 0 to 2.
                _ => all.SelectMany(x => all.Where(w => w.Length >= 1 && w.Length <= 3)
                        .SelectMany(w => all.Where(b => b.Length <= 2).Select(b => new[] { x, w, b }))),
            };
            foreach (var shapes in tuples)
            {
                var expected = EagerShape(eager, shapes);
                var actual = CompiledShape(op, attributes, shapes);
                var counter = actual is not null ? accepted : refused;
                counter[op.Kind] = counter.GetValueOrDefault(op.Kind) + 1;
                bool same = expected is null ? actual is null : actual is not null && expected.SequenceEqual(actual);
                if (!same && disagreements.Count < 20)
                    disagreements.Add($"{op.Kind}({string.Join(", ", shapes.Select(ShapeQuery.Text))}): eager {(expected is null ? "refuses" : ShapeQuery.Text(expected))}, " +
                        $"generator {(actual is null ? "refuses" : ShapeQuery.Text(actual))}");
            }
        }
        foreach (var (op, _, _) in Cases())
        {
            // A sweep the op accepts entirely (or refuses entirely) would test nothing but one branch of its rule.
            Assert.True(accepted.GetValueOrDefault(op.Kind) > 0, $"{op.Kind} accepted none of the swept shapes");
            Assert.True(refused.GetValueOrDefault(op.Kind) > 0 || op.Is(OpTraits.ElementWise) && Operands(op) == 1 || op.Kind is OpKind.Sum or OpKind.Mean,
                $"{op.Kind} refused none of the swept shapes");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }
}
