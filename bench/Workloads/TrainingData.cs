using System;
using NetCompiler.Definitions.Training;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>The Fashion-MNIST training set shared by W2, W3, W4 and ResNetSmall, loaded once per process with
/// <see cref="FashionMnistSource.Load(string?)"/>: the full 60,000 images when Debian's
/// <c>dataset-fashion-mnist</c> is installed, else the shipped 8,000-image split (<see cref="Description"/> says
/// which). Holds the targets in both encodings the networks use, and TorchSharp copies made on first use so the
/// TorchSharp variants slice batches out of tensors instead of copying arrays every step.</summary>
internal sealed class TrainingData
{
    private static readonly Lazy<TrainingData> s_instance = new(() => new TrainingData());
    private TorchTensor? _torchInputs, _torchImages, _torchOneHot, _torchLabels;

    private TrainingData()
    {
        var data = FashionMnistSource.Load(null);
        Description = data.Description;
        var train = data.Train;
        Count = train.Count;
        Inputs = train.Features;
        var labels = train.Labels ?? throw new InvalidOperationException($"Dataset '{train.Name}' has no class labels.");
        Labels = labels;
        ClassIndices = new float[Count];
        OneHot = new float[Count * Classes];
        for (int i = 0; i < Count; i++)
        {
            ClassIndices[i] = labels[i];
            OneHot[i * Classes + labels[i]] = 1f;
        }
    }

    /// <summary>The one instance (loading takes about a second).</summary>
    public static TrainingData Instance => s_instance.Value;

    /// <summary>Features per sample (28 x 28 pixels in [0, 1]).</summary>
    public const int Features = 784;

    /// <summary>Classes.</summary>
    public const int Classes = 10;

    /// <summary>Which data was loaded, from <see cref="FashionMnistData.Description"/>.</summary>
    public string Description { get; }

    /// <summary>Training samples.</summary>
    public int Count { get; }

    /// <summary>[Count, 784], row-major.</summary>
    public float[] Inputs { get; }

    /// <summary>Class of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>[Count, 1]: the class index as a float (the wide MLP's cross-entropy target).</summary>
    public float[] ClassIndices { get; }

    /// <summary>[Count, 10]: one-hot targets (seed 001's quadratic cost).</summary>
    public float[] OneHot { get; }

    /// <summary><see cref="Inputs"/> as a [Count, 784] float tensor.</summary>
    public TorchTensor TorchInputs => _torchInputs ??= tensor(Inputs, new long[] { Count, Features });

    /// <summary><see cref="Inputs"/> as [Count, 1, 28, 28] images, what <c>nn.Conv2d</c> takes: a view of
    /// <see cref="TorchInputs"/>, no copy.</summary>
    public TorchTensor TorchImages => _torchImages ??= TorchInputs.view(Count, 1, 28, 28);

    /// <summary><see cref="OneHot"/> as a [Count, 10] float tensor.</summary>
    public TorchTensor TorchOneHot => _torchOneHot ??= tensor(OneHot, new long[] { Count, Classes });

    /// <summary><see cref="Labels"/> as a [Count] int64 tensor (what <c>cross_entropy</c> takes).</summary>
    public TorchTensor TorchLabels => _torchLabels ??= tensor(Array.ConvertAll(Labels, l => (long)l), new long[] { Count });
}
