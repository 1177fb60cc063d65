using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Luong's "general" attention (Luong, Pham and Manning 2015, eq. 8): score(q_i, k_j) = q_i W_a k_j^T, weights
/// softmax over the keys, output sum_j weights[i, j] values[j]. No scaling and no heads. Queries [Tq, 16], keys
/// [Tk, 16], values [Tk, Dv] (any Tq, Tk, Dv) -> [Tq, Dv]. <c>Wa</c> is a bias-free nn.Linear(16, 16) applied to the keys
/// (k W_a^T), so that q (k W_a^T)^T = q W_a k^T with W_a [query width, key width]. For other widths, copy the class and
/// change the constants.</summary>
[Module]
public partial class LuongAttention
{
    /// <summary>Features of a query.</summary>
    public const int QueryWidth = 16;

    /// <summary>Features of a key.</summary>
    public const int KeyWidth = 16;

    [Dense(KeyWidth, QueryWidth, Bias = false)] Dense Wa;                   // W_a [QueryWidth, KeyWidth]

    /// <summary>query [Tq, QueryWidth], keys [Tk, KeyWidth], values [Tk, Dv] -> [Tq, Dv].</summary>
    public Tensor Forward(Tensor query, Tensor keys, Tensor values)
    {
        var scores = MatMul(query, Transpose(Wa.Forward(keys)));            // [Tq, Tk]: q W_a k^T
        return MatMul(Softmax(scores, -1), values);                         // [Tq, Dv]
    }
}
