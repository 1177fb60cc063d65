namespace NetCompiler.Generator.Model;

/// <summary>Every operation the IR knows. Leaves first, then element-wise, structural, layers and losses.</summary>
internal enum OpKind
{
    // Leaves
    Input,
    Target,
    Param,
    Buffer,
    Constant,
    // Element-wise binary (with broadcasting) and unary
    Add,
    Sub,
    Mul,
    Neg,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Swish,
    Gelu,
    GeluTanh,
    Step,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Abs,
    Div,
    Maximum,
    Minimum,
    Where,
    Dropout,
    // Structural
    MatMul,
    Transpose,
    Sum,
    Mean,
    Max,
    Softmax,
    LogSoftmax,
    Gather,
    Reshape,
    Permute,
    Slice,
    Concat,
    // Layers
    Linear,
    LayerNorm,
    RmsNorm,
    BatchNorm,
    // Losses (per-sample scalar)
    BinaryCrossEntropy,
    MeanSquaredError,
    QuadraticCost,
    CrossEntropy,
}
