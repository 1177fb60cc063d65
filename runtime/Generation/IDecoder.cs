using System;

namespace NetCompiler;

/// <summary>A network compiled with <c>[Network(Decoder = true)]</c>: besides its full forward over T tokens, a decoder
/// step that computes the output row of one new position per sequence from that position's token and the sequence's
/// KV cache (the keys and values its earlier positions left), in O(position) work instead of re-running all T rows.
/// <see cref="TokenGenerator"/> drives it.</summary>
public interface IDecoder
{
    /// <summary>T: positions a sequence may hold (the definition's input length), 0 to T - 1.</summary>
    int Context { get; }

    /// <summary>Floats of one decoded row (the logits over the vocabulary, for a language model).</summary>
    int RowSize { get; }

    /// <summary>Token ids the network accepts: 0 to TokenCount - 1.</summary>
    int TokenCount { get; }

    /// <summary>One step for each row i: sequence <c>slots[i]</c> (a KV cache slot, 0 or more) reads token
    /// <c>tokens[i]</c> at position <c>positions[i]</c> and writes its output row to <c>outputs[i RowSize ..]</c>. A slot's
    /// positions are decoded in order: position p needs positions 0..p - 1 of the same slot decoded before it (by this
    /// or earlier calls); decoding position p again (0 restarts the sequence) forgets the positions after it. The cache
    /// grows when a call names a slot beyond those seen; otherwise nothing is allocated.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, <paramref name="outputs"/> is too short, a token,
    /// position or slot is out of range, or a position skips ahead of what its slot holds.</exception>
    void Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, Span<float> outputs);

    /// <summary><see cref="Decode"/> without the output rows: each row only adds its position to its slot's KV cache,
    /// as a prompt's tokens before the last need (their predictions are of known tokens). Skips the work after the last
    /// cache write (for a GPT, the last block's attention output projection and MLP, the final norm and the head); the
    /// cache then holds what <see cref="Decode"/> would have left, bit for bit.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or a token, position or slot is out of range or
    /// skips ahead, as for <see cref="Decode"/>.</exception>
    void Prefill(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions);

    /// <summary>Makes KV cache slot <paramref name="destination"/> a copy of slot <paramref name="source"/>: its decoded
    /// positions (and, for an <see cref="IEncoderDecoder"/>, its source), so that both continue the same sequence (a beam
    /// search's beams). Grows the cache when <paramref name="destination"/> is beyond the slots seen.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> was never used, or a slot is negative.</exception>
    void CopySlot(int source, int destination);
}
