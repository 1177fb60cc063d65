using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>W6: an LSTM (16 -> 64) over 32 steps, its last hidden state -> Dense(64 -> 10), softmax cross-entropy
/// (trained with Adam 1e-3, batch 32). The sequence task of seed 004, chapter 3, at the size the benchmarks compare.</summary>
[Network]
public partial class LstmSequenceNet
{
    [Lstm(16, 64)] Lstm lstm;
    [Dense(64, 10)] Dense head;

    [Forward]
    Tensor Forward([Shape(32, 16)] Tensor x)
    {
        var (_, hidden, _) = lstm.Forward(x);    // hidden: [1, 64], the state after the last step
        return head.Forward(Reshape(hidden, 64));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
