using System;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Text;

/// <summary>Samples text from a trained <see cref="FortuneGpt"/> through its compiled decoder (<see cref="IDecoder"/>):
/// <see cref="TokenGenerator"/> reads the prompt one character at a time into the KV cache, then draws each next
/// character with a <see cref="TokenSampler"/> (softmax of the logits / temperature among the top-k) and feeds it back,
/// so a character costs one position's work, not a re-run of the whole window. Past the 128-character context the cache
/// restarts from the last 64 characters (see <see cref="TokenGenerator"/>).</summary>
public sealed class GptSampler
{
    private readonly TokenGenerator _generator;
    private readonly TokenSampler _sampler;

    /// <summary>A sampler over <paramref name="network"/>'s current parameters.</summary>
    /// <param name="network">The language model.</param>
    /// <param name="temperature">Divides the logits: below 1 sharper (more predictable text), above 1 flatter; positive.</param>
    /// <param name="topK">Draw among this many most likely characters only (1: greedy), from 1 to <see cref="CharVocabulary.Size"/>.</param>
    /// <param name="seed">Seeds the draws: the same seed, prompt and parameters give the same text.</param>
    /// <exception cref="ArgumentOutOfRangeException">The temperature or top-k is out of range.</exception>
    public GptSampler(FortuneGpt network, float temperature, int topK, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(temperature > 0f) || !float.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topK, CharVocabulary.Size);
        _generator = new TokenGenerator(network);
        _sampler = new TokenSampler(CharVocabulary.Size, temperature, topK, (ulong)(uint)seed);
    }

    /// <summary>The <paramref name="count"/> characters that follow <paramref name="prompt"/> (an empty prompt reads as
    /// the start of a line).</summary>
    public string Continue(string prompt, int count)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int[] context = CharVocabulary.Encode(prompt);
        if (context.Length == 0) context = [CharVocabulary.Newline];
        var continuation = new int[count];
        _generator.Generate([context], [continuation], _sampler);
        return CharVocabulary.Decode(continuation);
    }
}
