using System;
using NetCompiler.Definitions.Seeds;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W2: seed 001's 784 -> 30 sigmoid -> 10 sigmoid network, quadratic cost (0.5 * sum of squares per
/// sample, mean over the batch) against one-hot targets, SGD lr 3.0, batch 10, on the Fashion-MNIST training set
/// (<see cref="TrainingData"/>) in a fixed order. One call is one step on the next batch; an epoch is
/// <see cref="StepsPerEpoch"/> steps. Every variant owns its network, copied from one initial network, and its
/// own position in the data.</summary>
internal sealed class Seed001Workload : IDisposable
{
    public const float LearningRate = 3f;
    public const int Batch = 10;

    private static readonly (string, TorchActivation)[] s_layers =
        [("hidden", TorchActivation.Sigmoid), ("output", TorchActivation.Sigmoid)];

    private readonly TrainingData _data = TrainingData.Instance;
    private readonly Seed001MnistNet _initial = new();
    private readonly Seed001MnistNet _compiled, _interpreted;
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private TorchMlp? _torch1, _torch2;

    public Seed001Workload()
    {
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(_data.Count, Batch);
        _interpretedCursor = new BatchCursor(_data.Count, Batch);
        _torch1Cursor = new BatchCursor(_data.Count, Batch);
        _torch2Cursor = new BatchCursor(_data.Count, Batch);
    }

    /// <summary>Steps in one epoch over the training set.</summary>
    public int StepsPerEpoch => _data.Count / Batch;

    /// <summary>Training samples in one epoch.</summary>
    public int EpochSamples => StepsPerEpoch * Batch;

    public float StepCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(Inputs(s), Targets(s), Batch, LearningRate);
    }

    public float StepInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, Inputs(s), Targets(s), Batch, LearningRate);
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, threads: 1);
        _torch2 ??= CreateTorch(_initial, threads: 2);
    }

    public float StepTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        // narrow is a view, not a copy: batches come out of the dataset tensor as cheaply as libtorch allows.
        using var x = _data.TorchInputs.narrow(0, s, Batch);
        using var t = _data.TorchOneHot.narrow(0, s, Batch);
        torch.TrainStep(x, t);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck"/>: the first batch, on fresh copies of the initial network.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        using var torch = CreateTorch(net, threads: 1);
        using var x = _data.TorchInputs.narrow(0, 0, Batch);
        using var t = _data.TorchOneHot.narrow(0, 0, Batch);
        var outputs = new float[Batch * TrainingData.Classes];
        net.Infer(Inputs(0), outputs, Batch);
        var torchOutputs = torch.Forward(x);
        float[] losses = [net.TrainStep(Inputs(0), Targets(0), Batch, LearningRate), net.TrainStep(Inputs(0), Targets(0), Batch, LearningRate)];
        float[] torchLosses = [torch.TrainStepWithLoss(x, t), torch.TrainStepWithLoss(x, t)];
        return TorchCheck.Compare("W2 seed 001", outputs, torchOutputs, losses, torchLosses);
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
    }

    private ReadOnlySpan<float> Inputs(int start) => _data.Inputs.AsSpan(start * TrainingData.Features, Batch * TrainingData.Features);

    private ReadOnlySpan<float> Targets(int start) => _data.OneHot.AsSpan(start * TrainingData.Classes, Batch * TrainingData.Classes);

    private Seed001MnistNet CopyOfInitial()
    {
        var net = new Seed001MnistNet();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    private static TorchMlp CreateTorch(Seed001MnistNet net, int threads) =>
        new(net, s_layers, TorchLoss.HalfSquaredError, p => optim.SGD(p, LearningRate), threads);
}
