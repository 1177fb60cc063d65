using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>A residual MLP block: x + down(GELU(up(x))).</summary>
[Module]
public partial class ResidualBlock
{
    [Dense(8, 16)] Dense up;
    [Dense(16, 8)] Dense down;
    [Param(8, Init = Init.Ones)] Tensor gate;

    [Forward] public Tensor Forward(Tensor x) => x + down.Forward(Gelu(up.Forward(x))) * gate;
}

/// <summary>4 features -> 3 classes through two residual blocks: modules, [Repeat] arrays, foreach,
/// broadcasting, and softmax cross-entropy with class-index targets.</summary>
[Network]
public partial class ResidualMlpNet
{
    [Dense(4, 8)] Dense input;
    [Repeat(2)] ResidualBlock[] blocks;
    [Dense(8, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(4)] Tensor x)
    {
        var h = Swish(input.Forward(x), 1.5f);
        foreach (var block in blocks)
            h = block.Forward(h);
        h = LeakyRelu(h, 0.1f) - Relu(-h) * 0.5f;
        return head.Forward(h);
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
