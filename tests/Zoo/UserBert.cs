using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

// (Ops.Attention: in this namespace a bare Attention is the namespace NetCompiler.Tests.Attention.)
// A BERT masked language model written as a user would, with sizes other than the zoo's BertMlm (vocabulary 40, 7
// positions, width 24, 3 heads of 8, 2 layers, feed-forward 40) and Hugging Face's names, so that BertReference reads
// its parameters. No dropout: the float64 reference compares the training pass's outputs and gradients.

/// <summary>BertMlm's structure at other sizes: embeddings (word + position + token type 0, LayerNorm), post-norm layers
/// with padding keys masked, the MLM head tied to the word embeddings with its own bias.</summary>
[Network]
public partial class UserBertMlm
{
    public const int Vocabulary = 40, Context = 7, Width = 24, Heads = 3, Layers = 2, Hidden = 40;
    public const float Epsilon = 1e-12f;

    [Embedding(Vocabulary, Width, Init = Init.Normal, Std = 0.1f)] Embedding word_embeddings;
    [Embedding(Context, Width, Init = Init.Normal, Std = 0.1f)] Embedding position_embeddings;
    [Embedding(2, Width, Init = Init.Normal, Std = 0.1f)] Embedding token_type_embeddings;
    [LayerNorm(Width, Epsilon = Epsilon)] LayerNorm embeddings_LayerNorm;
    [Repeat(Layers)] UserBertLayer[] layer;
    [Dense(Width, Width)] Dense transform;
    [LayerNorm(Width, Epsilon = Epsilon)] LayerNorm transform_LayerNorm;
    [Param(Vocabulary, Init = Init.Zeros)] Tensor bias;

    [Forward]
    Tensor Forward([Shape(Context)] Tokens ids)
    {
        var x = embeddings_LayerNorm.Forward(word_embeddings.Forward(ids) + position_embeddings.Weight + Slice(token_type_embeddings.Weight, 0, 0, 1));
        foreach (var l in layer) x = l.Forward(x, ids);
        return Linear(transform_LayerNorm.Forward(Gelu(transform.Forward(x))), word_embeddings.Weight, bias);
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Context)] Tokens labels) => CrossEntropy(logits, labels, ignoreIndex: 0);
}

/// <summary>A post-norm BERT layer: LayerNorm(x + dense(attention(x))), then LayerNorm(x + dense(gelu(dense(x)))).</summary>
[Module]
public partial class UserBertLayer
{
    const int Width = UserBertMlm.Width;

    [Dense(Width, Width)] Dense query;
    [Dense(Width, Width)] Dense key;
    [Dense(Width, Width)] Dense value;
    [Dense(Width, Width)] Dense attention_output;
    [LayerNorm(Width, Epsilon = UserBertMlm.Epsilon)] LayerNorm attention_LayerNorm;
    [Dense(Width, UserBertMlm.Hidden)] Dense intermediate;
    [Dense(UserBertMlm.Hidden, Width)] Dense output;
    [LayerNorm(Width, Epsilon = UserBertMlm.Epsilon)] LayerNorm output_LayerNorm;

    public Tensor Forward(Tensor x, Tokens ids)
    {
        var a = Ops.Attention(query.Forward(x), key.Forward(x), value.Forward(x), UserBertMlm.Heads, keyIds: ids, padId: 0);
        x = attention_LayerNorm.Forward(x + attention_output.Forward(a));
        return output_LayerNorm.Forward(x + output.Forward(Gelu(intermediate.Forward(x))));
    }
}
