using System;

namespace NetCompiler.Definitions.Seeds;

/// <summary>The perceptron learning rule of seed 002, 3.1.5: for each sample, y = step(w . x + b), then
/// w += eta (t - y) x and b += eta (t - y). Runs the compiled forward pass for y.</summary>
public static class PerceptronRule
{
    /// <summary>Trains until an epoch makes no mistake or <paramref name="maxEpochs"/> pass;
    /// returns the number of epochs run, or -1 if it did not converge.</summary>
    public static int Train(PerceptronNet net, float[] inputs, float[] targets, float eta, int maxEpochs)
    {
        if (inputs.Length != targets.Length * PerceptronNet.InputSize)
            throw new ArgumentException($"{targets.Length} targets need {targets.Length * PerceptronNet.InputSize} inputs, got {inputs.Length}.");
        var w = net.Parameters.GetValues("unit.weight");
        Span<float> y = stackalloc float[1];
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            int mistakes = 0;
            for (int s = 0; s < targets.Length; s++)
            {
                var x = inputs.AsSpan(s * 2, 2);
                net.Infer(x, y, 1);
                float error = targets[s] - y[0];
                if (error == 0f) continue;
                mistakes++;
                w[0] += eta * error * x[0];
                w[1] += eta * error * x[1];
                net.Parameters.GetValues("unit.bias")[0] += eta * error;
            }
            if (mistakes == 0) return epoch;
        }
        return -1;
    }
}
