using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>A sequence classifier written as a user would, with every layer a Transformer classifier needs: token and
/// position embeddings (two id inputs), a pre-norm block of hand-written causal attention and a GELU MLP with dropout
/// and residuals, mean-pooling over positions, batch normalization of the pooled features and a linear head trained
/// with cross-entropy against a class index. Small ([4 tokens, 8 features], 2 heads) so that a float64 reference
/// (<see cref="UserTokenNetReference"/>) recomputes it quickly.</summary>
[Network]
public partial class UserTokenNet
{
    public const int T = 4, D = 8, Vocabulary = 10, Classes = 2, Hidden = 2 * D;

    [Embedding(Vocabulary, D)] Embedding tokens;
    [Embedding(T, D)] Embedding positions;
    [LayerNorm(D)] LayerNorm attentionNorm;
    UserCausalAttention attention;
    [Dropout(0.2f)] Dropout attentionDropout;
    [LayerNorm(D)] LayerNorm mlpNorm;
    [Dense(D, Hidden)] Dense up;
    [Dense(Hidden, D)] Dense down;
    [Dropout(0.3f)] Dropout mlpDropout;
    [BatchNorm(D)] BatchNorm pooledNorm;
    [Dense(D, Classes)] Dense head;

    [Forward]
    Tensor Forward([Shape(T)] Tokens ids, [Shape(T)] Tokens place)
    {
        var x = tokens.Forward(ids) + positions.Forward(place);                          // [T, D]
        x = x + attentionDropout.Forward(attention.Forward(attentionNorm.Forward(x)));
        // Dropout after the MLP's projection, as GPT-2: before it, down's bias would shift every pooled feature alike,
        // which BatchNorm cancels (a gradient of exactly 0).
        x = x + mlpDropout.Forward(down.Forward(Gelu(up.Forward(mlpNorm.Forward(x)))));
        return head.Forward(pooledNorm.Forward(Mean(x, 0)));                              // [D] pooled -> [Classes]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>Causal multi-head self-attention from primitives with separate query, key and value projections (as
/// PyTorch's <c>nn.MultiheadAttention</c> with <c>kdim</c>/<c>vdim</c> set): 2 heads of 4 over [T = 4, D = 8], each
/// position attending to itself and earlier ones, with dropout on the attention weights as PyTorch applies it.
/// The key projection has no bias.</summary>
[Module]
public partial class UserCausalAttention
{
    const int T = UserTokenNet.T, D = UserTokenNet.D, Heads = 2, HeadDim = D / Heads;

    [Dense(D, D)] Dense query;
    [Dense(D, D, Bias = false)] Dense key;    // a key bias adds q.b to a whole row of scores, which softmax ignores: its gradient is 0
    [Dense(D, D)] Dense value;
    [Dense(D, D)] Dense output;
    [Dropout(0.1f)] Dropout weightDropout;

    [Forward]
    public Tensor Forward(Tensor x)                                                       // [T, D]
    {
        var q = SplitHeads(query.Forward(x));                                             // [Heads, T, HeadDim]
        var k = SplitHeads(key.Forward(x));
        var v = SplitHeads(value.Forward(x));
        var scores = MatMul(q, Transpose(k)) / 2f;                                        // / sqrt(HeadDim)
        var weights = Softmax(Where(Triangle(T, T), scores, float.NegativeInfinity), -1); // [Heads, T, T]
        var heads = MatMul(weightDropout.Forward(weights), v);                            // [Heads, T, HeadDim]
        return output.Forward(Reshape(Permute(heads, 1, 0, 2), T, D));
    }

    static Tensor SplitHeads(Tensor x) => Permute(Reshape(x, T, Heads, HeadDim), 1, 0, 2);
}
