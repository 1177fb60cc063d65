using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

#pragma warning disable IDE1006, IDE0044 // field names are the state_dict names; RegisterComponents reads the fields

/// <summary>The TorchSharp twin of the zoo's <c>CharGpt</c> (W5, <c>definitions/Zoo/CharGpt.cs</c>), written as a
/// TorchSharp user writes nanoGPT: <c>wte</c> and <c>wpe</c> embeddings (the position table's weight added as it is, all
/// 64 positions), a <c>ModuleList</c> <c>h</c> of two pre-norm blocks, <c>ln_f</c>, an <c>lm_head</c> without bias. The
/// fields carry the definition's names, so the <c>state_dict</c> is NetCompiler's (<c>h.0.attn.in_proj_weight</c>
/// [192, 64], <c>h.0.mlp.c_fc.weight</c> [256, 64], ...), copied by <see cref="TorchClassifier"/> as it is. Takes ids
/// [N, 64] (int64) and returns the logits flattened to [N 64, 65], what <c>cross_entropy</c> takes against the next
/// characters [N 64]: the mean over the batch's positions, as NetCompiler's mean over samples of per-sample means.</summary>
internal sealed class TorchCharGpt : Module<TorchTensor, TorchTensor>
{
    public const int Vocabulary = 65, Context = 64, Width = 64, Heads = 4, Layers = 2;

    private TorchSharp.Modules.Embedding wte;
    private TorchSharp.Modules.Embedding wpe;
    private ModuleList<TorchCharGptBlock> h;
    private TorchSharp.Modules.LayerNorm ln_f;
    private Linear lm_head;

    public TorchCharGpt() : base(nameof(TorchCharGpt))
    {
        wte = Embedding(Vocabulary, Width);
        wpe = Embedding(Context, Width);
        h = new ModuleList<TorchCharGptBlock>();
        for (int i = 0; i < Layers; i++) h.Add(new TorchCharGptBlock());
        ln_f = LayerNorm(Width);
        lm_head = Linear(Width, Vocabulary, hasBias: false);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor idx)
    {
        var x = wte.forward(idx) + wpe.weight!;                 // [N, 64, 64]: token plus position
        foreach (var block in h) x = block.forward(x);
        return lm_head.forward(ln_f.forward(x)).view(-1, Vocabulary);   // [N 64, 65]
    }

    /// <summary>A KV cache for <see cref="Decode"/>: per block, keys and values [1, heads, 64, d], zeros.</summary>
    public (TorchTensor[] Keys, TorchTensor[] Values) NewCache() =>
        (Enumerable.Range(0, Layers).Select(_ => zeros(1, Heads, Context, Width / Heads)).ToArray(),
         Enumerable.Range(0, Layers).Select(_ => zeros(1, Heads, Context, Width / Heads)).ToArray());

    /// <summary>The KV-cached step a TorchSharp user writes for generation (nanoGPT's forward for one new position):
    /// token <paramref name="token"/> at <paramref name="position"/>, its keys and values written into the cache at that
    /// position, its query attending cache rows 0..position; returns the position's logits [65].</summary>
    public TorchTensor Decode(TorchTensor token, int position, TorchTensor[] keys, TorchTensor[] values)
    {
        var x = wte.forward(token) + wpe.weight!.narrow(0, position, 1);   // [1, 1, 64]
        for (int i = 0; i < Layers; i++) x = h[i].Decode(x, position, keys[i], values[i]);
        return lm_head.forward(ln_f.forward(x)).view(Vocabulary);
    }
}

/// <summary>A pre-norm block: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
internal sealed class TorchCharGptBlock : Module<TorchTensor, TorchTensor>
{
    private TorchSharp.Modules.LayerNorm ln_1;
    private TorchCausalSelfAttention attn;
    private TorchSharp.Modules.LayerNorm ln_2;
    private TorchCharGptMlp mlp;

