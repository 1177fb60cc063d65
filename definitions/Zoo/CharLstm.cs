using System;
using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A character-level language model: 64 character ids -> Embedding(97, 32) -> a two-layer LSTM (32 -> 128
/// -> 128) -> Dense(128 -> 97) at every step, cross-entropy against the next character at every position (nats per
/// character). Trained by the <c>charlstm</c> command on English text, sampled by <c>generate</c> one character at a
/// time through <see cref="Step"/>.</summary>
[Network]
public partial class CharLstm
{
    /// <summary>Characters the model knows: newline, printable ASCII and a placeholder, as <c>Text/CharVocabulary</c> maps
    /// them (the zoo compiles on its own, so the size lives here).</summary>
    public const int Vocabulary = 97;

    /// <summary>Characters per training window.</summary>
    public const int Steps = 64;

    /// <summary>Features of a character's embedding.</summary>
    public const int EmbeddingSize = 32;

    /// <summary>Features of each LSTM layer's state.</summary>
    public const int Hidden = 128;

    /// <summary>Stacked LSTM layers.</summary>
    public const int Layers = 2;

    [Embedding(Vocabulary, EmbeddingSize)] Embedding embedding;
    [Lstm(EmbeddingSize, Hidden, Layers = Layers)] Lstm lstm;
    [Dense(Hidden, Vocabulary)] Dense head;

    [Forward]
    Tensor Forward([Shape(Steps)] Tokens text)
    {
        var (states, _, _) = lstm.Forward(embedding.Forward(text));   // [64, 128]: the top layer's state at every step
        return head.Forward(states);                                  // [64, 97]: logits of the next character
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Steps, 1)] Tensor next) => CrossEntropy(logits, next);

    /// <summary>Floats of the hidden (or cell) state <see cref="Step"/> carries: <see cref="Layers"/> x <see cref="Hidden"/>.</summary>
    public const int StateSize = Layers * Hidden;

    /// <summary>One character through the network, eagerly over the same parameters, from the LSTM states the previous
    /// character left (zeros before the first), which it overwrites with the new ones: from zero states it gives what
    /// <see cref="Forward"/> gives at each position of a window, so generation carries the state instead of re-running
    /// a window per character.</summary>
    /// <param name="id">The character's id.</param>
    /// <param name="hidden">The hidden states, [<see cref="Layers"/>, <see cref="Hidden"/>] row-major; updated.</param>
    /// <param name="cell">The cell states, the same shape; updated.</param>
    /// <param name="logits">Receives the <see cref="Vocabulary"/> logits of the next character.</param>
    public void Step(int id, Span<float> hidden, Span<float> cell, Span<float> logits)
    {
        // Constants, not a chain of op results: each step starts from plain values, so nothing of the previous steps'
        // tape stays reachable however long the text.
        var x = embedding.Forward(Tokens.FromBatch([id], 1, 1));                                   // [1, 32]
        var (y, h, c) = lstm.Forward(x, Tensor.Constant(hidden.ToArray(), Layers, Hidden),
            Tensor.Constant(cell.ToArray(), Layers, Hidden));                                       // [1, 128], [2, 128], [2, 128]
        head.Forward(y).Values.CopyTo(logits);
        h.Values.CopyTo(hidden);
        c.Values.CopyTo(cell);
    }
}
