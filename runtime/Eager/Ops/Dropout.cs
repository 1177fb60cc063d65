using System;

namespace NetCompiler;

public static partial class Ops
{
    /// <summary>Dropout (PyTorch's <c>F.dropout(x, p, training)</c>): in training mode (inside
    /// <see cref="Interpreter.ComputeGradients"/>) each element is zeroed with probability <paramref name="p"/> and the
    /// others are scaled by <c>1 / (1 - p)</c>; otherwise <paramref name="x"/> itself is returned. The mask comes from
    /// <see cref="DropoutMasks"/> (seed, step, op, sample, element), as in the compiled code. Backward: <c>dx += dy mask
    /// / (1 - p)</c>, the mask drawn again.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in [0, 1).</exception>
    public static Tensor Dropout(Tensor x, float p)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: the probability must be in [0, 1).");
        if (TrainingScope.Current is not { } scope) return x;
        ulong key = scope.NextDropoutKey();   // numbered even when p is 0, as the compiled code numbers every dropout op
        int batch = x.Batch > 0 ? x.Batch : scope.Batch, n = x.SampleSize;
        var result = Tensor.Result(batch, x.Shape, [x], r =>
        {
            for (int s = 0; s < batch; s++)
                DropoutMasks.Backward(ref r.Gradient[s * n], ref x.Gradient[Shapes.SampleOf(x, s) * n], n, key, Counter(scope, s, n), p);
        });
        for (int s = 0; s < batch; s++)
            DropoutMasks.Forward(ref x.Values[Shapes.SampleOf(x, s) * n], ref result.Values[s * n], n, key, Counter(scope, s, n), p);
        return result;
    }

    /// <summary>The mask counter of sample <paramref name="s"/>'s first element: its place in the whole batch times the
    /// sample size (wrapping, as the compiled code's unsigned arithmetic does).</summary>
    private static uint Counter(TrainingScope scope, int s, int n) => unchecked((uint)(scope.SampleOffset + s) * (uint)n);
}
