using System;
using System.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Text;

/// <summary>Samples text from a trained <see cref="CharLstm"/>, one character at a time, carrying the LSTM's hidden
/// and cell states from each character to the next (<see cref="CharLstm.Step"/>): the prompt is read first, then each
/// next character is drawn from the softmax of the logits divided by the temperature, among the top-k only.</summary>
public sealed class CharSampler
{
    private readonly CharLstm _network;
    private readonly TokenSampler _sampler;
    private readonly float[] _hidden = new float[CharLstm.StateSize], _cell = new float[CharLstm.StateSize], _logits = new float[CharVocabulary.Size];

    /// <summary>A sampler over <paramref name="network"/>'s current parameters.</summary>
    /// <param name="network">The language model.</param>
    /// <param name="temperature">Divides the logits: below 1 sharper (more predictable text), above 1 flatter; positive.</param>
    /// <param name="topK">Draw among this many most likely characters only (1: always the most likely, greedy), from 1 to
    /// <see cref="CharVocabulary.Size"/>.</param>
    /// <param name="seed">Seeds the draws: the same seed, prompt and parameters give the same text.</param>
    /// <exception cref="ArgumentOutOfRangeException">The temperature or top-k is out of range.</exception>
    public CharSampler(CharLstm network, float temperature, int topK, int seed)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        if (!(temperature > 0f) || !float.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topK, CharVocabulary.Size);
        _sampler = new TokenSampler(CharVocabulary.Size, temperature, topK, (ulong)(uint)seed);
    }

    /// <summary>The <paramref name="count"/> characters that follow <paramref name="prompt"/> (an empty prompt reads as
    /// the start of a line).</summary>
    public string Continue(string prompt, int count)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Array.Clear(_hidden);
        Array.Clear(_cell);
        int[] context = CharVocabulary.Encode(prompt);
        if (context.Length == 0) context = [CharVocabulary.Newline];
        foreach (int id in context) _network.Step(id, _hidden, _cell, _logits);
        var text = new StringBuilder(count);
        for (int i = 0; i < count; i++)
        {
            int next = Pick(_logits);
            text.Append(CharVocabulary.Char(next));
            if (i + 1 < count) _network.Step(next, _hidden, _cell, _logits);
        }
        return text.ToString();
    }

    /// <summary>Draws an id from the softmax of <paramref name="logits"/> / temperature restricted to the top-k logits
    /// (<see cref="TokenSampler.Pick"/>).</summary>
    public int Pick(ReadOnlySpan<float> logits) => _sampler.Pick(logits);
}
