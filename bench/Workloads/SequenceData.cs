using System;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W6's training set, made here from a fixed seed (no sequence data set ships with the project, and the speed
/// of a step does not depend on the values): <see cref="Count"/> sequences of <see cref="Steps"/> steps of
/// <see cref="Features"/> values uniform in [-1, 1], each labelled with the one of its first <see cref="Classes"/>
/// features whose sum over the steps is largest, so the task needs the whole sequence and a network can learn it.
/// Built once per process; TorchSharp copies are made on first use so the TorchSharp variants slice batches out of one
/// tensor.</summary>
internal sealed class SequenceData
{
    private static readonly Lazy<SequenceData> s_instance = new(() => new SequenceData());
    private TorchTensor? _torchInputs, _torchLabels;

    /// <summary>Sequences in the set: 128 batches of 32.</summary>
    public const int Count = 4096;

    /// <summary>Time steps per sequence.</summary>
    public const int Steps = 32;

    /// <summary>Features per step.</summary>
    public const int Features = 16;

    /// <summary>Classes.</summary>
    public const int Classes = 10;

    private SequenceData()
    {
        var random = new Random(6);
        Inputs = new float[Count * Steps * Features];
        for (int i = 0; i < Inputs.Length; i++) Inputs[i] = 2 * random.NextSingle() - 1;
        Labels = new int[Count];
        ClassIndices = new float[Count];
        var sums = new float[Classes];
        for (int s = 0; s < Count; s++)
        {
            Array.Clear(sums);
            for (int t = 0; t < Steps; t++)
                for (int f = 0; f < Classes; f++)
                    sums[f] += Inputs[(s * Steps + t) * Features + f];
            int label = 0;
            for (int f = 1; f < Classes; f++) if (sums[f] > sums[label]) label = f;
            Labels[s] = label;
            ClassIndices[s] = label;
        }
    }

    /// <summary>The one instance.</summary>
    public static SequenceData Instance => s_instance.Value;

    /// <summary>[Count, Steps, Features], row-major: each sample a [T, F] sequence, as the network takes it.</summary>
    public float[] Inputs { get; }

    /// <summary>Class of each sequence.</summary>
    public int[] Labels { get; }

    /// <summary>[Count, 1]: the class index as a float (the cross-entropy target).</summary>
    public float[] ClassIndices { get; }

    /// <summary><see cref="Inputs"/> as a [Count, Steps, Features] tensor: what <c>nn.LSTM(batch_first: true)</c> takes.</summary>
    public TorchTensor TorchInputs => _torchInputs ??= tensor(Inputs, new long[] { Count, Steps, Features });

    /// <summary><see cref="Labels"/> as a [Count] int64 tensor (what <c>cross_entropy</c> takes).</summary>
    public TorchTensor TorchLabels => _torchLabels ??= tensor(Array.ConvertAll(Labels, l => (long)l), new long[] { Count });
}
