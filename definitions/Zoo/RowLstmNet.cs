using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>Fashion-MNIST read as a sequence: the 28 rows of an image, 28 pixels each, one row per step through an
/// LSTM (28 -> 128); its last hidden state -> Dense(128 -> 10), softmax cross-entropy (Adam 2e-3, batch 64, gradients
/// clipped to global norm 5, the remedy for exploding gradients through time).</summary>
[Network]
public partial class RowLstmNet
{
    const int Rows = 28, Pixels = 28, Hidden = 128;

    [Lstm(Pixels, Hidden)] Lstm lstm;
    [Dense(Hidden, 10)] Dense head;

    [Forward]
    Tensor Forward([Shape(Rows, Pixels)] Tensor image)
    {
        var (_, hidden, _) = lstm.Forward(image);    // hidden: [1, 128], the state after the last row
        return head.Forward(Reshape(hidden, Hidden));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
