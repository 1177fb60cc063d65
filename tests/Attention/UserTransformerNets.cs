using static NetCompiler.Ops;

namespace NetCompiler.Tests.Attention;

// A Transformer written as a user would, with sizes other than the zoo's (width 48, 3 heads of 16, feed-forward 96,
// sequences of 7 and 5) and PyTorch's names, so that TransformerReference reads their parameters. No dropout: the
// float64 reference compares the training pass's outputs and gradients.

/// <summary>A pre-norm encoder layer: x + self_attn(norm1(x)), then + linear2(gelu(linear1(norm2(x)))).</summary>
[Module]
public partial class UserEncoderLayer
{
    public const int Width = 48, Heads = 3, Hidden = 96;

    [LayerNorm(Width)] LayerNorm norm1;
    [MultiHeadAttention(Width, Heads)] MultiHeadAttention self_attn;
    [LayerNorm(Width)] LayerNorm norm2;
    [Dense(Width, Hidden)] Dense linear1;
    [Dense(Hidden, Width)] Dense linear2;

    public Tensor Forward(Tensor x)
    {
        x = x + self_attn.Forward(norm1.Forward(x));
        return x + linear2.Forward(Gelu(linear1.Forward(norm2.Forward(x))));
    }
}

/// <summary>A pre-norm decoder layer: causal self-attention, cross-attention to the memory, feed-forward network.</summary>
[Module]
public partial class UserDecoderLayer
{
    const int Width = UserEncoderLayer.Width, Heads = UserEncoderLayer.Heads, Hidden = UserEncoderLayer.Hidden;

    [LayerNorm(Width)] LayerNorm norm1;
    [MultiHeadAttention(Width, Heads, Causal = true)] MultiHeadAttention self_attn;
    [LayerNorm(Width)] LayerNorm norm2;
    [MultiHeadAttention(Width, Heads)] MultiHeadAttention multihead_attn;
    [LayerNorm(Width)] LayerNorm norm3;
    [Dense(Width, Hidden)] Dense linear1;
    [Dense(Hidden, Width)] Dense linear2;

    public Tensor Forward(Tensor x, Tensor memory)
    {
        x = x + self_attn.Forward(norm1.Forward(x));
        x = x + multihead_attn.Forward(norm2.Forward(x), memory);
        return x + linear2.Forward(Gelu(linear1.Forward(norm3.Forward(x))));
    }
}

/// <summary>Multi-head cross-attention alone: 5 queries over 7 memory positions.</summary>
[Network]
public partial class UserCrossAttentionNet
{
    const int Width = UserEncoderLayer.Width;

    [MultiHeadAttention(Width, UserEncoderLayer.Heads)] MultiHeadAttention attn;

    [Forward] Tensor Forward([Shape(5, Width)] Tensor x, [Shape(7, Width)] Tensor memory) => attn.Forward(x, memory);

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>One whole pre-norm encoder layer over 7 positions.</summary>
[Network]
public partial class UserEncoderLayerNet
{
    UserEncoderLayer layer;

    [Forward] Tensor Forward([Shape(7, UserEncoderLayer.Width)] Tensor x) => layer.Forward(x);

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}

/// <summary>An encoder layer over a 7-position source and a decoder layer over a 5-position target that attends to it.</summary>
[Network]
public partial class UserEncoderDecoderNet
{
    const int Width = UserEncoderLayer.Width;

    UserEncoderLayer encoder;
    UserDecoderLayer decoder;

    [Forward]
    Tensor Forward([Shape(5, Width)] Tensor target, [Shape(7, Width)] Tensor source) => decoder.Forward(target, encoder.Forward(source));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
}
