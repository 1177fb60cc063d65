using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A one-block pre-norm Transformer over 8 tokens of a 32-word vocabulary: token and position embeddings (two
/// id inputs), LayerNorm, multi-head self-attention from primitives, a GELU MLP, residual connections, a final LayerNorm
/// and per-position logits, trained with cross-entropy against class indices (the next token).</summary>
[Network]
public partial class TinyTransformerNet
{
    const int T = 8, D = 16, Vocabulary = 32;

    [Embedding(Vocabulary, D)] Embedding tokens;
    [Embedding(T, D)] Embedding positions;
    [LayerNorm(D)] LayerNorm norm1;
    [LayerNorm(D)] LayerNorm norm2;
    [LayerNorm(D)] LayerNorm normOut;
    SelfAttention attention;
    [Dense(D, 4 * D)] Dense up;
    [Dense(4 * D, D)] Dense down;
    [Dense(D, Vocabulary)] Dense head;

    [Forward]
    Tensor Forward([Shape(T)] Tokens ids, [Shape(T)] Tokens place)
    {
        var x = tokens.Forward(ids) + positions.Forward(place);          // [T, D]
        x = x + attention.Forward(norm1.Forward(x));
        x = x + down.Forward(Gelu(up.Forward(norm2.Forward(x))));
        return head.Forward(normOut.Forward(x));                         // [T, Vocabulary]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(T, 1)] Tensor next) => CrossEntropy(logits, next);
}
