using System;
using System.Collections.Generic;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W4: LeNet-5 (<see cref="LeNet5"/>: conv 1 -> 6 5x5 pad 2, ReLU, max pool 2, conv 6 -> 16 5x5, ReLU, max
/// pool 2, 400 -> 120 -> 84 -> 10, softmax cross-entropy with class indices), one training step of SGD (lr 0.01,
/// momentum 0.9, the zoo recipe) on the next batch of 64 Fashion-MNIST training images. Every variant owns its
/// network, copied from one initial network, with its own optimizer state and position in the data.</summary>
internal sealed class LeNet5Workload : IDisposable
{
    public const float LearningRate = 0.01f;
    public const float Momentum = 0.9f;
    public const int Batch = 64;

    /// <summary>Samples per tile of the generated LeNet5 (its TileRows): the convolutions are called per tile.</summary>
    public const int TileRows = 32;

    /// <summary>The two convolutions.</summary>
    public static ConvLayers Convolutions => ConvLayers.LeNet5;

    /// <summary>Multiply-adds of the dense layers per sample: 400 x 120 + 120 x 84 + 84 x 10.</summary>
    public const double DenseMultiplyAdds = 400 * 120 + 120 * 84 + 84 * 10;

    /// <summary>Training FLOPs per sample: the convolutions' (see <see cref="ConvLayers"/>: forward, dW and dX, without
    /// conv1's dX), and the dense layers' forward, dW and dX (all three: fc1's input gradient feeds conv2's backward).
    /// Pooling, activations, biases and the loss are not counted.</summary>
    public static double TrainFlopsPerSample => Convolutions.TrainFlopsPerSample + 3 * 2 * DenseMultiplyAdds;

    private readonly TrainingData _data = TrainingData.Instance;
    private readonly LeNet5 _initial = new();
    private readonly LeNet5 _compiled, _interpreted;
    private readonly Sgd _compiledSgd = NewSgd(), _interpretedSgd = NewSgd();
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly ConvStepTimer _convolutions = new(Convolutions, Batch, TileRows, hasBias: true);
    private TorchClassifier? _torch1, _torch2;

    public LeNet5Workload()
    {
        Convolutions.Verify(_initial);
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(_data.Count, Batch);
        _interpretedCursor = new BatchCursor(_data.Count, Batch);
        _torch1Cursor = new BatchCursor(_data.Count, Batch);
        _torch2Cursor = new BatchCursor(_data.Count, Batch);
    }

    public float TrainCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(Inputs(s, Batch), Targets(s, Batch), Batch, _compiledSgd);
    }

    public float TrainInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, Inputs(s, Batch), Targets(s, Batch), Batch, _interpretedSgd);
    }

    /// <summary>The convolutions of one compiled step alone (<see cref="ConvStepTimer"/>).</summary>
    public float ConvolutionsOnly() => _convolutions.Step();

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, threads: 1);
        _torch2 ??= CreateTorch(_initial, threads: 2);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = _data.TorchImages.narrow(0, s, Batch);
        using var t = _data.TorchLabels.narrow(0, s, Batch);
        torch.TrainStep(x, t);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck.CompareTraining"/>: the first training batch, on fresh copies of the initial
    /// network: outputs, two steps' losses, and every gradient of the first step (against TorchSharp in float64).</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var sgd = NewSgd();
        using var torch = CreateTorch(net, threads: 1);
        using var x = _data.TorchImages.narrow(0, 0, Batch);
        using var t = _data.TorchLabels.narrow(0, 0, Batch);
        var outputs = new float[Batch * TrainingData.Classes];
        net.Infer(Inputs(0, Batch), outputs, Batch);
        var torchOutputs = torch.Forward(x);
        var (reference, _) = TorchClassifier.Float64Gradients(new TorchLeNet5(), net, x, t);
        float first = net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, sgd);
        float torchFirst = torch.TrainStepWithLoss(x, t);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        float[] losses = [first, net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, sgd)];
        float[] torchLosses = [torchFirst, torch.TrainStepWithLoss(x, t)];
        return TorchCheck.CompareTraining("W4 LeNet-5", outputs, torchOutputs, losses, torchLosses, gradients, new Dictionary<string, (float[], float[])>());
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
    }

    private ReadOnlySpan<float> Inputs(int start, int batch) =>
        _data.Inputs.AsSpan(start * TrainingData.Features, batch * TrainingData.Features);

    private ReadOnlySpan<float> Targets(int start, int batch) => _data.ClassIndices.AsSpan(start, batch);

    private LeNet5 CopyOfInitial()
    {
        var net = new LeNet5();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    private static Sgd NewSgd() => new(LearningRate, Momentum);

    private static TorchClassifier CreateTorch(LeNet5 net, int threads) =>
        new(new TorchLeNet5(), net, p => optim.SGD(p, LearningRate, Momentum), threads);
}
