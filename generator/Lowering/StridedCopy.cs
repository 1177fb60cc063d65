using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Emit;

namespace NetCompiler.Generator.Lowering;

/// <summary>Writes the loops that move a block of floats between two strided layouts: <c>dst[dstBase + sum(i_k *
/// dstStrides[k])] (=|+=) src[srcBase + sum(i_k * srcStrides[k])]</c> for every index i over <c>dims</c>. The views that
/// are not free (Permute, Slice, Concat) are one or two of these forward, and the same with source and destination
/// swapped, accumulating, backward. Dimensions that are contiguous on both sides are merged, and an innermost run that
/// is contiguous on both sides becomes a vector loop; every trip count and stride is a constant.</summary>
internal static class StridedCopy
{
    public static void Emit(SourceWriter w, int[] dims, string src, int[] srcStrides, int srcBase, string dst, int[] dstStrides, int dstBase, bool accumulate)
    {
        var (d, merged) = Merge(dims, srcStrides, dstStrides);
        int[] ss = merged[0], ds = merged[1];
        int rank = d.Length;
        bool vectorInner = rank > 0 && ss[rank - 1] == 1 && ds[rank - 1] == 1;
        int loops = vectorInner ? rank - 1 : rank;
        if (loops == 0) w.Open("");   // a block of its own: a view op may write two copies side by side
        for (int k = 0; k < loops; k++) w.Open($"for (int i{k} = 0; i{k} < {d[k]}; i{k}++)");
        if (vectorInner)
        {
            w.Line($"ref float from = ref Unsafe.Add(ref {src}, {Index(ss, srcBase, loops)});");
            w.Line($"ref float to = ref Unsafe.Add(ref {dst}, {Index(ds, dstBase, loops)});");
            VectorLoops.Map(w, d[rank - 1], "to", accumulate, (isa, i) => isa.Load("from", i));
        }
        else
            w.Line($"Unsafe.Add(ref {dst}, {Index(ds, dstBase, loops)}) {(accumulate ? "+=" : "=")} Unsafe.Add(ref {src}, {Index(ss, srcBase, loops)});");
        for (int k = 0; k < System.Math.Max(loops, 1); k++) w.Close();
    }

    /// <summary>The offset <c>base + i0 * strides[0] + ...</c> over the loop variables <c>i0</c> to <c>i(upTo - 1)</c>, as
    /// text.</summary>
    public static string Index(int[] strides, int baseOffset, int upTo)
    {
        var terms = new List<string>();
        if (baseOffset != 0) terms.Add(SourceWriter.Int(baseOffset));
        for (int k = 0; k < upTo; k++)
            if (strides[k] != 0) terms.Add(strides[k] == 1 ? $"i{k}" : $"i{k} * {strides[k]}");
        return terms.Count == 0 ? "0" : string.Join(" + ", terms);
    }

    /// <summary>The row-major strides of <paramref name="shape"/>.</summary>
    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int k = shape.Length - 1; k >= 0; k--) { strides[k] = s; s *= shape[k]; }
        return strides;
    }

    /// <summary>Drops dimensions of size 1 and merges each dimension into the one before it when every layout steps over
    /// the pair as over one dimension (stride before = stride * size, which holds for a contiguous pair and for a pair
    /// that a layout repeats, stride 0 on both). Returns the remaining dimensions and each layout's strides along them.</summary>
    public static (int[] Dims, int[][] Strides) Merge(int[] dims, params int[][] strides)
    {
        var d = new List<int>();
        var s = strides.Select(_ => new List<int>()).ToArray();
        for (int k = 0; k < dims.Length; k++)
        {
            if (dims[k] == 1) continue;
            int last = d.Count - 1;
            if (last >= 0 && Enumerable.Range(0, strides.Length).All(j => s[j][last] == strides[j][k] * dims[k]))
            {
                d[last] *= dims[k];
                for (int j = 0; j < strides.Length; j++) s[j][last] = strides[j][k];
                continue;
            }
            d.Add(dims[k]);
            for (int j = 0; j < strides.Length; j++) s[j].Add(strides[j][k]);
        }
        return (d.ToArray(), s.Select(l => l.ToArray()).ToArray());
    }
}
