using System;

namespace NetCompiler;

/// <summary>Integer ids per sample (token ids, class indices): the type of a <see cref="ForwardAttribute"/> parameter
/// that holds ids rather than values, e.g. <c>[Forward] Tensor F([Shape(64)] Tokens text)</c>, and of the index operand
/// of <see cref="Ops.Gather"/>. Ids only select rows, so there is no arithmetic on them and no gradient. Shapes are per
/// sample, like <see cref="Tensor"/>'s.</summary>
/// <remarks>In the flat sample buffers of <see cref="INetwork"/> an id travels as a float holding an integer (as class
/// indices of a target do), exact up to 2^24 = 16,777,216: vocabularies stay far below.</remarks>
public sealed class Tokens
{
    /// <summary>The largest id a float-encoded input carries exactly (2^24).</summary>
    public const int MaxId = 1 << 24;

    private readonly int[] _ids;

    private Tokens(int batch, int[] shape, int available)
    {
        foreach (int d in shape)
            if (d <= 0) throw new ArgumentException($"Dimensions must be positive, got {Shapes.Text(shape)}.", nameof(shape));
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        long needed = (long)batch * Shapes.Size(shape);
        if (needed > available) throw new ArgumentException($"Need {needed} ids for batch {batch} of {Shapes.Text(shape)}, got {available}.");
        _ids = new int[needed]; Batch = batch; Shape = shape; SampleSize = Shapes.Size(shape);
    }

    /// <summary>The per-sample shape.</summary>
    public int[] Shape { get; }

    /// <summary>Number of samples.</summary>
    public int Batch { get; }

    /// <summary>Ids per sample.</summary>
    public int SampleSize { get; }

    /// <summary>All ids, sample after sample.</summary>
    public ReadOnlySpan<int> Values => _ids;

    /// <summary>Copies <paramref name="batch"/> samples of ids of shape <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">Too few ids, or a negative one.</exception>
    public static Tokens FromBatch(ReadOnlySpan<int> ids, int batch, params int[] shape)
    {
        var result = new Tokens(batch, shape, ids.Length);
        ids.Slice(0, result._ids.Length).CopyTo(result._ids);
        foreach (int id in result._ids)
            if (id < 0) throw new ArgumentException($"A token id must not be negative, got {id}.", nameof(ids));
        return result;
    }

    /// <summary>Copies <paramref name="batch"/> samples of float-encoded ids (each an integer in [0, 2^24]).</summary>
    /// <exception cref="ArgumentException">Too few values, or one that is not such an integer (NaN, fractional, negative).</exception>
    public static Tokens FromBatch(ReadOnlySpan<float> ids, int batch, params int[] shape)
    {
        var result = new Tokens(batch, shape, ids.Length);
        for (int i = 0; i < result._ids.Length; i++)
        {
            float v = ids[i];
            if (!(v >= 0f && v <= MaxId && v == MathF.Floor(v)))
                throw new ArgumentException($"Token id {v} (element {i}) is not an integer in [0, {MaxId}].", nameof(ids));
            result._ids[i] = (int)v;
        }
        return result;
    }

    /// <summary>The shape and batch as text, e.g. <c>Tokens[B=4; 16]</c>.</summary>
    public override string ToString() => $"Tokens[B={Batch}; {string.Join(", ", Shape)}]";
}
