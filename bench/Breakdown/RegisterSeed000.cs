using System;
using System.Runtime.CompilerServices;

namespace NetCompiler.Bench;

/// <summary>A lower bound for seed 000's step, written by hand: the 2-2-1 network's nine parameters in fields,
/// every value in a register, the same transcendentals as the compiled code (<see cref="ScalarMath"/>), and the
/// sigmoid + cross-entropy shortcut dL/dz = y - t. The compiled step cannot beat it without cruder math; the gap
/// between the two is what the generated code's workspace round trips cost.</summary>
internal sealed class RegisterSeed000
{
    private float _w0 = 0.1f, _w1 = 0.2f, _w2 = 0.3f, _w3 = 0.4f, _b0 = 0.01f, _b1 = 0.02f, _u0 = 0.5f, _u1 = 0.6f, _c = 0.03f;

    /// <summary>The output for x = (x0, x1).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public float Infer(float x0, float x1)
    {
        float h0 = ScalarMath.Tanh(MathF.FusedMultiplyAdd(_w1, x1, MathF.FusedMultiplyAdd(_w0, x0, _b0)));
        float h1 = ScalarMath.Tanh(MathF.FusedMultiplyAdd(_w3, x1, MathF.FusedMultiplyAdd(_w2, x0, _b1)));
        return ScalarMath.Sigmoid(MathF.FusedMultiplyAdd(_u1, h1, MathF.FusedMultiplyAdd(_u0, h0, _c)));
    }

    /// <summary>One SGD step on one sample; returns the loss before the update.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public float TrainStep(float x0, float x1, float t, float learningRate)
    {
        float h0 = ScalarMath.Tanh(MathF.FusedMultiplyAdd(_w1, x1, MathF.FusedMultiplyAdd(_w0, x0, _b0)));
        float h1 = ScalarMath.Tanh(MathF.FusedMultiplyAdd(_w3, x1, MathF.FusedMultiplyAdd(_w2, x0, _b1)));
        float y = ScalarMath.Sigmoid(MathF.FusedMultiplyAdd(_u1, h1, MathF.FusedMultiplyAdd(_u0, h0, _c)));
        float loss = -(t * MathF.Max(ScalarMath.Log(y), -100f) + (1 - t) * MathF.Max(ScalarMath.Log(1 - y), -100f));
        float dz = y - t;
        float d0 = dz * _u0 * (1 - h0 * h0), d1 = dz * _u1 * (1 - h1 * h1);
        _c -= learningRate * dz; _u0 -= learningRate * dz * h0; _u1 -= learningRate * dz * h1;
        _b0 -= learningRate * d0; _w0 -= learningRate * d0 * x0; _w1 -= learningRate * d0 * x1;
        _b1 -= learningRate * d1; _w2 -= learningRate * d1 * x0; _w3 -= learningRate * d1 * x1;
        return loss;
    }
}
