using System;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W3: the wide MLP, 784 -> 512 ReLU -> 512 ReLU -> 10 logits, softmax cross-entropy with class-index
/// targets. Training: one Adam (lr 1e-3) step on the next batch of 128 Fashion-MNIST training images. Inference:
/// the first training image (batch 1, a latency) and the first 128 (batch 128, a throughput). Every variant owns
/// its network, copied from one initial network; training variants keep their own position in the data.</summary>
internal sealed class WideMlpWorkload : IDisposable
{
    public const float LearningRate = 1e-3f;
    public const int TrainBatch = 128;
    public const int InferBatch = 128;

    /// <summary>Weights and biases: 784*512 + 512 + 512*512 + 512 + 512*10 + 10.</summary>
    public const int ParameterCount = 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10;

    /// <summary>Multiply-adds of one sample's forward pass, counted as 2 FLOPs each (biases and activations are
    /// not counted: they are a rounding error next to the three matrix products).</summary>
    public const double ForwardFlopsPerSample = 2.0 * (784 * 512 + 512 * 512 + 512 * 10);

    /// <summary>Training FLOPs per sample: the forward products, the weight gradients dW = dY^T X (as many again)
    /// and the input gradients dX = dY W of the second and third layers (the first layer's dX would be the gradient
    /// of the images, which nothing needs): 2.4x forward. The rule-of-thumb 3x would overstate the work by 25%.</summary>
    public const double TrainFlopsPerSample = 2 * ForwardFlopsPerSample + 2.0 * (512 * 512 + 512 * 10);

    private static readonly (string, TorchActivation)[] s_layers =
        [("hidden1", TorchActivation.Relu), ("hidden2", TorchActivation.Relu), ("output", TorchActivation.None)];

    private readonly TrainingData _data = TrainingData.Instance;
    private readonly WideMlpNet _initial = new();
    private readonly WideMlpNet _compiled, _interpreted;
    private readonly Adam _compiledAdam = new(LearningRate), _interpretedAdam = new(LearningRate);
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly float[] _outputs = new float[InferBatch * TrainingData.Classes];
    private TorchMlp? _torch1, _torch2;
    private TorchTensor? _torchInfer1, _torchInferBatch;

    public WideMlpWorkload()
    {
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(_data.Count, TrainBatch);
        _interpretedCursor = new BatchCursor(_data.Count, TrainBatch);
        _torch1Cursor = new BatchCursor(_data.Count, TrainBatch);
        _torch2Cursor = new BatchCursor(_data.Count, TrainBatch);
    }

    public float TrainCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(Inputs(s, TrainBatch), Targets(s, TrainBatch), TrainBatch, _compiledAdam);
    }

    public float TrainInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, Inputs(s, TrainBatch), Targets(s, TrainBatch), TrainBatch, _interpretedAdam);
    }

    /// <summary>Compiled inference of the first <paramref name="batch"/> samples (1 or <see cref="InferBatch"/>).
    /// It uses the training network's weights, as inference during training would.</summary>
    public float InferCompiled(int batch)
    {
        _compiled.Infer(Inputs(0, batch), _outputs, batch);
        return _outputs[0];
    }

    public float InferInterpreted(int batch)
    {
        Interpreter.Infer(_interpreted, Inputs(0, batch), _outputs, batch);
        return _outputs[0];
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, threads: 1);
        _torch2 ??= CreateTorch(_initial, threads: 2);
        _torchInfer1 ??= _data.TorchInputs.narrow(0, 0, 1);
        _torchInferBatch ??= _data.TorchInputs.narrow(0, 0, InferBatch);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = _data.TorchInputs.narrow(0, s, TrainBatch);
        using var t = _data.TorchLabels.narrow(0, s, TrainBatch);
        torch.TrainStep(x, t);
        return 0;
    }

    public float InferTorchSharp(int threads, int batch)
    {
        var torch = (threads == 1 ? _torch1 : _torch2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        torch.Infer(batch == 1 ? _torchInfer1! : _torchInferBatch!);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck"/>: the first training batch, on fresh copies of the initial network.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var adam = new Adam(LearningRate);
        using var torch = CreateTorch(net, threads: 1);
        using var x = _data.TorchInputs.narrow(0, 0, TrainBatch);
        using var t = _data.TorchLabels.narrow(0, 0, TrainBatch);
        var outputs = new float[TrainBatch * TrainingData.Classes];
        net.Infer(Inputs(0, TrainBatch), outputs, TrainBatch);
        var torchOutputs = torch.Forward(x);
        float[] losses =
        [
            net.TrainStep(Inputs(0, TrainBatch), Targets(0, TrainBatch), TrainBatch, adam),
            net.TrainStep(Inputs(0, TrainBatch), Targets(0, TrainBatch), TrainBatch, adam),
        ];
        float[] torchLosses = [torch.TrainStepWithLoss(x, t), torch.TrainStepWithLoss(x, t)];
        return TorchCheck.Compare("W3 wide MLP", outputs, torchOutputs, losses, torchLosses);
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
        _torchInfer1?.Dispose();
        _torchInferBatch?.Dispose();
    }

    private ReadOnlySpan<float> Inputs(int start, int batch) =>
        _data.Inputs.AsSpan(start * TrainingData.Features, batch * TrainingData.Features);

    private ReadOnlySpan<float> Targets(int start, int batch) => _data.ClassIndices.AsSpan(start, batch);

    private WideMlpNet CopyOfInitial()
    {
        var net = new WideMlpNet();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    // TorchSharp's Adam defaults (beta 0.9/0.999, eps 1e-8) are NetCompiler's.
    private static TorchMlp CreateTorch(WideMlpNet net, int threads) =>
        new(net, s_layers, TorchLoss.CrossEntropyClassIndex, p => optim.Adam(p, LearningRate), threads);
}
