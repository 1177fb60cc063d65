using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace NetCompiler.Tests.Training;

/// <summary>Parameter stores, gradients and datasets built without the code under test.</summary>
internal static class TrainingFixtures
{
    /// <summary>A store with one parameter per entry of <paramref name="parameters"/>, laid out contiguously.</summary>
    public static ParameterStore Store(params (string Name, int[] Shape)[] parameters)
    {
        var layout = new List<ParameterInfo>();
        int offset = 0;
        foreach (var (name, shape) in parameters)
        {
            var info = new ParameterInfo(name, offset, shape);
            layout.Add(info);
            offset += info.Length;
        }
        return new ParameterStore(layout);
    }

    /// <summary>Lengths 1, 7, 37 and 64: a scalar, tails shorter than any vector, and whole vectors plus a tail, for
    /// every vector width (4, 8, 16 floats).</summary>
    public static ParameterStore MixedLengthStore() =>
        Store(("scalar", [1]), ("seven", [7]), ("odd.weight", [37]), ("square.weight", [4, 16]));

    /// <summary>Deterministic values in roughly [-1, 1] for step <paramref name="salt"/>, none close to zero.</summary>
    public static float[] Pattern(int length, int salt)
    {
        var result = new float[length];
        var rng = new Rng((ulong)(1000 + salt));
        for (int i = 0; i < length; i++)
        {
            float magnitude = 0.1f + 0.9f * rng.NextFloat();
            result[i] = rng.NextInt(2) == 0 ? magnitude : -magnitude;
        }
        return result;
    }

    /// <summary>Three well separated Gaussian blobs in 4 dimensions (one class each), <paramref name="count"/> samples
    /// in random class order.</summary>
    public static Dataset Blobs(string name, int count, ulong seed, float spread = 0.6f)
    {
        double[][] centers = [[2, 0, 0, -1], [-1, 2, 1, 0], [0, -2, 2, 1]];
        var rng = new Rng(seed);
        var features = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = rng.NextInt(3);
            labels[i] = c;
            for (int j = 0; j < 4; j++) features[i * 4 + j] = (float)(centers[c][j] + spread * rng.NextGaussian());
        }
        return new Dataset(name, features, 4, labels, 3);
    }

    /// <summary>Mean softmax cross-entropy and accuracy of <paramref name="logits"/> (3 per sample) against the labels,
    /// in float64.</summary>
    public static (double Loss, double Accuracy) CrossEntropyAndAccuracy(float[] logits, int[] labels, int classes)
    {
        double lossSum = 0;
        int correct = 0;
        for (int s = 0; s < labels.Length; s++)
        {
            var y = logits.AsSpan(s * classes, classes);
            double max = double.NegativeInfinity;
            int best = 0;
            for (int j = 0; j < classes; j++)
            {
                if (y[j] > max) max = y[j];
                if (y[j] > y[best]) best = j;
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.Exp(y[j] - max);
            lossSum += max + Math.Log(sum) - y[labels[s]];
            if (best == labels[s]) correct++;
        }
        return (lossSum / labels.Length, (double)correct / labels.Length);
    }
}
