using System;
using System.Numerics.Tensors;

namespace NetCompiler;

public static partial class Ops
{
    /// <summary>Rows of <paramref name="table"/> [V, D] picked by <paramref name="ids"/> (shape S): the result has shape
    /// S + [D], row i being <c>table[ids[i], :]</c> (PyTorch's <c>F.embedding(ids, table)</c>). The table may be
    /// unbatched (a parameter, shared by the batch) or batched like the ids. Backward adds each row's gradient into the
    /// row it was read from (<c>dtable[ids[i], :] += dy[i, :]</c>); the ids get none.</summary>
    /// <exception cref="ArgumentException">The table is not rank 2, an id is not below V, or the batches differ.</exception>
    public static Tensor Gather(Tensor table, Tokens ids)
    {
        const string op = "Gather";
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ids);
        if (table.Shape.Length != 2)
            throw new ArgumentException($"{op}: the table must be [rows, features], got {Shapes.Describe(table)}.");
        int rows = table.Shape[0], width = table.Shape[1];
        if (table.Batch > 0 && table.Batch != ids.Batch)
            throw new ArgumentException($"{op}: the table {Shapes.Describe(table)} and the ids {ids} have different batches.");
        int n = ids.SampleSize, tableSize = rows * width;
        ReadOnlySpan<int> idv = ids.Values;
        for (int i = 0; i < idv.Length; i++)
            if ((uint)idv[i] >= (uint)rows)
                throw new ArgumentException($"{op}: id {idv[i]} (sample {i / n}, position {i % n}) is not below the table's {rows} rows.");

        int[] shape = [.. ids.Shape, width];
        var result = Tensor.Result(ids.Batch, shape, new[] { table }, r =>
        {
            ReadOnlySpan<int> id = ids.Values;
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dt = table.Gradient;
            for (int i = 0; i < id.Length; i++)
            {
                var row = dt.Slice(Shapes.SampleOf(table, i / n) * tableSize + id[i] * width, width);
                TensorPrimitives.Add(row, dy.Slice(i * width, width), row);
            }
        });
        ReadOnlySpan<float> tv = table.Values;
        Span<float> y = result.Values;
        for (int i = 0; i < idv.Length; i++)
            tv.Slice(Shapes.SampleOf(table, i / n) * tableSize + idv[i] * width, width).CopyTo(y.Slice(i * width, width));
        return result;
    }
}