    public TorchCharGptBlock() : base(nameof(TorchCharGptBlock))
    {
        ln_1 = LayerNorm(TorchCharGpt.Width);
        attn = new TorchCausalSelfAttention(TorchCharGpt.Width, TorchCharGpt.Heads);
        ln_2 = LayerNorm(TorchCharGpt.Width);
        mlp = new TorchCharGptMlp();
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x)
    {
        x = x + attn.forward(ln_1.forward(x));
        return x + mlp.forward(ln_2.forward(x));
    }

    /// <summary>The block for one new position over the KV cache (see <see cref="TorchCharGpt.Decode"/>).</summary>
    public TorchTensor Decode(TorchTensor x, int position, TorchTensor keys, TorchTensor values)
    {
        x = x + attn.Decode(ln_1.forward(x), position, keys, values);
        return x + mlp.forward(ln_2.forward(x));
    }
}

/// <summary>Causal multi-head self-attention with <c>nn.MultiheadAttention</c>'s parameters (<c>in_proj_weight</c>
/// [3 width, width] packing q, k, v; <c>in_proj_bias</c>; <c>out_proj</c>), computed as nanoGPT's
/// <c>CausalSelfAttention</c> does: one packed projection, split into heads, libtorch's fused
/// <c>scaled_dot_product_attention(is_causal)</c> (TorchSharp 0.107 spells the argument <c>is_casual</c>), heads joined,
/// output projection.</summary>
internal sealed class TorchCausalSelfAttention : Module<TorchTensor, TorchTensor>
{
    private readonly int _heads;
    private Parameter in_proj_weight;
    private Parameter in_proj_bias;
    private Linear out_proj;

    public TorchCausalSelfAttention(int width, int heads) : base(nameof(TorchCausalSelfAttention))
    {
        _heads = heads;
        in_proj_weight = new Parameter(empty(3 * width, width));
        in_proj_bias = new Parameter(zeros(3 * width));
        out_proj = Linear(width, width);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x)
    {
        long n = x.shape[0], t = x.shape[1], c = x.shape[2];
        var qkv = functional.linear(x, in_proj_weight, in_proj_bias);           // [N, T, 3C]
        var parts = qkv.split(c, 2);
        var q = parts[0].view(n, t, _heads, c / _heads).transpose(1, 2);       // [N, heads, T, d]
        var k = parts[1].view(n, t, _heads, c / _heads).transpose(1, 2);
        var v = parts[2].view(n, t, _heads, c / _heads).transpose(1, 2);
        var y = functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        return out_proj.forward(y.transpose(1, 2).contiguous().view(n, t, c));
    }

    /// <summary>One new position x [1, 1, C]: its key and value into the cache [1, heads, T, d] at
    /// <paramref name="position"/>, its query over cache rows 0..position (all of them earlier or itself: no mask).</summary>
    public TorchTensor Decode(TorchTensor x, int position, TorchTensor keys, TorchTensor values)
    {
        long c = x.shape[2], d = c / _heads;
        var parts = functional.linear(x, in_proj_weight, in_proj_bias).split(c, 2);
        var q = parts[0].view(1, 1, _heads, d).transpose(1, 2);                 // [1, heads, 1, d]
        keys.narrow(2, position, 1).copy_(parts[1].view(1, 1, _heads, d).transpose(1, 2));
        values.narrow(2, position, 1).copy_(parts[2].view(1, 1, _heads, d).transpose(1, 2));
        var y = functional.scaled_dot_product_attention(q, keys.narrow(2, 0, position + 1), values.narrow(2, 0, position + 1));
        return out_proj.forward(y.transpose(1, 2).reshape(1, 1, c));
    }
}

/// <summary>The feed-forward network: c_fc 64 -> 256, exact (erf) GELU, c_proj 256 -> 64.</summary>
internal sealed class TorchCharGptMlp : Module<TorchTensor, TorchTensor>
{
    private Linear c_fc;
    private Linear c_proj;

    public TorchCharGptMlp() : base(nameof(TorchCharGptMlp))
    {
        c_fc = Linear(TorchCharGpt.Width, 4 * TorchCharGpt.Width);
        c_proj = Linear(4 * TorchCharGpt.Width, TorchCharGpt.Width);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x) => c_proj.forward(functional.gelu(c_fc.forward(x)));
}
