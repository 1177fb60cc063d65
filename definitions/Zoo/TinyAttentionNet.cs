using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Single-head self-attention over a [4, 6] sequence, softmax(Q K^T / sqrt(6)) V, then a projection:
/// rank-2 per-sample shapes, MatMul, Transpose and Softmax, with a composite loss.</summary>
[Network]
public partial class TinyAttentionNet
{
    const float InverseSqrtDim = 0.408248290f; // 1 / sqrt(6)

    [Param(6, 6)] Tensor wq;
    [Param(6, 6)] Tensor wk;
    [Param(6, 6)] Tensor wv;
    [Dense(6, 6)] Dense proj;

    [Forward]
    Tensor Forward([Shape(4, 6)] Tensor x)
    {
        var q = MatMul(x, wq);
        var k = MatMul(x, wk);
        var v = MatMul(x, wv);
        var attention = Softmax(MatMul(q, Transpose(k)) * InverseSqrtDim);
        return proj.Forward(GeluTanh(MatMul(attention, v)));
    }

    [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t) + 0.01f * Mean(y * y) + 0.001f * Sum(Sigmoid(y));
}
