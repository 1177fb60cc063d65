using System;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>ResNetSmall (<see cref="ResNetSmall"/>: 3x3 stem, three stages of two basic blocks at 16/32/64 channels with
/// batch norm and 1x1 strided projections, global average pool, 64 -> 10, softmax cross-entropy). Training: one SGD step
/// (lr 0.05, momentum 0.9, the zoo recipe's optimizer without its cosine schedule) on the next batch of
/// <see cref="TrainBatch"/> Fashion-MNIST training images, batch norm in training mode (batch statistics, running ones
/// updated). Inference: the latency of the first training image, batch norm on its running statistics (TorchSharp in
/// eval mode). Every variant owns its network, copied from one initial network; the inference variants never train.
/// The initial network is the zoo's initialization with every batch norm's weight, bias and running statistics set to
/// fixed values away from 1, 0, 0 and 1 (<see cref="PerturbBatchNorm"/>), so the check compares them being applied.</summary>
internal sealed class ResNetSmallWorkload : IDisposable
{
    public const float LearningRate = 0.05f;
    public const float Momentum = 0.9f;
    public const int TrainBatch = 64;

    /// <summary>The convolutions.</summary>
    public static ConvLayers Convolutions => ConvLayers.ResNetSmall;

    /// <summary>Training FLOPs per sample: the convolutions' (forward, dW, and dX for all but the stem) and the 64 -> 10
    /// layer's (forward, dW, dX). Batch norm, activations, residual additions, pooling and the loss are not counted.</summary>
    public static double TrainFlopsPerSample => Convolutions.TrainFlopsPerSample + 3 * 2.0 * 64 * 10;

    /// <summary>Forward FLOPs per sample (convolutions and the last layer).</summary>
    public static double ForwardFlopsPerSample => Convolutions.ForwardFlopsPerSample + 2.0 * 64 * 10;

    private readonly TrainingData _data = TrainingData.Instance;
    private readonly ResNetSmall _initial = new();
    private readonly ResNetSmall _compiled, _interpreted, _inferCompiled, _inferInterpreted;
    private readonly Sgd _compiledSgd = NewSgd(), _interpretedSgd = NewSgd();
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly float[] _outputs = new float[TrainingData.Classes];
    private TorchClassifier? _torch1, _torch2, _torchInfer1, _torchInfer2;
    private TorchTensor? _torchImage;

    public ResNetSmallWorkload()
    {
        Convolutions.Verify(_initial);
        PerturbBatchNorm(_initial.Parameters);
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _inferCompiled = CopyOfInitial();
        _inferInterpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(_data.Count, TrainBatch);
        _interpretedCursor = new BatchCursor(_data.Count, TrainBatch);
        _torch1Cursor = new BatchCursor(_data.Count, TrainBatch);
        _torch2Cursor = new BatchCursor(_data.Count, TrainBatch);
    }

    public float TrainCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(Inputs(s, TrainBatch), Targets(s, TrainBatch), TrainBatch, _compiledSgd);
    }

    public float TrainInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, Inputs(s, TrainBatch), Targets(s, TrainBatch), TrainBatch, _interpretedSgd);
    }

    /// <summary>Compiled inference of the first training image.</summary>
    public float InferCompiled()
    {
        _inferCompiled.Infer(Inputs(0, 1), _outputs, 1);
        return _outputs[0];
    }

    public float InferInterpreted()
    {
        Interpreter.Infer(_inferInterpreted, Inputs(0, 1), _outputs, 1);
        return _outputs[0];
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, training: true, threads: 1);
        _torch2 ??= CreateTorch(_initial, training: true, threads: 2);
        _torchInfer1 ??= CreateTorch(_initial, training: false, threads: 1);
        _torchInfer2 ??= CreateTorch(_initial, training: false, threads: 2);
        _torchImage ??= _data.TorchImages.narrow(0, 0, 1);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = _data.TorchImages.narrow(0, s, TrainBatch);
        using var t = _data.TorchLabels.narrow(0, s, TrainBatch);
        torch.TrainStep(x, t);
        return 0;
    }

    public float InferTorchSharp(int threads)
    {
        var torch = (threads == 1 ? _torchInfer1 : _torchInfer2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        torch.Infer(_torchImage!);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck.CompareTraining"/>, on fresh copies of the initial network and the first
    /// training batch: inference outputs (running statistics), the losses of two training steps, every gradient of the
    /// first step (against TorchSharp in float64), and the running statistics after the two steps.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var sgd = NewSgd();
        using var torch = CreateTorch(net, training: true, threads: 1);
        using var x = _data.TorchImages.narrow(0, 0, TrainBatch);
        using var t = _data.TorchLabels.narrow(0, 0, TrainBatch);
        var outputs = new float[TrainBatch * TrainingData.Classes];
        net.Infer(Inputs(0, TrainBatch), outputs, TrainBatch);
        var torchOutputs = torch.Forward(x);
        var (reference, _) = TorchClassifier.Float64Gradients(new TorchResNetSmall(), net, x, t);
        float first = net.TrainStep(Inputs(0, TrainBatch), Targets(0, TrainBatch), TrainBatch, sgd);
        float torchFirst = torch.TrainStepWithLoss(x, t);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        float[] losses = [first, net.TrainStep(Inputs(0, TrainBatch), Targets(0, TrainBatch), TrainBatch, sgd)];
        float[] torchLosses = [torchFirst, torch.TrainStepWithLoss(x, t)];
        return TorchCheck.CompareTraining("ResNetSmall", outputs, torchOutputs, losses, torchLosses, gradients, torch.BuffersBeside(net.Parameters));
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
        _torchInfer1?.Dispose();
        _torchInfer2?.Dispose();
        _torchImage?.Dispose();
    }

    /// <summary>Every batch norm (found by its <c>.running_mean</c> buffer): weight in [0.75, 1.25], bias and running
    /// mean in [-0.1, 0.1], running variance in [0.5, 1.5], from a fixed seed.</summary>
    private static void PerturbBatchNorm(ParameterStore store)
    {
        var random = new Random(14);
        void Fill(Span<float> values, float low, float high) { for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextSingle(); }
        foreach (var buffer in store.BufferLayout)
        {
            const string Suffix = ".running_mean";
            if (!buffer.Name.EndsWith(Suffix, StringComparison.Ordinal)) continue;
            string bn = buffer.Name[..^Suffix.Length];
            Fill(store.GetValues(bn + ".weight"), 0.75f, 1.25f);
            Fill(store.GetValues(bn + ".bias"), -0.1f, 0.1f);
            Fill(store.GetBuffer(bn + ".running_mean"), -0.1f, 0.1f);
            Fill(store.GetBuffer(bn + ".running_var"), 0.5f, 1.5f);
        }
    }

    private ReadOnlySpan<float> Inputs(int start, int batch) =>
        _data.Inputs.AsSpan(start * TrainingData.Features, batch * TrainingData.Features);

    private ReadOnlySpan<float> Targets(int start, int batch) => _data.ClassIndices.AsSpan(start, batch);

    private ResNetSmall CopyOfInitial()
    {
        var net = new ResNetSmall();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        _initial.Parameters.Buffers.CopyTo(net.Parameters.Buffers, 0);
        return net;
    }

    private static Sgd NewSgd() => new(LearningRate, Momentum);

    private static TorchClassifier CreateTorch(ResNetSmall net, bool training, int threads) =>
        new(new TorchResNetSmall(), net, training ? p => optim.SGD(p, LearningRate, Momentum) : null, threads);
}
