using static NetCompiler.Ops;

namespace NetCompiler.Bench;

// The five networks of the `scaling` command: W3's wide MLP (WideMlpNet) at other hidden widths H, written as a user
// writes any network (the generator compiles each into its own specialized code, so every width gets kernels sized
// for it). Same layer kinds, initialization and loss as WideMlpNet: Dense + ReLU twice, a Dense to 10 logits,
// softmax cross-entropy against a class index.

/// <summary>784 -> 64 ReLU -> 64 ReLU -> 10 logits, softmax cross-entropy with class-index targets.</summary>
[Network]
public partial class ScalingMlp64
{
    [Dense(784, 64, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden1;
    [Dense(64, 64, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden2;
    [Dense(64, 10, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => output.Forward(Relu(hidden2.Forward(Relu(hidden1.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>784 -> 256 ReLU -> 256 ReLU -> 10 logits, softmax cross-entropy with class-index targets.</summary>
[Network]
public partial class ScalingMlp256
{
    [Dense(784, 256, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden1;
    [Dense(256, 256, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden2;
    [Dense(256, 10, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => output.Forward(Relu(hidden2.Forward(Relu(hidden1.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>784 -> 512 ReLU -> 512 ReLU -> 10 logits, softmax cross-entropy with class-index targets: W3's shape
/// (<c>WideMlpNet</c>), repeated here so the table's rows come from one family of definitions.</summary>
[Network]
public partial class ScalingMlp512
{
    [Dense(784, 512, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden1;
    [Dense(512, 512, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden2;
    [Dense(512, 10, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => output.Forward(Relu(hidden2.Forward(Relu(hidden1.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>784 -> 1024 ReLU -> 1024 ReLU -> 10 logits, softmax cross-entropy with class-index targets.</summary>
[Network]
public partial class ScalingMlp1024
{
    [Dense(784, 1024, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden1;
    [Dense(1024, 1024, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden2;
    [Dense(1024, 10, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => output.Forward(Relu(hidden2.Forward(Relu(hidden1.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>784 -> 2048 ReLU -> 2048 ReLU -> 10 logits, softmax cross-entropy with class-index targets.</summary>
[Network]
public partial class ScalingMlp2048
{
    [Dense(784, 2048, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden1;
    [Dense(2048, 2048, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense hidden2;
    [Dense(2048, 10, WeightInit = Init.FanInUniform, BiasInit = Init.FanInUniform)] Dense output;

    [Forward] Tensor Forward([Shape(784)] Tensor x) => output.Forward(Relu(hidden2.Forward(Relu(hidden1.Forward(x)))));

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}
