using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>PyTorch's <c>nn.TransformerDecoderLayer(d_model: 32, nhead: 4, dim_feedforward: 128, dropout: 0.1,
/// activation: "gelu", batch_first: True, norm_first: True)</c>, with its parameter names (<c>self_attn</c>,
/// <c>multihead_attn</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>, <c>norm3</c>) and formulas, the
/// self-attention causal (<c>tgt_is_causal</c>: position i sees targets 0..i):
/// x = x + dropout1(self_attn(norm1(x))), x = x + dropout2(multihead_attn(norm2(x), memory)), then
/// x = x + dropout3(linear2(dropout(gelu(linear1(norm3(x)))))). The target is [T, 32], the memory (the encoder's
/// output) [S, 32] with S free; neither is masked by padding. Sizes are constants, as in
/// <see cref="TransformerEncoderLayer"/>: for another width, copy the class and change them.</summary>
[Module]
public partial class TransformerDecoderLayer
{
    /// <summary>Features per position (<c>d_model</c>).</summary>
    public const int Width = TransformerEncoderLayer.Width;

    /// <summary>Attention heads (<c>nhead</c>) of both attentions.</summary>
    public const int Heads = TransformerEncoderLayer.Heads;

    /// <summary>Hidden features of the feed-forward network (<c>dim_feedforward</c>).</summary>
    public const int FeedForward = TransformerEncoderLayer.FeedForward;

    /// <summary>PyTorch's default dropout rate, on the three residual branches and inside the feed-forward network.</summary>
    public const float DropoutRate = TransformerEncoderLayer.DropoutRate;

    [MultiHeadAttention(Width, Heads, Causal = true)] MultiHeadAttention self_attn;
    [MultiHeadAttention(Width, Heads)] MultiHeadAttention multihead_attn;
    [Dense(Width, FeedForward)] Dense linear1;
    [Dropout(DropoutRate)] Dropout dropout;
    [Dense(FeedForward, Width)] Dense linear2;
    [LayerNorm(Width)] LayerNorm norm1;
    [LayerNorm(Width)] LayerNorm norm2;
    [LayerNorm(Width)] LayerNorm norm3;
    [Dropout(DropoutRate)] Dropout dropout1;
    [Dropout(DropoutRate)] Dropout dropout2;
    [Dropout(DropoutRate)] Dropout dropout3;

    /// <summary>target [T, Width], memory [S, Width] -> [T, Width].</summary>
    public Tensor Forward(Tensor x, Tensor memory)
    {
        x = x + dropout1.Forward(self_attn.Forward(norm1.Forward(x)));
        x = x + dropout2.Forward(multihead_attn.Forward(norm2.Forward(x), memory));
        return x + dropout3.Forward(linear2.Forward(dropout.Forward(Gelu(linear1.Forward(norm3.Forward(x))))));
    }
}
