using static NetCompiler.Ops;

namespace NetCompiler.Tests.Recurrent;

/// <summary>A recurrent classifier written as a user would, not in the zoo: token ids through an embedding, a GRU encoder
/// over the sequence, a bidirectional LSTM over the encoder's states, whose last hidden and cell states (forward and
/// reverse) feed a linear head trained with cross-entropy against a class index. Compiled by this project's own build,
/// and checked against <see cref="UserRecurrentNetReference"/>.</summary>
[Network]
public partial class UserRecurrentNet
{
    public const int T = 6, Vocabulary = 11, Embedded = 5, Encoded = 6, Hidden = 4, Classes = 3;

    [Embedding(Vocabulary, Embedded)] Embedding tokens;
    [Gru(Embedded, Encoded)] Gru encoder;
    [Lstm(Encoded, Hidden, Bidirectional = true)] Lstm reader;
    [Dense(4 * Hidden, Classes)] Dense head;

    [Forward]
    Tensor Forward([Shape(T)] Tokens ids)
    {
        var (encoded, _) = encoder.Forward(tokens.Forward(ids));          // [T, Encoded]
        var (_, hidden, cell) = reader.Forward(encoded);                  // [2, Hidden] each: forward, then reverse
        return head.Forward(Concat(Reshape(hidden, -1), Reshape(cell, -1), 0));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
