using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>The products of a dense layer over a tile of sequences, called by generated code: sample s's input is a
/// <c>length x k</c> matrix at <c>x + s * xSample</c> (its rows contiguous, in the sample's workspace), its output a
/// <c>length x n</c> matrix at <c>y + s * ySample</c>. The tile's rows run as one product of <c>samples x length</c> rows
/// (<see cref="TileGemm"/>, with a <see cref="RowLayout"/> that finds each sample's rows where they are): each weight is
/// read once per tile instead of once per sample (a Transformer's weights do not stay in L2 between two samples' passes),
/// the forward product fills its register blocks, and dW sums over the whole tile in registers instead of being read and
/// written once per sample. Nothing is copied, except for a forward product too small for the packed kernel, whose rows
/// are gathered into one matrix first (rows x (k + n) copies).</summary>
public static class SequenceGemm
{
    /// <summary>y = x W^T (+ b) for every row of every sample of the tile (<see cref="TileGemm.Forward"/>).</summary>
    public static void Forward(ref float x, int xSample, ref float w, ref float bias, bool hasBias, ref float y, int ySample,
        int samples, int length, int n, int k, bool fixedWeights = false)
    {
        if (samples == 1) { TileGemm.Forward(ref x, k, ref w, ref bias, hasBias, ref y, n, length, n, k, fixedWeights); return; }
        int rows = samples * length;
        if (TileGemm.PacksRows(rows, n, k))
        {
            TileGemm.ForwardRows(ref x, new RowLayout(k, length, xSample), ref w, ref bias, hasBias, ref y, new RowLayout(n, length, ySample), rows, n, k, fixedWeights);
            return;
        }
        // The dot form reads rows a stride apart: gather them, run, scatter the outputs back.
        ref float xs = ref Scratch(rows * (k + n));
        ref float ys = ref Unsafe.Add(ref xs, rows * k);
        Gather(ref x, xSample, samples, length * k, ref xs);
        TileGemm.Forward(ref xs, k, ref w, ref bias, hasBias, ref ys, n, rows, n, k, fixedWeights);
        for (int s = 0; s < samples; s++)
            Span(ref ys, s * length * n, length * n).CopyTo(Span(ref y, s * ySample, length * n));
    }

    /// <summary><see cref="Forward(ref float, int, ref float, ref float, bool, ref float, int, int, int, int, int, bool)"/>
    /// for the first <c>live[s]</c> rows of each sample only (<see cref="LiveRows"/>: the loss reads nothing computed from
    /// the others); the other rows of y are set to zero, so what is computed from them downstream stays finite. The live
    /// rows are gathered into one matrix, multiplied and scattered back (rows x (k + n) copies); each is the product the
    /// full call computes, up to rounding (fewer rows may run on another kernel, which sums in another order).</summary>
    public static void Forward(ref float x, int xSample, ref float w, ref float bias, bool hasBias, ref float y, int ySample,
        int samples, int length, int n, int k, ReadOnlySpan<int> live)
    {
        int rows = LiveTotal(live, samples);
        if (rows == samples * length) { Forward(ref x, xSample, ref w, ref bias, hasBias, ref y, ySample, samples, length, n, k); return; }
        if (rows > 0)
        {
            ref float xs = ref Scratch(rows * (k + n));
            ref float ys = ref Unsafe.Add(ref xs, rows * k);
            for (int s = 0, at = 0; s < samples; at += live[s], s++) Span(ref x, s * xSample, live[s] * k).CopyTo(Span(ref xs, at * k, live[s] * k));
            TileGemm.Forward(ref xs, k, ref w, ref bias, hasBias, ref ys, n, rows, n, k);
            for (int s = 0, at = 0; s < samples; at += live[s], s++) Span(ref ys, at * n, live[s] * n).CopyTo(Span(ref y, s * ySample, live[s] * n));
        }
        for (int s = 0; s < samples; s++) Span(ref y, s * ySample + live[s] * n, (length - live[s]) * n).Clear();
    }

    /// <summary>dW += dz^T x and db += the column sums of dz over every row of the tile
    /// (<see cref="TileGemm.BackwardWeights"/>), summed in row order, sample by sample.</summary>
    public static void BackwardWeights(ref float dz, int dzSample, ref float x, int xSample, ref float dw, ref float db, bool hasBias,
        int samples, int length, int n, int k) =>
        TileGemm.BackwardWeightsRows(ref dz, new RowLayout(n, length, dzSample), ref x, new RowLayout(k, length, xSample), ref dw, ref db, hasBias,
            samples * length, n, k);

