using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>W5: a character-level GPT in nanoGPT's shape: 64 character ids -> token embedding (65 x 64) plus a learned
/// position embedding (64 x 64) -> two pre-norm Transformer blocks (causal multi-head self-attention with 4 heads of 16,
/// a GELU feed-forward network 64 -> 256 -> 64, residual connections) -> a final LayerNorm -> an untied head to 65
/// logits at every position, trained with cross-entropy against the next character (AdamW, lr 3e-4, batch 16).
/// Parameter names follow nanoGPT's (<c>wte</c>, <c>wpe</c>, <c>h.0.ln_1</c>, <c>h.0.mlp.c_fc</c>, <c>ln_f</c>,
/// <c>lm_head</c>) except the attention, which is PyTorch's <c>nn.MultiheadAttention</c> (<c>h.0.attn.in_proj_weight</c>,
/// <c>h.0.attn.out_proj</c>, initialized as that module is); the other weights start as nanoGPT's, N(0, 0.02), the
/// feed-forward network's output projection N(0, 0.02 / sqrt(2 layers)).</summary>
[Network(Decoder = true)]
public partial class CharGpt
{
    /// <summary>Characters the model knows (tiny Shakespeare's 65).</summary>
    public const int Vocabulary = 65;

    /// <summary>Characters per window: the context.</summary>
    public const int Context = 64;

    /// <summary>Features per position.</summary>
    public const int Width = 64;

    /// <summary>Attention heads per block.</summary>
    public const int Heads = 4;

    /// <summary>Transformer blocks.</summary>
    public const int Layers = 2;

    [Embedding(Vocabulary, Width, Init = Init.Normal, Std = 0.02f)] Embedding wte;
    [Embedding(Context, Width, Init = Init.Normal, Std = 0.02f)] Embedding wpe;
    [Repeat(Layers)] CharGptBlock[] h;
    [LayerNorm(Width)] LayerNorm ln_f;
    [Dense(Width, Vocabulary, Bias = false, WeightInit = Init.Normal, Std = 0.02f)] Dense lm_head;

    [Forward]
    Tensor Forward([Shape(Context)] Tokens idx)
    {
        var x = wte.Forward(idx) + wpe.Weight;                 // [64, 64]: token plus position
        foreach (var block in h) x = block.Forward(x);
        return lm_head.Forward(ln_f.Forward(x));               // [64, 65]: logits of the next character
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Context, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>A pre-norm Transformer block of <see cref="CharGpt"/>: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
[Module]
public partial class CharGptBlock
{
    [LayerNorm(CharGpt.Width)] LayerNorm ln_1;
    [MultiHeadAttention(CharGpt.Width, CharGpt.Heads, Causal = true)] MultiHeadAttention attn;
    [LayerNorm(CharGpt.Width)] LayerNorm ln_2;
    CharGptMlp mlp;

    public Tensor Forward(Tensor x)
    {
        x = x + attn.Forward(ln_1.Forward(x));
        return x + mlp.Forward(ln_2.Forward(x));
    }
}

/// <summary>The feed-forward network of a <see cref="CharGptBlock"/>: 64 -> 256, GELU, 256 -> 64.</summary>
[Module]
public partial class CharGptMlp
{
    [Dense(CharGpt.Width, 4 * CharGpt.Width, WeightInit = Init.Normal, Std = 0.02f)] Dense c_fc;
    [Dense(4 * CharGpt.Width, CharGpt.Width, WeightInit = Init.Normal, Std = 0.01414f)] Dense c_proj;   // 0.02 / sqrt(2 layers)

    public Tensor Forward(Tensor x) => c_proj.Forward(Gelu(c_fc.Forward(x)));
}
