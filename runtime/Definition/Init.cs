namespace NetCompiler;

/// <summary>How a parameter is initialized. All random initializers are seeded and deterministic.</summary>
public enum Init
{
    /// <summary>All zeros.</summary>
    Zeros,
    /// <summary>All ones.</summary>
    Ones,
    /// <summary>Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)).</summary>
    Xavier,
    /// <summary>He/Kaiming normal: N(0, 2 / fanIn).</summary>
    He,
    /// <summary>Normal N(0, Std^2).</summary>
    Normal,
    /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's <c>nn.Linear</c> default for weights and biases
    /// (Kaiming uniform with a = sqrt(5)).</summary>
    FanInUniform,
}
