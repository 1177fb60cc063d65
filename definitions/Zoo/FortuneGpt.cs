using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>The larger character-level GPT that the <c>gpt</c> command trains on Debian's fortunes: 128 character ids
/// (<c>CharVocabulary</c>'s 97) -> token embedding (97 x 128) plus a learned position embedding (128 x 128)
/// -> four pre-norm Transformer blocks (causal multi-head self-attention with 4 heads of 32, a GELU feed-forward
/// network 128 -> 512 -> 128, residual connections) -> a final LayerNorm -> an untied head to 97 logits at every
/// position, trained with cross-entropy against the next character. Parameter names are <see cref="CharGpt"/>'s
/// (nanoGPT's, with PyTorch's <c>nn.MultiheadAttention</c> names for the attention), and so is the initialization:
/// N(0, 0.02), the feed-forward network's output projection N(0, 0.02 / sqrt(2 x 4 layers)) as nanoGPT scales it.
/// <para>Why this size: 4 layers x 128 wide with a 128-character context (about 0.82 million parameters) is the
/// largest nanoGPT-shaped model whose epoch over the fortunes (2.3 million characters) trains in a few minutes on the
/// two shared cores; a context of 128 covers most fortunes whole, where CharGpt's 64 covers a line or two.</para></summary>
[Network(Decoder = true)]
public partial class FortuneGpt
{
    /// <summary>Characters the model knows (<c>CharVocabulary.Size</c>, CharLstm's).</summary>
    public const int Vocabulary = CharLstm.Vocabulary;

    /// <summary>Characters per window: the context.</summary>
    public const int Context = 128;

    /// <summary>Features per position.</summary>
    public const int Width = 128;

    /// <summary>Attention heads per block.</summary>
    public const int Heads = 4;

    /// <summary>Transformer blocks.</summary>
    public const int Layers = 4;

    [Embedding(Vocabulary, Width, Init = Init.Normal, Std = 0.02f)] Embedding wte;
    [Embedding(Context, Width, Init = Init.Normal, Std = 0.02f)] Embedding wpe;
    [Repeat(Layers)] FortuneGptBlock[] h;
    [LayerNorm(Width)] LayerNorm ln_f;
    [Dense(Width, Vocabulary, Bias = false, WeightInit = Init.Normal, Std = 0.02f)] Dense lm_head;

    [Forward]
    Tensor Forward([Shape(Context)] Tokens idx)
    {
        var x = wte.Forward(idx) + wpe.Weight;                 // [128, 128]: token plus position
        foreach (var block in h) x = block.Forward(x);
        return lm_head.Forward(ln_f.Forward(x));               // [128, 97]: logits of the next character
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Context, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>A pre-norm Transformer block of <see cref="FortuneGpt"/>: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
[Module]
public partial class FortuneGptBlock
{
    [LayerNorm(FortuneGpt.Width)] LayerNorm ln_1;
    [MultiHeadAttention(FortuneGpt.Width, FortuneGpt.Heads, Causal = true)] MultiHeadAttention attn;
    [LayerNorm(FortuneGpt.Width)] LayerNorm ln_2;
    FortuneGptMlp mlp;

    public Tensor Forward(Tensor x)
    {
        x = x + attn.Forward(ln_1.Forward(x));
        return x + mlp.Forward(ln_2.Forward(x));
    }
}

/// <summary>The feed-forward network of a <see cref="FortuneGptBlock"/>: 128 -> 512, GELU, 512 -> 128.</summary>
[Module]
public partial class FortuneGptMlp
{
    [Dense(FortuneGpt.Width, 4 * FortuneGpt.Width, WeightInit = Init.Normal, Std = 0.02f)] Dense c_fc;
    [Dense(4 * FortuneGpt.Width, FortuneGpt.Width, WeightInit = Init.Normal, Std = 0.00707f)] Dense c_proj;   // nanoGPT's 0.02 / sqrt(2 x 4 layers)

    public Tensor Forward(Tensor x) => c_proj.Forward(Gelu(c_fc.Forward(x)));
}
