using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>LeNet-5's backbone under a new 5-class head: the transfer command's target network. The backbone's names
/// and shapes are <see cref="LeNet5"/>'s and <see cref="LeNet5Source"/>'s, so <see cref="Checkpoint.LoadMatching"/>
/// fills it from either network's checkpoint; the head is named <c>head</c>, a name no checkpoint of those has, so it
/// keeps its fresh initialization and the load reports the old <c>fc3</c> as skipped.</summary>
[Network]
public partial class LeNet5Transfer
{
    [Conv2D(1, 6, 5, Padding = 2)] Conv2D conv1;
    [Conv2D(6, 16, 5)] Conv2D conv2;
    [Dense(400, 120, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense fc1;
    [Dense(120, 84, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense fc2;
    [Dense(84, 5, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense head;

    [Forward]
    Tensor Forward([Shape(1, 28, 28)] Tensor image)
    {
        var x = MaxPool2D(Relu(conv1.Forward(image)), 2);   // [6, 14, 14]
        x = MaxPool2D(Relu(conv2.Forward(x)), 2);           // [16, 5, 5]
        x = Relu(fc1.Forward(Flatten(x)));                  // [120]
        x = Relu(fc2.Forward(x));                           // [84]
        return head.Forward(x);                             // [5]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
