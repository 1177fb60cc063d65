using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Causal multi-head self-attention written from primitives, as PyTorch's <c>nn.MultiheadAttention</c> computes
/// it for one sequence with a causal mask: one projection to q, k and v, the heads split with Reshape and Permute,
/// softmax(q k^T / sqrt(d)) v per head with a batched MatMul, each position attending to itself and those before it
/// (Where with a constant lower-triangular mask), the heads merged back and projected. [T = 8, D = 16], 2 heads of 8.</summary>
[Module]
public partial class SelfAttention
{
    const int T = 8, D = 16, Heads = 2, HeadDim = D / Heads;
    const float Scale = 0.35355339f;                              // 1 / sqrt(HeadDim)

    [Dense(D, 3 * D)] Dense qkv;                                  // in_proj: [3D, D]
    [Dense(D, D)] Dense proj;                                     // out_proj

    [Forward]
    public Tensor Forward(Tensor x)                               // [T, D]
    {
        var h = qkv.Forward(x);                                   // [T, 3D]
        var q = Heads_(Slice(h, -1, 0, D));                       // [Heads, T, HeadDim]
        var k = Heads_(Slice(h, -1, D, D));
        var v = Heads_(Slice(h, -1, 2 * D, D));
        var scores = MatMul(q, Permute(k, 0, 2, 1)) * Scale;      // [Heads, T, T]
        var causal = Where(Triangle(T, T), scores, float.NegativeInfinity);   // no position sees a later one
        var weights = Softmax(causal, -1);
        var merged = Reshape(Permute(MatMul(weights, v), 1, 0, 2), T, D);   // [T, D]
        return proj.Forward(merged);
    }

    /// <summary>[T, D] -> [Heads, T, HeadDim].</summary>
    static Tensor Heads_(Tensor x) => Permute(Reshape(x, T, Heads, HeadDim), 1, 0, 2);
}
