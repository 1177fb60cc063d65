using System;

namespace NetCompiler;

public static partial class Ops
{
    /// <summary>A result whose element o of every sample is element <c>map[o]</c> of <paramref name="x"/>'s sample
    /// (Reshape, Permute and Slice are such index maps): forward copies, backward adds each gradient element back
    /// where it came from.</summary>
    private static Tensor Mapped(Tensor x, int[] shape, int[] map)
    {
        int n = map.Length, m = x.SampleSize, samples = Shapes.Samples(x.Batch);
        var result = Tensor.Result(x.Batch, shape, new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
                for (int o = 0; o < n; o++) dx[s * m + map[o]] += dy[s * n + o];
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++)
            for (int o = 0; o < n; o++) y[s * n + o] = xv[s * m + map[o]];
        return result;
    }

    /// <summary>Row-major strides of a shape.</summary>
    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        for (int k = shape.Length - 1, s = 1; k >= 0; s *= shape[k], k--) strides[k] = s;
        return strides;
    }

    /// <summary>For each element of a result of shape <paramref name="shape"/>, the source index sum(i_k * strides[k]) + start.</summary>
    private static int[] IndexMap(int[] shape, int[] sourceStrides, int start)
    {
        var map = new int[Shapes.Size(shape)];
        var index = new int[shape.Length];
        for (int o = 0; o < map.Length; o++)
        {
            int source = start;
            for (int k = 0; k < shape.Length; k++) source += index[k] * sourceStrides[k];
            map[o] = source;
            for (int k = shape.Length - 1; k >= 0 && ++index[k] == shape[k]; k--) index[k] = 0;
        }
        return map;
    }

    /// <summary><paramref name="axis"/> counted from the front of a rank-<paramref name="rank"/> shape (negative counts from the end).</summary>
    private static int Axis(string op, int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentException($"{op}: {axis} is not an axis of a rank-{rank} shape (use 0 to {rank - 1}, or -{rank} to -1 from the end).");
        return a;
    }

    // ---- Reshape -------------------------------------------------------------------------------------------------

    /// <summary>The same elements in the same order with per-sample shape [d0]; -1 infers the dimension.</summary>
    /// <exception cref="ArgumentException">The number of elements differs.</exception>
    public static Tensor Reshape(Tensor x, int d0) => ReshapeTo(x, [d0]);

    /// <summary>The same elements in the same order with per-sample shape [d0, d1]; one dimension may be -1 (inferred).</summary>
    /// <exception cref="ArgumentException">The number of elements differs, or a dimension is 0 or below -1.</exception>
    public static Tensor Reshape(Tensor x, int d0, int d1) => ReshapeTo(x, [d0, d1]);

    /// <summary>The same elements in the same order with per-sample shape [d0, d1, d2]; one dimension may be -1 (inferred).</summary>
    /// <exception cref="ArgumentException">The number of elements differs, or a dimension is 0 or below -1.</exception>
    public static Tensor Reshape(Tensor x, int d0, int d1, int d2) => ReshapeTo(x, [d0, d1, d2]);

    /// <summary>The same elements in the same order with per-sample shape [d0, d1, d2, d3]; one dimension may be -1 (inferred).</summary>
    /// <exception cref="ArgumentException">The number of elements differs, or a dimension is 0 or below -1.</exception>
    public static Tensor Reshape(Tensor x, int d0, int d1, int d2, int d3) => ReshapeTo(x, [d0, d1, d2, d3]);

    private static Tensor ReshapeTo(Tensor x, int[] dims)
    {
        int inferred = Array.IndexOf(dims, -1);
        if (Array.FindAll(dims, d => d == -1).Length > 1 || Array.Exists(dims, d => d == 0 || d < -1))
            throw new ArgumentException($"Reshape to {Shapes.Text(dims)}: dimensions must be positive, with at most one -1 (inferred).");
        long known = 1;
        foreach (int d in dims) if (d > 0) known *= d;
        if (inferred >= 0)
        {
            if (x.SampleSize % known != 0)
                throw new ArgumentException($"Reshape of {Shapes.Describe(x)} to {Shapes.Text(dims)}: {x.SampleSize} is not a multiple of {known}.");
            dims[inferred] = (int)(x.SampleSize / known);
        }
        else if (known != x.SampleSize)
            throw new ArgumentException($"Reshape of {Shapes.Describe(x)} ({x.SampleSize} elements) to {Shapes.Text(dims)} ({known} elements): the number of elements must stay the same.");
        var map = new int[x.SampleSize];
        for (int i = 0; i < map.Length; i++) map[i] = i;
        return Mapped(x, dims, map);
    }

    // ---- Permute -------------------------------------------------------------------------------------------------

    /// <summary>Reorders the axes of a rank-2 sample: axis k of the result is axis a_k of x (PyTorch's <c>permute</c>).</summary>
    /// <exception cref="ArgumentException">The axes are not a permutation of x's.</exception>
    public static Tensor Permute(Tensor x, int a0, int a1) => PermuteTo(x, [a0, a1]);

    /// <summary>Reorders the axes of a rank-3 sample: axis k of the result is axis a_k of x (PyTorch's <c>permute</c>).</summary>
    /// <exception cref="ArgumentException">The axes are not a permutation of x's.</exception>
    public static Tensor Permute(Tensor x, int a0, int a1, int a2) => PermuteTo(x, [a0, a1, a2]);

    /// <summary>Reorders the axes of a rank-4 sample: axis k of the result is axis a_k of x (PyTorch's <c>permute</c>).</summary>
    /// <exception cref="ArgumentException">The axes are not a permutation of x's.</exception>
    public static Tensor Permute(Tensor x, int a0, int a1, int a2, int a3) => PermuteTo(x, [a0, a1, a2, a3]);

    private static Tensor PermuteTo(Tensor x, int[] axes)
    {
        int rank = x.Shape.Length;
        if (axes.Length != rank)
            throw new ArgumentException($"Permute of {Shapes.Describe(x)} needs {rank} axes, got {Shapes.Text(axes)}.");
        var order = new int[rank];
        var seen = new bool[rank];
        for (int k = 0; k < rank; k++)
        {
            order[k] = Axis("Permute", axes[k], rank);
            if (seen[order[k]]) throw new ArgumentException($"Permute's axes {Shapes.Text(axes)} name an axis twice.");
            seen[order[k]] = true;
        }
        var strides = Strides(x.Shape);
        var shape = new int[rank];
        var sourceStrides = new int[rank];
        for (int k = 0; k < rank; k++) { shape[k] = x.Shape[order[k]]; sourceStrides[k] = strides[order[k]]; }
        return Mapped(x, shape, IndexMap(shape, sourceStrides, 0));
    }

    // ---- Slice, Split and Concat ---------------------------------------------------------------------------------

    /// <summary><paramref name="length"/> entries of x from <paramref name="start"/> along <paramref name="axis"/> (PyTorch's
    /// <c>narrow</c>; a negative axis or start counts from the end: <c>Slice(h, 0, -1, 1)</c> is the last row).</summary>
    /// <exception cref="ArgumentException">The axis or range is outside x's shape.</exception>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"Slice needs a tensor of rank 1 or more, got {Shapes.Describe(x)}.");
        int a = Axis("Slice", axis, x.Shape.Length);
        int from = start < 0 ? start + x.Shape[a] : start;
        if (from < 0 || length <= 0 || (long)from + length > x.Shape[a])
            throw new ArgumentException($"Slice of {Shapes.Describe(x)} takes {length} entries from {start} along axis {axis}, which has {x.Shape[a]}.");
        start = from;
        var shape = (int[])x.Shape.Clone();
        shape[a] = length;
        var strides = Strides(x.Shape);
        return Mapped(x, shape, IndexMap(shape, strides, start * strides[a]));
    }

    /// <summary>x cut along <paramref name="axis"/> into consecutive pieces of the given <paramref name="sizes"/>, which
    /// must add up to the axis (PyTorch's <c>split</c> with a list of sizes; a negative axis counts from the end). Each
    /// piece is a <see cref="Slice"/>, so the gradients of all pieces add into x's. Three pieces deconstruct:
    /// <c>var (q, k, v) = Split(qkv, -1, d, d, d);</c>.</summary>
    /// <exception cref="ArgumentException">The axis is outside x's shape, no size is given, a size is below 1, or the
    /// sizes do not add up to the axis.</exception>
    public static Tensor[] Split(Tensor x, int axis, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (x.Shape.Length == 0) throw new ArgumentException($"Split needs a tensor of rank 1 or more, got {Shapes.Describe(x)}.");
        int a = Axis("Split", axis, x.Shape.Length);
        if (sizes.Length == 0) throw new ArgumentException("Split needs the size of each piece, e.g. Split(x, 0, 8, 8, 8).", nameof(sizes));
        long total = 0;
        foreach (int size in sizes)
        {
            if (size < 1) throw new ArgumentException($"Split of {Shapes.Describe(x)} into {string.Join(" + ", sizes)}: every size must be at least 1.", nameof(sizes));
            total += size;
        }
        if (total != x.Shape[a])
            throw new ArgumentException($"Split of {Shapes.Describe(x)} along axis {axis} into {string.Join(" + ", sizes)} = {total}: the sizes must add up to {x.Shape[a]}.", nameof(sizes));
        var pieces = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) pieces[i] = Slice(x, axis, start, sizes[i]);
        return pieces;
    }

    /// <summary><paramref name="a"/> then <paramref name="b"/> along <paramref name="axis"/> (PyTorch's <c>cat</c>); every
    /// other dimension must agree. Either may be unbatched (broadcast over the other's batch).</summary>
    /// <exception cref="ArgumentException">Ranks or other dimensions differ, the axis is out of range, or the batches differ.</exception>
    public static Tensor Concat(Tensor a, Tensor b, int axis)
    {
        const string op = "Concat";
        if (a.Shape.Length == 0 || a.Shape.Length != b.Shape.Length)
            throw new ArgumentException($"{op} needs two tensors of the same rank (1 or more), got {Shapes.Describe(a)} and {Shapes.Describe(b)}.");
        int ax = Axis(op, axis, a.Shape.Length);
        for (int k = 0; k < a.Shape.Length; k++)
            if (k != ax && a.Shape[k] != b.Shape[k])
                throw new ArgumentException($"{op} along axis {ax} of {Shapes.Describe(a)} and {Shapes.Describe(b)}: axis {k} differs.");
        int batch = Shapes.Batch(op, a, b);
        var shape = (int[])a.Shape.Clone();
        shape[ax] = a.Shape[ax] + b.Shape[ax];
        var outStrides = Strides(shape);
        // Where each element of a and of b lands in the result.
        int[] mapA = IndexMap(a.Shape, outStrides, 0), mapB = IndexMap(b.Shape, outStrides, a.Shape[ax] * outStrides[ax]);
        int n = Shapes.Size(shape), samples = Shapes.Samples(batch);
        var result = Tensor.Result(batch, shape, new[] { a, b }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            foreach (var (part, map) in new[] { (a, mapA), (b, mapB) })
            {
                if (!part.RequiresGrad) continue;
                Span<float> dp = part.Gradient;
                for (int s = 0; s < samples; s++)
                    for (int i = 0; i < map.Length; i++) dp[Shapes.SampleOf(part, s) * map.Length + i] += dy[s * n + map[i]];
            }
        });
        Span<float> y = result.Values;
        foreach (var (part, map) in new[] { (a, mapA), (b, mapB) })
        {
            ReadOnlySpan<float> pv = part.Values;
            for (int s = 0; s < samples; s++)
                for (int i = 0; i < map.Length; i++) y[s * n + map[i]] = pv[Shapes.SampleOf(part, s) * map.Length + i];
        }
        return result;
    }
}
