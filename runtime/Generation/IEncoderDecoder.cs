using System;

namespace NetCompiler;

/// <summary>A compiled encoder-decoder with <c>[Network(Decoder = true)]</c> (a T5-style network whose <c>[Forward]</c>
/// takes a source and a target sequence of token ids): <see cref="Encode"/> runs everything that depends on the source
/// alone (the encoder, the cross-attentions' keys and values, the source's padding) once per sequence and keeps it in the
/// sequence's KV cache slot; then <see cref="IDecoder.Decode"/> computes one target position at a time from it, the
/// target's own cached keys and values, and the position's token.</summary>
public interface IEncoderDecoder : IDecoder
{
    /// <summary>S: source ids per sequence (the source input's length; pad shorter sources as the network was trained).</summary>
    int SourceLength { get; }

    /// <summary>Source ids the network accepts: 0 to SourceTokenCount - 1.</summary>
    int SourceTokenCount { get; }

    /// <summary>Encodes one source per slot: <c>sources[i S .. (i + 1) S]</c> into slot <c>slots[i]</c>, which then holds
    /// that source and no decoded position (decode it from position 0). The cache grows when a slot is beyond those seen;
    /// otherwise nothing is allocated.</summary>
    /// <exception cref="ArgumentException">The sources are not S ids per slot, an id is out of range, or a slot is negative.</exception>
    void Encode(ReadOnlySpan<int> slots, ReadOnlySpan<int> sources);
}
