using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary>LeNet-5 for a 5-class task: the transfer command's source network, pretrained on Fashion-MNIST classes
/// 0-4. Its backbone (<c>conv1</c>, <c>conv2</c>, <c>fc1</c>, <c>fc2</c>) is <see cref="LeNet5"/>'s, names and
/// shapes included; its head <c>fc3</c> scores 5 classes instead of 10.</summary>
[Network]
public partial class LeNet5Source
{
    [Conv2D(1, 6, 5, Padding = 2)] Conv2D conv1;
    [Conv2D(6, 16, 5)] Conv2D conv2;
    [Dense(400, 120, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense fc1;
    [Dense(120, 84, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense fc2;
    [Dense(84, 5, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense fc3;

    [Forward]
    Tensor Forward([Shape(1, 28, 28)] Tensor image)
    {
        var x = MaxPool2D(Relu(conv1.Forward(image)), 2);   // [6, 14, 14]
        x = MaxPool2D(Relu(conv2.Forward(x)), 2);           // [16, 5, 5]
        x = Relu(fc1.Forward(Flatten(x)));                  // [120]
        x = Relu(fc2.Forward(x));                           // [84]
        return fc3.Forward(x);                              // [5]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
