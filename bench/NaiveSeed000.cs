using System;

namespace NetCompiler.Bench;

/// <summary>The baseline: seed 000's 2 -> 2 tanh -> 1 sigmoid network with binary cross-entropy, written by hand
/// the way a user would write it from the lecture notes: plain arrays, scalar loops, <see cref="MathF"/>,
/// forward, backward (with the sigmoid + cross-entropy shortcut dL/dz = y - t) and an SGD update.
/// Buffers are allocated once, so a step allocates nothing. Same initial weights as <c>Seed000Net</c>.</summary>
public sealed class NaiveSeed000
{
    private const int Inputs = 2, Hidden = 2;

    private readonly float[,] _w1 = { { 0.1f, 0.2f }, { 0.3f, 0.4f } }; // [hidden, input]
    private readonly float[] _b1 = { 0.01f, 0.02f };
    private readonly float[] _w2 = { 0.5f, 0.6f };                       // [hidden]
    private float _b2 = 0.03f;

    private readonly float[] _h = new float[Hidden];
    private readonly float[] _dh = new float[Hidden];
    private readonly float[,] _dw1 = new float[Hidden, Inputs];
    private readonly float[] _db1 = new float[Hidden];
    private readonly float[] _dw2 = new float[Hidden];

    /// <summary>Output of one sample (the sigmoid probability).</summary>
    public float Infer(float[] x)
    {
        float z2 = _b2;
        for (int j = 0; j < Hidden; j++)
        {
            float z1 = _b1[j];
            for (int i = 0; i < Inputs; i++) z1 += _w1[j, i] * x[i];
            _h[j] = MathF.Tanh(z1);
            z2 += _w2[j] * _h[j];
        }
        return 1f / (1f + MathF.Exp(-z2));
    }

    /// <summary>One SGD step on one sample; returns the loss before the update.</summary>
    public float TrainStep(float[] x, float t, float learningRate)
    {
        // forward
        float y = Infer(x);
        float loss = -(t * MathF.Max(MathF.Log(y), -100f) + (1f - t) * MathF.Max(MathF.Log(1f - y), -100f));

        // backward
        float dz2 = y - t; // sigmoid + binary cross-entropy
        float db2 = dz2;
        for (int j = 0; j < Hidden; j++)
        {
            _dw2[j] = dz2 * _h[j];
            _dh[j] = dz2 * _w2[j];
        }
        for (int j = 0; j < Hidden; j++)
        {
            float dz1 = _dh[j] * (1f - _h[j] * _h[j]);
            _db1[j] = dz1;
            for (int i = 0; i < Inputs; i++) _dw1[j, i] = dz1 * x[i];
        }

        // SGD
        for (int j = 0; j < Hidden; j++)
        {
            for (int i = 0; i < Inputs; i++) _w1[j, i] -= learningRate * _dw1[j, i];
            _b1[j] -= learningRate * _db1[j];
            _w2[j] -= learningRate * _dw2[j];
        }
        _b2 -= learningRate * db2;
        return loss;
    }
}
