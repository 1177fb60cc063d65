using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Bahdanau's additive attention (Bahdanau, Cho and Bengio 2014, appendix A.1.2): score(q_i, k_j) =
/// v_a^T tanh(W_a q_i + U_a k_j), weights softmax over the keys, output sum_j weights[i, j] values[j]. Queries [Tq, 16],
/// keys [Tk, 16], values [Tk, Dv] (any Tq, Tk, Dv) -> [Tq, Dv]. Names as PyTorch's seq2seq translation tutorial
/// (<c>Wa</c>, <c>Ua</c> nn.Linear(16, 16) with biases), except the score vector, which is a parameter <c>va</c> [16]
/// (the tutorial's <c>Va</c> is nn.Linear(16, 1), whose bias adds the same constant to every score and so has no effect
/// on the weights). The [Tq, Tk, 16] sum is formed by broadcasting. For other widths, copy the class and change the
/// constants.</summary>
[Module]
public partial class BahdanauAttention
{
    /// <summary>Features of a query.</summary>
    public const int QueryWidth = 16;

    /// <summary>Features of a key.</summary>
    public const int KeyWidth = 16;

    /// <summary>Features of the hidden layer the scores are read from.</summary>
    public const int Hidden = 16;

    [Dense(QueryWidth, Hidden)] Dense Wa;
    [Dense(KeyWidth, Hidden)] Dense Ua;
    [Param(Hidden, Init = Init.Normal, Std = 0.25f)] Tensor va;

    /// <summary>query [Tq, QueryWidth], keys [Tk, KeyWidth], values [Tk, Dv] -> [Tq, Dv].</summary>
    public Tensor Forward(Tensor query, Tensor keys, Tensor values)
    {
        var q = Reshape(Wa.Forward(query), -1, 1, Hidden);                  // [Tq, 1, Hidden]
        var k = Reshape(Ua.Forward(keys), 1, -1, Hidden);                   // [1, Tk, Hidden]
        var scores = Sum(Tanh(q + k) * va, -1);                             // [Tq, Tk]: v_a . tanh(W_a q_i + U_a k_j)
        return MatMul(Softmax(scores, -1), values);                         // [Tq, Dv]
    }
}
