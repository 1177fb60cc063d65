using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Three query positions attend, through <see cref="LuongAttention"/>, over a memory of seven positions (keys
/// and values both the memory, as in Luong's decoder); the context vectors are flattened into a three-class head.</summary>
[Network]
public partial class LuongAttentionNet
{
    const int Queries = 3, Memory = 7, Width = LuongAttention.QueryWidth;

    [Dense(4, Width)] Dense embed;
    LuongAttention attention;
    [Dense(Queries * Width, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(Queries, 4)] Tensor x, [Shape(Memory, Width)] Tensor memory) =>
        head.Forward(Reshape(attention.Forward(Tanh(embed.Forward(x)), memory, memory), -1));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>The same over <see cref="BahdanauAttention"/>, with values other than the keys (a projection of the memory
/// to 5 features).</summary>
[Network]
public partial class BahdanauAttentionNet
{
    const int Queries = 3, Memory = 7, Width = BahdanauAttention.QueryWidth, ValueWidth = 5;

    [Dense(4, Width)] Dense embed;
    [Dense(Width, ValueWidth)] Dense value;
    BahdanauAttention attention;
    [Dense(Queries * ValueWidth, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(Queries, 4)] Tensor x, [Shape(Memory, Width)] Tensor memory) =>
        head.Forward(Reshape(attention.Forward(Tanh(embed.Forward(x)), memory, value.Forward(memory)), -1));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
