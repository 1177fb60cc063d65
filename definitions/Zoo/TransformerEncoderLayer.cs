using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>PyTorch's <c>nn.TransformerEncoderLayer(d_model: 32, nhead: 4, dim_feedforward: 128, dropout: 0.1,
/// activation: "gelu", batch_first: True, norm_first: True)</c>, with its parameter names (<c>self_attn.in_proj_weight</c>,
/// <c>self_attn.out_proj</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>) and formulas:
/// x = x + dropout1(self_attn(norm1(x))), then x = x + dropout2(linear2(dropout(gelu(linear1(norm2(x)))))).
/// Over [T, 32] for any T; the self-attention is not masked (PyTorch's default <c>src_mask = None</c>).
/// Sizes are constants because attributes take constants: for another width, copy this class and change
/// <see cref="Width"/>, <see cref="Heads"/> and <see cref="FeedForward"/> (the heads must divide the width).</summary>
[Module]
public partial class TransformerEncoderLayer
{
    /// <summary>Features per position (<c>d_model</c>).</summary>
    public const int Width = 32;

    /// <summary>Attention heads (<c>nhead</c>), of <see cref="Width"/> / 4 features each.</summary>
    public const int Heads = 4;

    /// <summary>Hidden features of the feed-forward network (<c>dim_feedforward</c>).</summary>
    public const int FeedForward = 4 * Width;

    /// <summary>PyTorch's default dropout rate, on both residual branches and inside the feed-forward network.</summary>
    public const float DropoutRate = 0.1f;

    [MultiHeadAttention(Width, Heads)] MultiHeadAttention self_attn;
    [Dense(Width, FeedForward)] Dense linear1;
    [Dropout(DropoutRate)] Dropout dropout;
    [Dense(FeedForward, Width)] Dense linear2;
    [LayerNorm(Width)] LayerNorm norm1;
    [LayerNorm(Width)] LayerNorm norm2;
    [Dropout(DropoutRate)] Dropout dropout1;
    [Dropout(DropoutRate)] Dropout dropout2;

    /// <summary>[T, Width] -> [T, Width].</summary>
    public Tensor Forward(Tensor x)
    {
        x = x + dropout1.Forward(self_attn.Forward(norm1.Forward(x)));
        return x + dropout2.Forward(linear2.Forward(dropout.Forward(Gelu(linear1.Forward(norm2.Forward(x))))));
    }
}
