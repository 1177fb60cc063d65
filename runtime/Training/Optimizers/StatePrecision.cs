namespace NetCompiler;

/// <summary>How an optimizer stores its per-parameter state (<see cref="Adam.Moments"/>).</summary>
public enum StatePrecision
{
    /// <summary>float32, as PyTorch stores it: the default.</summary>
    Float32,

    /// <summary>bfloat16 (float32's exponent, 7 mantissa bits), rounded stochastically after every update so that a
    /// running average still moves by steps smaller than its precision (it does on average). The arithmetic is float32;
    /// only storage changes. Halves the state's memory and cuts an Adam step's memory traffic from 28 to 20 bytes per
    /// parameter. Checkpoints hold the state as float32 either way (a bfloat16 value is exactly a float), so they load
    /// into an optimizer of either precision.</summary>
    BFloat16,
}
