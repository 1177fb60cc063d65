using static NetCompiler.Ops;

namespace NetCompiler.Tests.Convolution;

/// <summary>A small image classifier written as a user would, not taken from the zoo: a 3x2 stem without bias (batch
/// normalization follows) on a 3x8x7 image, overlapping max pooling with padding, a residual block of a grouped 3x3
/// convolution and a dilated depthwise one, average pooling with stride 1 and padding, a strided 3x3 convolution with
/// a fused tanh, and a linear head. Small enough for a float64 reference (<see cref="UserConvNetReference"/>).</summary>
[Network]
public partial class UserConvNet
{
    public const int C = 3, H = 8, W = 7, Classes = 4;

    [Conv2D(C, 8, 3, 2, Padding = 1, Bias = false)] Conv2D stem;
    [BatchNorm2D(8)] BatchNorm2D stemNorm;
    [Conv2D(8, 8, 3, Padding = 1, Groups = 4)] Conv2D grouped;
    [Conv2D(8, 8, 3, Padding = 2, Dilation = 2, Groups = 8, Bias = false)] Conv2D depthwise;
    [Conv2D(8, 12, 3, Stride = 2)] Conv2D down;
    [Dense(48, Classes)] Dense head;

    [Forward]
    Tensor Forward([Shape(C, H, W)] Tensor image)
    {
        var h = MaxPool2D(Relu(stemNorm.Forward(stem.Forward(image))), 3, 2, 1);   // [8, 8, 8] -> [8, 4, 4]
        var r = depthwise.Forward(Relu(grouped.Forward(h)));                         // [8, 4, 4]
        var y = AvgPool2D(Relu(r + h), 2, 1, 1);                                     // [8, 5, 5]
        return head.Forward(Flatten(Tanh(down.Forward(y))));                         // [12, 2, 2] -> [48] -> [Classes]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
