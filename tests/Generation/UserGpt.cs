using static NetCompiler.Ops;

namespace NetCompiler.Tests.Generation;

/// <summary>A small GPT written as a user would, unlike the zoo's <see cref="Definitions.Zoo.CharGpt"/> in every size
/// and in its positions: 20 token ids, context 12, width 48, 3 heads of 16, two pre-norm blocks, sinusoidal positions
/// (a constant table, not a parameter), the attention written as the op (separate q, k and v layers, an output
/// projection) in the first block and as the [MultiHeadAttention] layer in the second, and a decoder.</summary>
[Network(Decoder = true)]
public partial class UserGpt
{
    public const int Vocabulary = 20, Context = 12, Width = 48, Heads = 3;

    [Embedding(Vocabulary, Width)] Embedding embed;
    [LayerNorm(Width)] LayerNorm norm1;
    [Dense(Width, Width)] Dense query;
    [Dense(Width, Width)] Dense key;
    [Dense(Width, Width)] Dense value;
    [Dense(Width, Width)] Dense project;
    [LayerNorm(Width)] LayerNorm norm2;
    [Dense(Width, 2 * Width)] Dense up;
    [Dense(2 * Width, Width)] Dense down;
    [LayerNorm(Width)] LayerNorm norm3;
    [MultiHeadAttention(Width, Heads, Causal = true)] MultiHeadAttention attention;
    [Dropout(0.1f)] Dropout drop;
    [LayerNorm(Width)] LayerNorm normOut;
    [Dense(Width, Vocabulary, Bias = false)] Dense head;

    [Forward]
    Tensor Forward([Shape(Context)] Tokens ids)
    {
        var x = embed.Forward(ids) + SinusoidalPositions(Context, Width);
        var h = norm1.Forward(x);
        x = x + project.Forward(Ops.Attention(query.Forward(h), key.Forward(h), value.Forward(h), Heads, causal: true));
        x = x + down.Forward(Gelu(up.Forward(norm2.Forward(x))));
        x = x + drop.Forward(attention.Forward(norm3.Forward(x)));
        return head.Forward(normOut.Forward(x));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Context, 1)] Tensor next) => CrossEntropy(logits, next);
}
