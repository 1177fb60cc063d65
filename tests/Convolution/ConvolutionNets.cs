using static NetCompiler.Ops;

namespace NetCompiler.Tests.Convolution;

/// <summary>Every convolution option in one small network: padding, a (kh, kw) kernel with stride, dilation, padding
/// and groups, a depthwise convolution without bias, a functional convolution whose weight is computed (it runs one
/// sample at a time), both poolings with odd sizes and padding, global average pooling and flatten; ReLU and tanh fused
/// into the convolutions' epilogues.</summary>
[Network]
public partial class ConvOptionsNet
{
    [Conv2D(2, 4, 3, Padding = 1)] Conv2D first;
    [Conv2D(4, 6, 2, 3, Stride = 2, Dilation = 2, Padding = 1, Groups = 2)] Conv2D grouped;
    [Conv2D(6, 6, 3, Groups = 6, Padding = 1, Bias = false)] Conv2D depthwise;
    [Param(6, 3, 1, 1, Init = Init.Normal, Std = 0.5f)] Tensor mix;
    [Dense(78, 3)] Dense head;

    [Forward]
    Tensor Forward([Shape(2, 9, 11)] Tensor x)
    {
        var h = MaxPool2D(Relu(first.Forward(x)), 3, 2, 1);          // [4, 9, 11] -> [4, 5, 6]
        var g = Tanh(grouped.Forward(h));                              // [6, 3, 2]
        var d = depthwise.Forward(g);                                  // [6, 3, 2]
        var m = Convolution2D(d, mix * 2f, null, 1, 0, 1, 2);          // 1x1, 2 groups: [6, 3, 2]
        var a = AvgPool2D(m, 2, 1, 1);                                 // [6, 4, 3]
        return head.Forward(Concat(Flatten(a), GlobalAvgPool(a), 0));  // [72 + 6]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>A residual block with batch normalization and a strided 1x1 projection, as ResNet's, after a max pool without
/// padding (the vector kernel; ReLU's zeros make ties): the batch statistics make the whole batch one tile.</summary>
[Network]
public partial class ResidualConvNet
{
    [Conv2D(3, 8, 3, Padding = 1, Bias = false)] Conv2D stem;
    [BatchNorm2D(8)] BatchNorm2D stemNorm;
    [Conv2D(8, 16, 3, Stride = 2, Padding = 1, Bias = false)] Conv2D conv1;
    [BatchNorm2D(16)] BatchNorm2D norm1;
    [Conv2D(16, 16, 3, Padding = 1, Bias = false)] Conv2D conv2;
    [BatchNorm2D(16)] BatchNorm2D norm2;
    [Conv2D(8, 16, 1, Stride = 2, Bias = false)] Conv2D projection;
    [BatchNorm2D(16)] BatchNorm2D projectionNorm;
    [Dense(16, 4)] Dense head;

    [Forward]
    Tensor Forward([Shape(3, 7, 7)] Tensor x)   // [16, 3, 3] after the block
    {
        var h = MaxPool2D(Relu(stemNorm.Forward(stem.Forward(x))), 3, 1);   // [8, 5, 5]
        var y = Relu(norm1.Forward(conv1.Forward(h)));
        y = norm2.Forward(conv2.Forward(y));
        var shortcut = projectionNorm.Forward(projection.Forward(h));
        return head.Forward(GlobalAvgPool(Relu(y + shortcut)));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
