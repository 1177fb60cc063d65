using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>An encoder-decoder Transformer in the shape of PyTorch's <c>nn.Transformer(norm_first=True,
/// activation="gelu", batch_first=True)</c> and of the seeds' T5-style translation example, small: 10 source tokens
/// (vocabulary 40) with fixed sinusoidal positions through two <see cref="TransformerEncoderLayer"/>s and a final
/// LayerNorm; 8 target tokens (vocabulary 30) with a learned position table through two
/// <see cref="TransformerDecoderLayer"/>s that attend causally to the target and fully to the 10 encoded source
/// positions, a final LayerNorm, then logits of the next target token whose head is tied to the target embedding
/// (logits = x W_emb^T, as nanoGPT ties <c>lm_head</c> to <c>wte</c>: one [30, 32] matrix, its gradient the sum of both
/// uses). Width 32, 4 heads, feed-forward 128, dropout 0.1.</summary>
[Network]
public partial class TranslationTransformer
{
    /// <summary>Source tokens per sample.</summary>
    public const int SourceLength = 10;

    /// <summary>Target tokens per sample (the decoder's input, shifted right; the target is the next token).</summary>
    public const int TargetLength = 8;

    /// <summary>Distinct source token ids.</summary>
    public const int SourceVocabulary = 40;

    /// <summary>Distinct target token ids: the logits' width.</summary>
    public const int TargetVocabulary = 30;

    /// <summary>Encoder and decoder layers (each).</summary>
    public const int Layers = 2;

    const int Width = TransformerEncoderLayer.Width;

    [Embedding(SourceVocabulary, Width)] Embedding src_tok_emb;
    [Embedding(TargetVocabulary, Width)] Embedding tgt_tok_emb;                  // also the output head (tied)
    [Embedding(TargetLength, Width, Init = Init.Normal, Std = 0.02f)] Embedding tgt_pos_emb;
    [Repeat(Layers)] TransformerEncoderLayer[] encoder;
    [LayerNorm(Width)] LayerNorm encoder_norm;
    [Repeat(Layers)] TransformerDecoderLayer[] decoder;
    [LayerNorm(Width)] LayerNorm decoder_norm;

    [Forward]
    Tensor Forward([Shape(SourceLength)] Tokens src, [Shape(TargetLength)] Tokens tgt)
    {
        var memory = src_tok_emb.Forward(src) + SinusoidalPositions(SourceLength, Width);    // [10, 32]
        foreach (var layer in encoder) memory = layer.Forward(memory);
        memory = encoder_norm.Forward(memory);

        var x = tgt_tok_emb.Forward(tgt) + tgt_pos_emb.Weight;                                  // [8, 32]
        foreach (var layer in decoder) x = layer.Forward(x, memory);
        return Linear(decoder_norm.Forward(x), tgt_tok_emb.Weight, null);                      // [8, 30], tied head
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(TargetLength, 1)] Tensor next) => CrossEntropy(logits, next);
}
