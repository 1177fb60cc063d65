using System;
using System.Diagnostics.CodeAnalysis;

namespace NetCompiler;

/// <summary>Small helpers the generated code calls: argument checks with clear messages (kept out of the hot
/// loops) and throw helpers so the kernels stay free of allocation.</summary>
public static class CompiledSupport
{
    /// <summary>Validates the arguments of a compiled Infer call.</summary>
    public static void CheckInfer(int inputLength, int outputLength, int batch, int inputSize, int outputSize)
    {
        CheckBatch(batch);
        if (inputLength < (long)batch * inputSize)
            throw new ArgumentException($"inputs holds {inputLength} floats; batch {batch} x {inputSize} per sample needs {(long)batch * inputSize}.", "inputs");
        if (outputLength < (long)batch * outputSize)
            throw new ArgumentException($"outputs holds {outputLength} floats; batch {batch} x {outputSize} per sample needs {(long)batch * outputSize}.", "outputs");
    }

    /// <summary>Validates the arguments of a compiled training call.</summary>
    public static void CheckTrain(int inputLength, int targetLength, int batch, int inputSize, int targetSize)
    {
        CheckBatch(batch);
        if (inputLength < (long)batch * inputSize)
            throw new ArgumentException($"inputs holds {inputLength} floats; batch {batch} x {inputSize} per sample needs {(long)batch * inputSize}.", "inputs");
        if (targetLength < (long)batch * targetSize)
            throw new ArgumentException($"targets holds {targetLength} floats; batch {batch} x {targetSize} per sample needs {(long)batch * targetSize}.", "targets");
    }

    private static void CheckBatch(int batch)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
    }

    /// <summary>Reports a class-index target outside [0, classes).</summary>
    [DoesNotReturn]
    public static void ThrowClassIndex(float label, int classes) =>
        throw new ArgumentOutOfRangeException("targets", label, $"A class-index target must be an integer in [0, {classes}).");
}
