using System;
using System.Collections.Generic;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W6: <see cref="LstmSequenceNet"/>, an LSTM (16 -> 64) over 32 steps, its last hidden state -> Dense(64 -> 10),
/// softmax cross-entropy with class indices. Training: one Adam (lr 1e-3) step on the next batch of 32
/// <see cref="SequenceData"/> sequences. Inference: the first 32 sequences (a throughput). Every variant owns its
/// network, copied from one initial network, with its own optimizer state and position in the data; the inference
/// variants never train (TorchSharp's in eval mode). TorchSharp's inference runs under <c>inference_mode</c>, where libtorch
/// takes oneDNN's LSTM, wrong on the development machine for hidden sizes that are not a multiple of 32 (see
/// <see cref="RecurrentFixtureCommand"/>) and right at W6's 64: the check compares that very path.</summary>
internal sealed class LstmSequenceWorkload : IDisposable
{
    public const float LearningRate = 1e-3f;
    public const int Batch = 32;
    private const int Hidden = 64;
    private const int GateRows = 4 * Hidden;

    /// <summary>Forward FLOPs per sample, 2 per multiply-add: at each of the 32 steps the input projection (256 x 16) and
    /// the recurrent product (256 x 64), then the head (10 x 64). Gate activations and the state update are not counted.</summary>
    public const double ForwardFlopsPerSample =
        2.0 * SequenceData.Steps * GateRows * (SequenceData.Features + Hidden) + 2.0 * Hidden * SequenceData.Classes;

    /// <summary>Training FLOPs per sample: the forward products, the weight gradients of both LSTM products and the head
    /// (as many again), the gradient of each step's hidden state through W_hh (256 x 64 per step) and through the head.
    /// The gradient of the input sequence, which nothing needs, is not counted.</summary>
    public const double TrainFlopsPerSample =
        2 * ForwardFlopsPerSample + 2.0 * SequenceData.Steps * GateRows * Hidden + 2.0 * Hidden * SequenceData.Classes;

    private readonly SequenceData _data = SequenceData.Instance;
    private readonly LstmSequenceNet _initial = new();
    private readonly LstmSequenceNet _compiled, _interpreted, _inferCompiled, _inferInterpreted;
    private readonly Adam _compiledAdam = new(LearningRate), _interpretedAdam = new(LearningRate);
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly float[] _outputs = new float[Batch * SequenceData.Classes];
    private TorchClassifier? _torch1, _torch2, _torchInfer1, _torchInfer2;
    private TorchTensor? _torchInferBatch;

    public LstmSequenceWorkload()
    {
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _inferCompiled = CopyOfInitial();
        _inferInterpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(SequenceData.Count, Batch);
        _interpretedCursor = new BatchCursor(SequenceData.Count, Batch);
        _torch1Cursor = new BatchCursor(SequenceData.Count, Batch);
        _torch2Cursor = new BatchCursor(SequenceData.Count, Batch);
    }

    public float TrainCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(Inputs(s, Batch), Targets(s, Batch), Batch, _compiledAdam);
    }

    public float TrainInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, Inputs(s, Batch), Targets(s, Batch), Batch, _interpretedAdam);
    }

    /// <summary>Compiled inference of the first <see cref="Batch"/> sequences.</summary>
    public float InferCompiled()
    {
        _inferCompiled.Infer(Inputs(0, Batch), _outputs, Batch);
        return _outputs[0];
    }

    public float InferInterpreted()
    {
        Interpreter.Infer(_inferInterpreted, Inputs(0, Batch), _outputs, Batch);
        return _outputs[0];
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, training: true, threads: 1);
        _torch2 ??= CreateTorch(_initial, training: true, threads: 2);
        _torchInfer1 ??= CreateTorch(_initial, training: false, threads: 1);
        _torchInfer2 ??= CreateTorch(_initial, training: false, threads: 2);
        _torchInferBatch ??= _data.TorchInputs.narrow(0, 0, Batch);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = _data.TorchInputs.narrow(0, s, Batch);
        using var t = _data.TorchLabels.narrow(0, s, Batch);
        torch.TrainStep(x, t);
        return 0;
    }

    public float InferTorchSharp(int threads)
    {
        var torch = (threads == 1 ? _torchInfer1 : _torchInfer2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        torch.Infer(_torchInferBatch!);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck.CompareTraining"/>, on fresh copies of the initial network and the first batch:
    /// forward outputs, the losses of two Adam steps (the first checks the loss, the second the update), and every
    /// gradient of the first step, NetCompiler's and TorchSharp's, against TorchSharp's LSTM in float64.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var adam = new Adam(LearningRate);
        using var torch = CreateTorch(net, training: true, threads: 1);
        using var x = _data.TorchInputs.narrow(0, 0, Batch);
        using var t = _data.TorchLabels.narrow(0, 0, Batch);
        var outputs = new float[Batch * SequenceData.Classes];
        net.Infer(Inputs(0, Batch), outputs, Batch);
        var torchOutputs = torch.Forward(x);
        var (reference, _) = TorchClassifier.Float64Gradients(new TorchLstmSequenceNet(), net, x, t);
        float first = net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, adam);
        float torchFirst = torch.TrainStepWithLoss(x, t);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        float[] losses = [first, net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, adam)];
        float[] torchLosses = [torchFirst, torch.TrainStepWithLoss(x, t)];
        return TorchCheck.CompareTraining("W6 LSTM sequence", outputs, torchOutputs, losses, torchLosses, gradients,
            new Dictionary<string, (float[], float[])>());
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
        _torchInfer1?.Dispose();
        _torchInfer2?.Dispose();
        _torchInferBatch?.Dispose();
    }

    private ReadOnlySpan<float> Inputs(int start, int batch) =>
        _data.Inputs.AsSpan(start * SequenceData.Steps * SequenceData.Features, batch * SequenceData.Steps * SequenceData.Features);

    private ReadOnlySpan<float> Targets(int start, int batch) => _data.ClassIndices.AsSpan(start, batch);

    private LstmSequenceNet CopyOfInitial()
    {
        var net = new LstmSequenceNet();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    // TorchSharp's Adam defaults (beta 0.9/0.999, eps 1e-8, no weight decay) are NetCompiler's.
    private static TorchClassifier CreateTorch(LstmSequenceNet net, bool training, int threads) =>
        new(new TorchLstmSequenceNet(), net, training ? p => optim.Adam(p, LearningRate) : null, threads);
}