    /// <summary>dx += dz W for every sample of the tile (with <paramref name="overwrite"/>, dx = dz W), one sample at a
    /// time (rows are independent here, so nothing is gained by running them together; W stays in cache from one sample
    /// to the next).</summary>
    public static void BackwardInput(ref float dz, int dzSample, ref float w, ref float dx, int dxSample, int samples, int length, int n, int k,
        bool overwrite = false)
    {
        for (int s = 0; s < samples; s++)
            TileGemm.BackwardInput(ref Unsafe.Add(ref dz, s * dzSample), n, ref w, ref Unsafe.Add(ref dx, s * dxSample), k, length, n, k, overwrite);
    }

    /// <summary>For each sample of the tile, the rows the loss depends on, as a prefix: one past the last of its
    /// <paramref name="length"/> ids (sample s's at <c>ids + s * idsSample</c>, float-encoded) that is not
    /// <paramref name="skip"/> (a padding id, or a loss's ignore index); 0 for a sample of nothing but <paramref name="skip"/>.
    /// With <paramref name="combine"/>, the larger of that and what <paramref name="live"/> holds (rows some other
    /// consumer needs).</summary>
    public static void LiveRows(ref float ids, int idsSample, int samples, int length, float skip, Span<int> live, bool combine = false)
    {
        for (int s = 0; s < samples; s++)
        {
            ref float row = ref Unsafe.Add(ref ids, s * idsSample);
            int last = length;
            while (last > 0 && Unsafe.Add(ref row, last - 1) == skip) last--;
            live[s] = combine ? Math.Max(live[s], last) : last;
        }
    }

    /// <summary><see cref="BackwardWeights(ref float, int, ref float, int, ref float, ref float, bool, int, int, int, int)"/>
    /// over the first <c>live[s]</c> rows of each sample only (<see cref="LiveRows"/>): the rows past them have a zero
    /// dz (the loss does not depend on them), so their terms would add exact zeros. The live rows are gathered into one
    /// matrix of dz and one of x first (rows x (n + k) copies) and summed in the same order as the full product, so the
    /// result has the same bits.</summary>
    public static void BackwardWeights(ref float dz, int dzSample, ref float x, int xSample, ref float dw, ref float db, bool hasBias,
        int samples, int length, int n, int k, ReadOnlySpan<int> live)
    {
        int rows = LiveTotal(live, samples);
        if (rows == samples * length) { BackwardWeights(ref dz, dzSample, ref x, xSample, ref dw, ref db, hasBias, samples, length, n, k); return; }
        if (rows == 0) return;
        ref float dzs = ref Scratch(rows * (n + k));
        ref float xs = ref Unsafe.Add(ref dzs, rows * n);
        for (int s = 0, at = 0; s < samples; at += live[s], s++)
        {
            Span(ref dz, s * dzSample, live[s] * n).CopyTo(Span(ref dzs, at * n, live[s] * n));
            Span(ref x, s * xSample, live[s] * k).CopyTo(Span(ref xs, at * k, live[s] * k));
        }
        TileGemm.BackwardWeights(ref dzs, n, ref xs, k, ref dw, ref db, hasBias, rows, n, k);
    }

    /// <summary><see cref="BackwardInput(ref float, int, ref float, ref float, int, int, int, int, int, bool)"/> over the
    /// first <c>live[s]</c> rows of each sample (<see cref="LiveRows"/>): past them dz is zero, so dx gains nothing there
    /// (with <paramref name="overwrite"/>, those rows of dx are set to zero, as the full product would).</summary>
    public static void BackwardInput(ref float dz, int dzSample, ref float w, ref float dx, int dxSample, int samples, int length, int n, int k,
        ReadOnlySpan<int> live, bool overwrite = false)
    {
        for (int s = 0; s < samples; s++)
        {
            int rows = live[s];
            if (rows > 0) TileGemm.BackwardInput(ref Unsafe.Add(ref dz, s * dzSample), n, ref w, ref Unsafe.Add(ref dx, s * dxSample), k, rows, n, k, overwrite);
            if (overwrite && rows < length) Span(ref dx, s * dxSample + rows * k, (length - rows) * k).Clear();
        }
    }

    /// <summary>The rows of the tile's first <paramref name="samples"/> samples that <paramref name="live"/> keeps.</summary>
    private static int LiveTotal(ReadOnlySpan<int> live, int samples)
    {
        int rows = 0;
        for (int s = 0; s < samples; s++) rows += live[s];
        return rows;
    }

    /// <summary>Copies <paramref name="count"/> runs of <paramref name="length"/> floats, <paramref name="stride"/> apart,
    /// into one contiguous run.</summary>
    private static void Gather(ref float source, int stride, int count, int length, ref float destination)
    {
        for (int s = 0; s < count; s++) Span(ref source, s * stride, length).CopyTo(Span(ref destination, s * length, length));
    }

    private static Span<float> Span(ref float start, int offset, int length) => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, offset), length);

    private static ref float Scratch(int floats) => ref KernelScratch.Get(ScratchUse.SequenceRows, floats);
}
