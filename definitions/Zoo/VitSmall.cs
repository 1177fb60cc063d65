using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A small Vision Transformer (seed 004's ViT) for Fashion-MNIST: the 28 x 28 image cut into 16 patches of 7 x 7
/// pixels, each projected to 64 features; a learned class token in front and learned positions added; three pre-norm
/// encoder blocks (4-head self-attention, no mask; GELU feed-forward 64 -> 128 -> 64); a final LayerNorm; the class
/// token's features -> 10 classes, softmax cross-entropy (AdamW 1e-3 cosine, batch 64, gradients clipped to norm 1).</summary>
[Network]
public partial class VitSmall
{
    /// <summary>Patches per side, pixels per patch side, features per token, encoder blocks.</summary>
    public const int Side = 4, Patch = 7, Width = 64, Blocks = 3;

    const int Patches = Side * Side, Tokens = Patches + 1;

    [Dense(Patch * Patch, Width)] Dense patch_embed;
    [Param(1, Width, Init = Init.Normal, Std = 0.02f)] Tensor cls_token;
    [Param(Tokens, Width, Init = Init.Normal, Std = 0.02f)] Tensor pos_embed;
    [Repeat(Blocks)] VitBlock[] blocks;
    [LayerNorm(Width)] LayerNorm norm;
    [Dense(Width, 10)] Dense head;

    [Forward]
    Tensor Forward([Shape(Side * Patch, Side * Patch)] Tensor image)
    {
        // [28, 28] -> [4, 7, 4, 7] -> [4, 4, 7, 7]: patch (row, column) with its 7 x 7 pixels, then one row per patch.
        var patches = Reshape(Permute(Reshape(image, Side, Patch, Side, Patch), 0, 2, 1, 3), Patches, Patch * Patch);
        var x = Concat(cls_token, patch_embed.Forward(patches), 0) + pos_embed;   // [17, 64]
        foreach (var block in blocks) x = block.Forward(x);
        return head.Forward(Reshape(Slice(norm.Forward(x), 0, 0, 1), Width));               // the class token
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>A pre-norm encoder block of <see cref="VitSmall"/>: x + attn(norm1(x)), then + mlp(norm2(x)).</summary>
[Module]
public partial class VitBlock
{
    [LayerNorm(VitSmall.Width)] LayerNorm norm1;
    [MultiHeadAttention(VitSmall.Width, 4)] MultiHeadAttention attn;
    [LayerNorm(VitSmall.Width)] LayerNorm norm2;
    [Dense(VitSmall.Width, 2 * VitSmall.Width)] Dense fc1;
    [Dense(2 * VitSmall.Width, VitSmall.Width)] Dense fc2;

    public Tensor Forward(Tensor x)
    {
        x = x + attn.Forward(norm1.Forward(x));
        return x + fc2.Forward(Gelu(fc1.Forward(norm2.Forward(x))));
    }
}
