using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Tests.Generator;

/// <summary>Per-sample shape arithmetic for the random definitions: sizes, broadcasting, axes (written
/// negative at random) and random shapes of a given size.</summary>
internal static class RandomShapes
{
    public static int Size(IReadOnlyList<int> shape) => shape.Aggregate(1, (a, b) => a * b);

    public static string Text(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The dimensions as attribute or call arguments: <c>2, 3, 4</c>.</summary>
    public static string Args(IEnumerable<int> dims) => string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Whether <paramref name="small"/> is a suffix of <paramref name="large"/> (the MatMul rule for leading
    /// dimensions).</summary>
    public static bool IsSuffix(IReadOnlyList<int> small, IReadOnlyList<int> large) =>
        small.Count <= large.Count && small.SequenceEqual(large.Skip(large.Count - small.Count));

    /// <summary>The element-wise broadcast of two shapes (NumPy's: aligned at the last dimension, each pair equal or one
    /// of them 1, the larger taken), or null when they do not broadcast.</summary>
    public static int[]? Broadcast(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int rank = Math.Max(a.Count, b.Count);
        var shape = new int[rank];
        for (int k = 1; k <= rank; k++)
        {
            int x = k <= a.Count ? a[a.Count - k] : 1, y = k <= b.Count ? b[b.Count - k] : 1;
            if (x != y && x != 1 && y != 1) return null;
            shape[rank - k] = Math.Max(x, y);
        }
        return shape;
    }

    /// <summary>Whether <paramref name="operand"/> broadcasts to <paramref name="result"/> as a suffix (after its leading
    /// 1s): repeated whole over leading dimensions, not along a dimension of 1 inside it.</summary>
    public static bool IsSuffixBroadcast(IReadOnlyList<int> operand, IReadOnlyList<int> result) =>
        IsSuffix(operand.SkipWhile(d => d == 1).ToArray(), result);

    /// <summary>A random shape of 1 to 3 dimensions, each from 1 to <paramref name="maxDim"/>.</summary>
    public static int[] Random(Random rng, int maxDim)
    {
        int rank = rng.Next(1, 4);
        return Enumerable.Range(0, rank).Select(_ => rng.Next(1, maxDim + 1)).ToArray();
    }

    /// <summary>A random shape of <paramref name="rank"/> dimensions holding exactly <paramref name="size"/> elements.</summary>
    public static int[] Factor(Random rng, int size, int rank)
    {
        var dims = new int[rank];
        int rest = size;
        for (int k = 0; k < rank - 1; k++)
        {
            var divisors = Enumerable.Range(1, rest).Where(d => rest % d == 0).ToArray();
            dims[k] = divisors[rng.Next(divisors.Length)];
            rest /= dims[k];
        }
        dims[rank - 1] = rest;
        return dims;
    }

    /// <summary>A random image shape [C, H, W]: 1, 2, 3, 4 or 6 channels, sides from 2 to 8 or (half the time) from 6 to 16, at
    /// most <paramref name="maxElements"/> elements.</summary>
    public static int[] Image(Random rng, int maxElements)
    {
        while (true)
        {
            bool large = rng.NextDouble() < 0.5;
            var shape = new[] { new[] { 1, 2, 3, 4, 6 }[rng.Next(5)], large ? rng.Next(6, 17) : rng.Next(2, 9), large ? rng.Next(6, 17) : rng.Next(2, 9) };
            if (Size(shape) <= maxElements) return shape;
        }
    }

    /// <summary>A random [C, H, W] holding exactly <paramref name="size"/> elements: one with both sides at least 2 and
    /// at most 6 channels when <paramref name="size"/> has one, else any.</summary>
    public static int[] ImageOf(Random rng, int size)
    {
        var all = (from c in Enumerable.Range(1, size) where size % c == 0
                   from h in Enumerable.Range(1, size / c) where size / c % h == 0
                   select new[] { c, h, size / c / h }).ToList();
        var good = all.Where(s => s[0] <= 6 && s[1] >= 2 && s[2] >= 2).ToList();
        var from = good.Count > 0 ? good : all;
        return from[rng.Next(from.Count)];
    }

    /// <summary>PyTorch's convolution output size, floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1, or
    /// 0 when the dilated kernel does not fit the padded size (pooling: dilation 1).</summary>
    public static int ConvOutput(int size, int kernel, int stride, int padding, int dilation)
    {
        int span = size + 2 * padding - dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }

    /// <summary>An axis of a rank-<paramref name="rank"/> shape as written in a definition: as is, or counted from the
    /// end (negative) about a third of the time.</summary>
    public static int Written(Random rng, int axis, int rank) => rng.NextDouble() < 0.35 ? axis - rank : axis;

    /// <summary>A random permutation of <c>0 .. rank-1</c> that is not the identity (rank 2 or more).</summary>
    public static int[] Permutation(Random rng, int rank)
    {
        while (true)
        {
            var axes = Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).ToArray();
            if (!axes.SequenceEqual(Enumerable.Range(0, rank))) return axes;
        }
    }

    /// <summary><paramref name="shape"/> without <paramref name="axis"/>, or with 1 there when <paramref name="keep"/>.</summary>
    public static int[] Reduce(IReadOnlyList<int> shape, int axis, bool keep) =>
        keep ? shape.Select((d, k) => k == axis ? 1 : d).ToArray() : shape.Where((_, k) => k != axis).ToArray();

    /// <summary><paramref name="shape"/> with <paramref name="value"/> at <paramref name="axis"/>.</summary>
    public static int[] With(IReadOnlyList<int> shape, int axis, int value) => shape.Select((d, k) => k == axis ? value : d).ToArray();

    /// <summary>The start of a random definition's source: usings, namespace, a summary, and the opened [Network] class.</summary>
    public static System.Text.StringBuilder OpenNetwork(string ns, string className, string summary)
    {
        var s = new System.Text.StringBuilder();
        s.AppendLine("using NetCompiler;");
        s.AppendLine("using static NetCompiler.Ops;");
        s.AppendLine();
        s.AppendLine($"namespace {ns};");
        s.AppendLine();
        s.AppendLine($"/// <summary>{summary}</summary>");
        s.AppendLine("[Network]");
        s.AppendLine($"public partial class {className}");
        s.AppendLine("{");
        return s;
    }

    /// <summary>Ends what <see cref="OpenNetwork"/> began: the [Loss] method of <paramref name="loss"/> with the target
    /// parameter <paramref name="target"/>, and the class's closing brace; returns the source.</summary>
    public static string CloseNetwork(System.Text.StringBuilder s, RandomLoss loss, string target)
    {
        string op = loss switch
        {
            RandomLoss.BinaryCrossEntropy => "BinaryCrossEntropy",
            RandomLoss.MeanSquaredError => "MeanSquaredError",
            RandomLoss.QuadraticCost => "QuadraticCost",
            _ => "CrossEntropy",
        };
        s.AppendLine($"    [Loss] static Tensor Loss(Tensor y, {target}) => {op}(y, target);");
        s.AppendLine("}");
        return s.ToString();
    }
}
