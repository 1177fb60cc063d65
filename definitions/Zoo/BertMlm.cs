using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A small BERT (Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
/// Understanding") pretrained as a masked language model, as Hugging Face's <c>BertForMaskedLM</c> computes it:
/// <list type="bullet">
/// <item>embeddings: the word embedding of each subword plus a learned position embedding plus the token-type
/// embedding of segment 0 (every position is segment A: there are no sentence pairs here), then LayerNorm and
/// dropout;</item>
/// <item>an encoder of post-norm layers as in BERT, each x = LayerNorm(x + dropout(dense(attention(x)))), then
/// x = LayerNorm(x + dropout(dense(gelu(dense(x))))); the self-attention is bidirectional (no causal mask), its keys
/// at padding positions (id 0) masked for every query, dropout on its weights;</item>
/// <item>the MLM head: dense + GELU + LayerNorm (<c>transform</c>), then a decoder to the vocabulary tied to the word
/// embeddings (logits = h E^T + b, one [V, Width] matrix whose gradient is the sum of both uses) with its own output
/// bias;</item>
/// <item>the loss: cross-entropy at the masked positions only; the target holds the original subword at each of them
/// and 0 (ignored) everywhere else, so a sample's loss is the mean over its masked positions
/// (the <c>bert</c> command's <c>MlmMasking</c> draws them).</item>
/// </list>
/// Initialization as BERT's: every weight and embedding N(0, 0.02), biases 0, LayerNorm weights 1 (eps 1e-12, as
/// <c>layer_norm_eps</c>); GELU is the exact (erf) one of <c>hidden_act = "gelu"</c>.
/// <para>Parameter names are Hugging Face's: <c>bert.embeddings.word_embeddings</c>,
/// <c>bert.embeddings.position_embeddings</c>, <c>bert.embeddings.token_type_embeddings</c>,
/// <c>bert.embeddings.LayerNorm</c>, <c>bert.encoder.layer.i.attention.self.query</c> (<c>key</c>, <c>value</c>),
/// <c>bert.encoder.layer.i.attention.output.dense</c> and <c>.LayerNorm</c>, <c>bert.encoder.layer.i.intermediate.dense</c>,
/// <c>bert.encoder.layer.i.output.dense</c> and <c>.LayerNorm</c>, <c>cls.predictions.transform.dense</c> and
/// <c>.LayerNorm</c>, <c>cls.predictions.bias</c>. Where they differ: the tied decoder has no tensor of its own (Hugging
/// Face's state_dict repeats the word embeddings as <c>cls.predictions.decoder.weight</c> and the bias as
/// <c>cls.predictions.decoder.bias</c>; a load by name skips both), there is no <c>bert.embeddings.position_ids</c>
/// buffer (the positions are always 0..63), and the sizes are this model's (64 positions, not 512).</para>
/// <para>Size: a vocabulary of 2,048 subwords (the <c>bert</c> command's <c>SubwordTokenizer</c>, trained
/// on the training text), 64 positions, width 128, 4 heads of 32, 4 layers, feed-forward 512: 1,082,752 parameters,
/// what pretrains on the fortunes in minutes on two cores.</para></summary>
[Network]
public partial class BertMlm
{
    /// <summary>Subword ids (the tokenizer's vocabulary, special tokens included).</summary>
    public const int Vocabulary = 2048;

    /// <summary>Positions per sequence: <c>&lt;s&gt;</c> (BERT's [CLS]), the text, <c>&lt;/s&gt;</c> (BERT's [SEP]),
    /// padding.</summary>
    public const int Context = 64;

    /// <summary>Features per position (<c>hidden_size</c>).</summary>
    public const int Width = 128;

    /// <summary>Attention heads (<c>num_attention_heads</c>), of <see cref="Width"/> / 4 = 32 features each.</summary>
    public const int Heads = 4;

    /// <summary>Encoder layers (<c>num_hidden_layers</c>).</summary>
    public const int Layers = 4;

    /// <summary>Hidden features of the feed-forward networks (<c>intermediate_size</c>).</summary>
    public const int FeedForward = 512;

    /// <summary>BERT's dropout rate (<c>hidden_dropout_prob</c> and <c>attention_probs_dropout_prob</c>).</summary>
    public const float DropoutRate = 0.1f;

    /// <summary>BERT's LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public const float LayerNormEpsilon = 1e-12f;

    /// <summary>BERT's <c>initializer_range</c>: the standard deviation of every weight and embedding.</summary>
    public const float InitStd = 0.02f;

    /// <summary>The pad id: masked as a key in every attention, and the ignored target of unmasked positions.</summary>
    public const int PadId = 0;

    BertModel bert;
    BertOnlyMlmHead cls;

    [Forward]
    Tensor Forward([Shape(Context)] Tokens input_ids)
    {
        var sequence = bert.Forward(input_ids);                                       // [64, 128]
        return cls.Forward(sequence, bert.embeddings.word_embeddings.Weight);        // [64, 2048]: logits of the original subword
    }

    /// <summary>Cross-entropy at the masked positions: <paramref name="labels"/> holds the original subword there and 0
    /// elsewhere (ignored), as Hugging Face's -100.</summary>
    [Loss] static Tensor Loss(Tensor logits, [Shape(Context)] Tokens labels) => CrossEntropy(logits, labels, ignoreIndex: PadId);
}

/// <summary>Hugging Face's <c>BertModel</c> without the pooler (<c>add_pooling_layer=False</c>, as in
/// <c>BertForMaskedLM</c>): embeddings, then the encoder. <see cref="BertPooledModel"/> is the same with the pooler.</summary>
[Module]
public partial class BertModel
{
    internal BertEmbeddings embeddings;
    BertEncoder encoder;

    /// <summary>Ids [64] -> the last layer's features [64, Width].</summary>
    public Tensor Forward(Tokens ids) => encoder.Forward(embeddings.Forward(ids), ids);
}

/// <summary>BERT's embeddings: word + position + token type (segment 0 at every position), LayerNorm, dropout.</summary>
[Module]
public partial class BertEmbeddings
{
    const int Width = BertMlm.Width;

    [Embedding(BertMlm.Vocabulary, Width, Init = Init.Normal, Std = BertMlm.InitStd)] internal Embedding word_embeddings;
    [Embedding(BertMlm.Context, Width, Init = Init.Normal, Std = BertMlm.InitStd)] Embedding position_embeddings;
    [Embedding(2, Width, Init = Init.Normal, Std = BertMlm.InitStd)] Embedding token_type_embeddings;   // only segment 0's row is read
    [LayerNorm(Width, Epsilon = BertMlm.LayerNormEpsilon)] LayerNorm LayerNorm;
    [Dropout(BertMlm.DropoutRate)] Dropout dropout;

    /// <summary>Ids [64] -> [64, Width].</summary>
    public Tensor Forward(Tokens ids)
    {
        var x = word_embeddings.Forward(ids) + position_embeddings.Weight + Slice(token_type_embeddings.Weight, 0, 0, 1);
        return dropout.Forward(LayerNorm.Forward(x));
    }
}

/// <summary>BERT's encoder: <see cref="BertMlm.Layers"/> post-norm layers, the keys of padding ids masked in each.</summary>
[Module]
public partial class BertEncoder
{
    [Repeat(BertMlm.Layers)] BertLayer[] layer;

    /// <summary>x [T, Width] and the ids [T] (their padding masked as keys) -> [T, Width].</summary>
    public Tensor Forward(Tensor x, Tokens ids)
    {
        foreach (var l in layer) x = l.Forward(x, ids);
        return x;
    }
}

/// <summary>One post-norm BERT layer: attention (with its residual and LayerNorm), then intermediate and output (the
/// feed-forward network with its residual and LayerNorm).</summary>
[Module]
public partial class BertLayer
{
    BertAttention attention;
    BertIntermediate intermediate;
    BertOutput output;

    public Tensor Forward(Tensor x, Tokens ids)
    {
        x = attention.Forward(x, ids);
        return output.Forward(intermediate.Forward(x), x);
    }
}

/// <summary>BERT's attention block: self-attention, then LayerNorm(x + dropout(dense(...))).</summary>
[Module]
public partial class BertAttention
{
    BertSelfAttention self;
    BertSelfOutput output;

    public Tensor Forward(Tensor x, Tokens ids) => output.Forward(self.Forward(x, ids), x);
}

/// <summary>Multi-head self-attention with separate query, key and value projections (with biases), scores scaled by
/// 1 / sqrt(32), padding keys masked, dropout on the weights; the heads side by side in the output (no projection here:
/// <see cref="BertSelfOutput"/> has it).</summary>
[Module]
public partial class BertSelfAttention
{
    const int Width = BertMlm.Width;

    [Dense(Width, Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense query;
    [Dense(Width, Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense key;
    [Dense(Width, Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense value;

    public Tensor Forward(Tensor x, Tokens ids) =>
        Attention(query.Forward(x), key.Forward(x), value.Forward(x), BertMlm.Heads, causal: false, keyIds: ids, padId: BertMlm.PadId,
            dropout: BertMlm.DropoutRate);
}

/// <summary>LayerNorm(input + dropout(dense(h))): the attention's output projection and the first post-norm residual.</summary>
[Module]
public partial class BertSelfOutput
{
    [Dense(BertMlm.Width, BertMlm.Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense dense;
    [LayerNorm(BertMlm.Width, Epsilon = BertMlm.LayerNormEpsilon)] LayerNorm LayerNorm;
    [Dropout(BertMlm.DropoutRate)] Dropout dropout;

    public Tensor Forward(Tensor h, Tensor input) => LayerNorm.Forward(dropout.Forward(dense.Forward(h)) + input);
}

/// <summary>The feed-forward network's first half: dense Width -> 512, GELU.</summary>
[Module]
public partial class BertIntermediate
{
    [Dense(BertMlm.Width, BertMlm.FeedForward, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense dense;

    public Tensor Forward(Tensor x) => Gelu(dense.Forward(x));
}

/// <summary>LayerNorm(input + dropout(dense(h))) with dense 512 -> Width: the feed-forward network's second half and the
/// second post-norm residual.</summary>
[Module]
public partial class BertOutput
{
    [Dense(BertMlm.FeedForward, BertMlm.Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense dense;
    [LayerNorm(BertMlm.Width, Epsilon = BertMlm.LayerNormEpsilon)] LayerNorm LayerNorm;
    [Dropout(BertMlm.DropoutRate)] Dropout dropout;

    public Tensor Forward(Tensor h, Tensor input) => LayerNorm.Forward(dropout.Forward(dense.Forward(h)) + input);
}

/// <summary>Hugging Face's <c>BertOnlyMLMHead</c>: its <c>predictions</c>.</summary>
[Module]
public partial class BertOnlyMlmHead
{
    BertLmPredictionHead predictions;

    public Tensor Forward(Tensor x, Tensor wordEmbeddings) => predictions.Forward(x, wordEmbeddings);
}

/// <summary>Hugging Face's <c>BertLMPredictionHead</c>: transform, then the decoder, tied to the word embeddings
/// [V, Width] given, plus the output bias.</summary>
[Module]
public partial class BertLmPredictionHead
{
    BertPredictionHeadTransform transform;
    [Param(BertMlm.Vocabulary, Init = Init.Zeros)] Tensor bias;

    /// <summary>x [T, Width] -> logits [T, V].</summary>
    public Tensor Forward(Tensor x, Tensor wordEmbeddings) => Linear(transform.Forward(x), wordEmbeddings, bias);
}

/// <summary>Hugging Face's <c>BertPredictionHeadTransform</c>: dense Width -> Width, GELU, LayerNorm.</summary>
[Module]
public partial class BertPredictionHeadTransform
{
    [Dense(BertMlm.Width, BertMlm.Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense dense;
    [LayerNorm(BertMlm.Width, Epsilon = BertMlm.LayerNormEpsilon)] LayerNorm LayerNorm;

    public Tensor Forward(Tensor x) => LayerNorm.Forward(Gelu(dense.Forward(x)));
}
