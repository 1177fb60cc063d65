using System;

namespace NetCompiler;

public static partial class Ops
{
    /// <summary>T5's relative position bias: a learned scalar per head for each bucket of the relative position j - i
    /// of key j from query i, as the [heads, queries, keys] bias of <see cref="Attention"/>'s scores (Hugging Face's
    /// <c>T5Attention.compute_bias</c>: <c>relative_attention_bias(buckets).permute(2, 0, 1)</c>).
    /// <paramref name="table"/> is [buckets, heads] (declare it as <c>[Embedding(buckets, heads)] Embedding
    /// relative_attention_bias</c> and pass its <c>Weight</c>, so the parameter is named as in T5's checkpoints); the
    /// buckets are <see cref="RelativePositions.Bucket"/>'s: bidirectional for an encoder (keys on both sides, half the
    /// buckets each), one-sided for a causal decoder; exact up to half of a side's buckets, then logarithmic up to
    /// <paramref name="maxDistance"/>, beyond which all distances share the last bucket. Backward adds each element's
    /// gradient into the table entry it was read from. T5 computes the bias in the first layer and shares it with the
    /// others: compute it once and pass it to every layer's attention.</summary>
    /// <exception cref="ArgumentException">The table is not [buckets, heads] with at least 2 buckets (4 when
    /// bidirectional), queries or keys below 1, or a maximum distance not above a side's exact buckets.</exception>
    public static Tensor RelativePositionBias(Tensor table, int queries, int keys, bool bidirectional = true, int maxDistance = 128)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Shape.Length != 2)
            throw new ArgumentException($"RelativePositionBias: the table must be [buckets, heads], got {Shapes.Describe(table)}.");
        int buckets = table.Shape[0], heads = table.Shape[1];
        if (RelativePositions.Check(buckets, queries, keys, bidirectional, maxDistance) is { } problem)
            throw new ArgumentException($"RelativePositionBias: {problem}.");
        int perSample = buckets * heads, diagonals = queries + keys - 1, size = heads * queries * keys;
        var bucketOf = new int[diagonals];   // by j - i + queries - 1
        for (int d = 0; d < diagonals; d++) bucketOf[d] = RelativePositions.Bucket(d - (queries - 1), bidirectional, buckets, maxDistance);
        int samples = Shapes.Samples(table.Batch);
        var result = Tensor.Result(table.Batch, [heads, queries, keys], [table], r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dt = table.Gradient;
            for (int s = 0; s < samples; s++)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < queries; i++)
                        for (int j = 0; j < keys; j++)
                            dt[s * perSample + bucketOf[j - i + queries - 1] * heads + h] += dy[s * size + (h * queries + i) * keys + j];
        });
        ReadOnlySpan<float> tv = table.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < queries; i++)
                    for (int j = 0; j < keys; j++)
                        y[s * size + (h * queries + i) * keys + j] = tv[s * perSample + bucketOf[j - i + queries - 1] * heads + h];
        return result;
    }
}

/// <summary>T5's bucketing of relative positions, shared by the eager <see cref="Ops.RelativePositionBias"/> and the
/// generated code, so both read the same table entries.</summary>
public static class RelativePositions
{
    /// <summary>The bucket of relative position <paramref name="relative"/> = key - query (Hugging Face's
    /// <c>_relative_position_bucket</c>, in the same float arithmetic). Bidirectional: the buckets split in halves, the
    /// upper half for keys after the query; one-sided (a causal decoder): keys after the query share bucket 0 with the
    /// query itself. Within a side of n buckets, distances below n / 2 have a bucket each, larger ones
    /// n / 2 + floor(log(distance / (n / 2)) / log(maxDistance / (n / 2)) (n - n / 2)), at most n - 1.</summary>
    public static int Bucket(int relative, bool bidirectional, int buckets, int maxDistance)
    {
        int bucket = 0, n = buckets, distance;
        if (bidirectional)
        {
            n /= 2;
            if (relative > 0) bucket = n;
            distance = Math.Abs(relative);
        }
        else distance = Math.Max(-relative, 0);
        int exact = n / 2;
        if (distance < exact) return bucket + distance;
        // float32 as torch computes it: log(distance / exact) / log(maxDistance / exact) * (n - exact), truncated.
        float scaled = MathF.Log((float)distance / exact) / (float)Math.Log((double)maxDistance / exact) * (n - exact);
        return bucket + Math.Min(exact + (int)scaled, n - 1);
    }

    /// <summary>Why the arguments of a relative position bias are refused, or null when they are fine (the generator
    /// reports the same rule at compile time).</summary>
    public static string? Check(int buckets, int queries, int keys, bool bidirectional, int maxDistance)
    {
        int minimum = bidirectional ? 4 : 2, exact = (bidirectional ? buckets / 2 : buckets) / 2;
        if (buckets < minimum) return $"{buckets} buckets; a {(bidirectional ? "bidirectional" : "one-sided")} bias needs at least {minimum}";
        if (queries < 1 || keys < 1) return $"{queries} queries and {keys} keys; both must be at least 1";
        if (maxDistance <= exact) return $"maximum distance {maxDistance}; it must exceed the {exact} distances that have a bucket each";
        return null;
    }
}
