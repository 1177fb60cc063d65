using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A small T5 (Raffel et al., "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
/// Transformer"; the seeds' "Translate to Japanese: Thank you"): a text-to-text encoder-decoder over one subword
/// vocabulary shared by the source, the target and the output. T5's choices, as Hugging Face's <c>T5Model</c> makes them
/// (v1.1 where the two differ):
/// <list type="bullet">
/// <item>no absolute positions: a relative position bias (32 buckets, distances past 128 sharing the last) added to the
/// scores of every self-attention, one table for the encoder (bidirectional) and one for the decoder (one-sided, causal),
/// computed once and shared by all the stack's layers, as T5 computes it in the first layer;</item>
/// <item>attention scores not scaled by 1 / sqrt(d_kv) (scale 1), the scaling folded into the query's initialization,
/// N(0, (d_model d_kv)^-1/2); keys, values and outputs N(0, d_model^-1/2), the feed-forward's wo N(0, d_ff^-1/2);</item>
/// <item>pre-norm residual blocks with RMS layer norms without bias (eps 1e-6), no bias in any projection, a ReLU
/// feed-forward network (<c>DenseReluDense</c>), dropout 0.1 on the attention weights, the residual branches and the
/// feed-forward's hidden layer;</item>
/// <item>a final RMS norm per stack, and an untied head (<c>lm_head</c>, v1.1; v1.0 ties it to <c>shared</c> and scales
/// the decoder output by d_model^-1/2), N(0, d_model^-1/2) so the first logits are of order 1;</item>
/// <item>the source's padding (id 0, <c>&lt;pad&gt;</c>) masked as keys in the encoder's self-attention and the
/// decoder's cross-attention; the target's padding needs no mask (the decoder is causal) and no loss
/// (<c>CrossEntropy(..., ignoreIndex: 0)</c>); teacher forcing: the decoder reads the target shifted right behind the
/// start token.</item>
/// </list>
/// Parameter names follow Hugging Face's where the structure allows (<c>shared</c>, <c>lm_head</c>, <c>q</c>/<c>k</c>/
/// <c>v</c>/<c>o</c>, <c>wi</c>/<c>wo</c>, <c>relative_attention_bias</c>, <c>final_layer_norm</c>); its
/// <c>encoder.block.i.layer.0.SelfAttention</c> is here <c>encoder.i.SelfAttention</c>, <c>layer.0.layer_norm</c>
/// <c>encoder.i.self_attention_norm</c>, <c>layer.1.DenseReluDense</c> <c>encoder.i.DenseReluDense</c> (decoder:
/// <c>layer.1.EncDecAttention</c> is <c>decoder.i.EncDecAttention</c>, norms <c>self_attention_norm</c>,
/// <c>cross_attention_norm</c>, <c>feed_forward_norm</c>), and the bias tables sit beside the stacks
/// (<c>encoder_relative_attention_bias</c>, <c>decoder_relative_attention_bias</c>).
/// <para>Size: d_model 128, 4 heads of 32, d_ff 512, 3 + 3 layers, a vocabulary of 2,048 subwords, 24 source and 20
/// target positions: about 1.9 million parameters, what trains on the English-Japanese dictionary in minutes on two
/// cores.</para></summary>
[Network(Decoder = true)]
public partial class T5Translator
{
    /// <summary>Subword ids (the tokenizer's vocabulary, special tokens included): 0 is &lt;pad&gt;.</summary>
    public const int Vocabulary = 2048;

    /// <summary>Source positions (the task prefix and the input text, padded with 0).</summary>
    public const int SourceLength = 24;

    /// <summary>Target positions: the start token, then the output text (the decoder's input; the loss's target is the
    /// same shifted left, ending with the end token).</summary>
    public const int TargetLength = 20;

    /// <summary>d_model: features per position.</summary>
    public const int Width = 128;

    /// <summary>Attention heads (d_kv = Width / Heads = 32).</summary>
    public const int Heads = 4;

    /// <summary>d_ff: hidden features of the feed-forward networks.</summary>
    public const int FeedForward = 512;

    /// <summary>Layers of the encoder and of the decoder (each).</summary>
    public const int Layers = 3;

    /// <summary>T5's relative position buckets and the distance from which all share the last.</summary>
    public const int Buckets = 32, MaxDistance = 128;

    /// <summary>T5's dropout rate.</summary>
    public const float DropoutRate = 0.1f;

    /// <summary>The pad id (masked in attention, ignored by the loss).</summary>
    public const int PadId = 0;

    [Embedding(Vocabulary, Width, Init = Init.Normal, Std = 1f)] Embedding shared;
    [Embedding(Buckets, Heads, Init = Init.Normal, Std = 0.0884f)] Embedding encoder_relative_attention_bias;
    [Embedding(Buckets, Heads, Init = Init.Normal, Std = 0.0884f)] Embedding decoder_relative_attention_bias;
    [Repeat(Layers)] T5EncoderBlock[] encoder;
    [RmsNorm(Width, Epsilon = 1e-6f)] RmsNorm encoder_final_layer_norm;
    [Repeat(Layers)] T5DecoderBlock[] decoder;
    [RmsNorm(Width, Epsilon = 1e-6f)] RmsNorm decoder_final_layer_norm;
    [Dense(Width, Vocabulary, Bias = false, WeightInit = Init.Normal, Std = 0.0884f)] Dense lm_head;   // d_model^-1/2
    [Dropout(DropoutRate)] Dropout dropout;

    [Forward]
    Tensor Forward([Shape(SourceLength)] Tokens source, [Shape(TargetLength)] Tokens target)
    {
        var encoderBias = RelativePositionBias(encoder_relative_attention_bias.Weight, SourceLength, SourceLength, bidirectional: true, maxDistance: MaxDistance);
        var x = dropout.Forward(shared.Forward(source));                                          // [24, 128]
        foreach (var block in encoder) x = block.Forward(x, source, encoderBias);
        var memory = dropout.Forward(encoder_final_layer_norm.Forward(x));

        var decoderBias = RelativePositionBias(decoder_relative_attention_bias.Weight, TargetLength, TargetLength, bidirectional: false, maxDistance: MaxDistance);
        var y = dropout.Forward(shared.Forward(target));                                          // [20, 128]
        foreach (var block in decoder) y = block.Forward(y, decoderBias, memory, source);
        return lm_head.Forward(dropout.Forward(decoder_final_layer_norm.Forward(y)));            // [20, 2048]: logits of the next subword
    }

    /// <summary>Cross-entropy of each target position against the next subword, padding ignored: a sample's loss is the
    /// mean over its real target tokens (the end token included).</summary>
    [Loss] static Tensor Loss(Tensor logits, [Shape(TargetLength)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: PadId);
}

/// <summary>An encoder block of <see cref="T5Translator"/>: x + SelfAttention(norm(x)) over the unpadded source
/// positions with the shared bias, then x + DenseReluDense(norm(x)).</summary>
[Module]
public partial class T5EncoderBlock
{
    [RmsNorm(T5Translator.Width, Epsilon = 1e-6f)] RmsNorm self_attention_norm;
    T5Attention SelfAttention;
    [RmsNorm(T5Translator.Width, Epsilon = 1e-6f)] RmsNorm feed_forward_norm;
    T5FeedForward DenseReluDense;
    [Dropout(T5Translator.DropoutRate)] Dropout dropout;

    /// <summary>x [S, Width], the source ids (their padding masked), the encoder's bias [heads, S, S] -> [S, Width].</summary>
    public Tensor Forward(Tensor x, Tokens source, Tensor bias)
    {
        var h = self_attention_norm.Forward(x);
        x = x + dropout.Forward(SelfAttention.Forward(h, h, source, bias, causal: false));
        return x + dropout.Forward(DenseReluDense.Forward(feed_forward_norm.Forward(x)));
    }
}

/// <summary>A decoder block of <see cref="T5Translator"/>: causal SelfAttention with the decoder's bias, then
/// EncDecAttention over the encoder's output (the source's padding masked, no bias), then DenseReluDense; each pre-norm
/// and residual.</summary>
[Module]
public partial class T5DecoderBlock
{
    [RmsNorm(T5Translator.Width, Epsilon = 1e-6f)] RmsNorm self_attention_norm;
    T5Attention SelfAttention;
    [RmsNorm(T5Translator.Width, Epsilon = 1e-6f)] RmsNorm cross_attention_norm;
    T5Attention EncDecAttention;
    [RmsNorm(T5Translator.Width, Epsilon = 1e-6f)] RmsNorm feed_forward_norm;
    T5FeedForward DenseReluDense;
    [Dropout(T5Translator.DropoutRate)] Dropout dropout;

    /// <summary>y [T, Width], the decoder's bias [heads, T, T], the encoder's output [S, Width] and the source ids -> [T, Width].</summary>
    public Tensor Forward(Tensor y, Tensor bias, Tensor memory, Tokens source)
    {
        var h = self_attention_norm.Forward(y);
        y = y + dropout.Forward(SelfAttention.Forward(h, h, null, bias, causal: true));
        y = y + dropout.Forward(EncDecAttention.Forward(cross_attention_norm.Forward(y), memory, source, null, causal: false));
        return y + dropout.Forward(DenseReluDense.Forward(feed_forward_norm.Forward(y)));
    }
}

/// <summary>T5's multi-head attention: q, k, v and o projections without bias, scores not scaled (the query's
/// initialization is), dropout on the weights.</summary>
[Module]
public partial class T5Attention
{
    const int Width = T5Translator.Width;

    [Dense(Width, Width, Bias = false, WeightInit = Init.Normal, Std = 0.015625f)] Dense q;   // (d_model d_kv)^-1/2 = 1 / 64
    [Dense(Width, Width, Bias = false, WeightInit = Init.Normal, Std = 0.0884f)] Dense k;     // d_model^-1/2
    [Dense(Width, Width, Bias = false, WeightInit = Init.Normal, Std = 0.0884f)] Dense v;
    [Dense(Width, Width, Bias = false, WeightInit = Init.Normal, Std = 0.0884f)] Dense o;     // (heads d_kv)^-1/2

    /// <summary>Queries from x [Tq, Width], keys and values from memory [Tk, Width] (x itself for self-attention); keys
    /// whose id in <paramref name="keyIds"/> is the pad id get no weight; <paramref name="bias"/> [heads, Tq, Tk] is
    /// added to the scores.</summary>
    public Tensor Forward(Tensor x, Tensor memory, Tokens? keyIds, Tensor? bias, bool causal) =>
        o.Forward(Attention(q.Forward(x), k.Forward(memory), v.Forward(memory), T5Translator.Heads, causal, keyIds, T5Translator.PadId,
            T5Translator.DropoutRate, bias, scale: 1f));
}

/// <summary>T5's <c>DenseReluDense</c>: wi (Width -> d_ff), ReLU, dropout, wo (d_ff -> Width), no biases.</summary>
[Module]
public partial class T5FeedForward
{
    [Dense(T5Translator.Width, T5Translator.FeedForward, Bias = false, WeightInit = Init.Normal, Std = 0.0884f)] Dense wi;
    [Dense(T5Translator.FeedForward, T5Translator.Width, Bias = false, WeightInit = Init.Normal, Std = 0.0442f)] Dense wo;   // d_ff^-1/2
    [Dropout(T5Translator.DropoutRate)] Dropout dropout;

    public Tensor Forward(Tensor x) => wo.Forward(dropout.Forward(Relu(wi.Forward(x))));
}
