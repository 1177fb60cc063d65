using System;
using System.Collections.Generic;
using System.Globalization;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>A one-layer LSTM classifier from the zoo, its last hidden state -> Dense(hidden -> classes), softmax
/// cross-entropy with class indices, against its TorchSharp twin <see cref="TorchLstmClassifier"/>:
/// <see cref="W6"/> (<see cref="LstmSequenceNet"/> on <see cref="SequenceData"/>) and <see cref="RowLstm"/>
/// (<see cref="RowLstmNet"/> on Fashion-MNIST images read as 28 rows). Training: one Adam step (no schedule, no
/// clipping) on the next batch. Inference: the first batch (a throughput). Every variant owns its network, copied from
/// one initial network, with its own optimizer state and position in the data; the inference variants never train
/// (TorchSharp's in eval mode). TorchSharp's inference runs under <c>inference_mode</c>, where libtorch takes oneDNN's
/// LSTM, wrong on the development machine for hidden sizes that are not a multiple of 32 (see
/// <see cref="RecurrentFixtureCommand"/>) and right at 64 and 128: the check compares that very path.</summary>
internal sealed class LstmClassifierWorkload : IDisposable
{
    private readonly Func<INetwork> _create;
    private readonly Func<TorchTensor> _createTorchInputs;
    private readonly Func<TorchTensor> _torchLabels;
    private readonly float[] _inputs, _classIndices;
    private readonly INetwork _initial;
    private readonly INetwork _compiled, _interpreted, _inferCompiled, _inferInterpreted;
    private readonly Adam _compiledAdam, _interpretedAdam;
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly float[] _outputs;
    private TorchClassifier? _torch1, _torch2, _torchInfer1, _torchInfer2;
    private TorchTensor? _torchInputs, _torchInferBatch;

    private LstmClassifierWorkload(string name, Func<INetwork> create, int steps, int features, int hidden, int classes, int batch,
        float learningRate, int count, float[] inputs, float[] classIndices, Func<TorchTensor> torchInputs, Func<TorchTensor> torchLabels)
    {
        (Name, _create, Steps, Features, Hidden, Classes, Batch, LearningRate) = (name, create, steps, features, hidden, classes, batch, learningRate);
        (_inputs, _classIndices, _createTorchInputs, _torchLabels) = (inputs, classIndices, torchInputs, torchLabels);
        _initial = create();
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _inferCompiled = CopyOfInitial();
        _inferInterpreted = CopyOfInitial();
        _compiledAdam = new Adam(learningRate);
        _interpretedAdam = new Adam(learningRate);
        _compiledCursor = new BatchCursor(count, batch);
        _interpretedCursor = new BatchCursor(count, batch);
        _torch1Cursor = new BatchCursor(count, batch);
        _torch2Cursor = new BatchCursor(count, batch);
        _outputs = new float[batch * classes];
    }

    /// <summary>W6: <see cref="LstmSequenceNet"/>, an LSTM (16 -> 64) over 32 steps -> Dense(64 -> 10), Adam 1e-3,
    /// batch 32, on <see cref="SequenceData"/>.</summary>
    public static LstmClassifierWorkload W6()
    {
        var data = SequenceData.Instance;
        return new("W6 LSTM sequence", () => new LstmSequenceNet(), SequenceData.Steps, SequenceData.Features, 64, SequenceData.Classes,
            batch: 32, learningRate: 1e-3f, SequenceData.Count, data.Inputs, data.ClassIndices, () => data.TorchInputs, () => data.TorchLabels);
    }

    /// <summary><see cref="RowLstmNet"/>: the 28 rows of a Fashion-MNIST image through an LSTM (28 -> 128) -> Dense(128 -> 10),
    /// Adam 2e-3, batch 64 (the definition's training also clips gradients to norm 5; this step does not), on
    /// <see cref="TrainingData"/>.</summary>
    public static LstmClassifierWorkload RowLstm()
    {
        var data = TrainingData.Instance;
        return new("RowLstmNet", () => new RowLstmNet(), 28, 28, 128, TrainingData.Classes,
            batch: 64, learningRate: 2e-3f, data.Count, data.Inputs, data.ClassIndices,
            () => data.TorchInputs.view(data.Count, 28, 28), () => data.TorchLabels);
    }

    /// <summary>The name the check line carries.</summary>
    public string Name { get; }

    /// <summary>Time steps, features per step, LSTM state size, classes.</summary>
    public int Steps { get; }
    public int Features { get; }
    public int Hidden { get; }
    public int Classes { get; }

    /// <summary>Samples per training step and per inference call.</summary>
    public int Batch { get; }

    /// <summary>Adam's learning rate (TorchSharp's Adam defaults, beta 0.9/0.999, eps 1e-8, no weight decay, are NetCompiler's).</summary>
    public float LearningRate { get; }

    /// <summary>Forward FLOPs per sample, 2 per multiply-add: at each step the input projection (4H x F) and the
    /// recurrent product (4H x H), then the head (classes x H). Gate activations and the state update are not counted.</summary>
    public double ForwardFlopsPerSample => 2.0 * Steps * 4 * Hidden * (Features + Hidden) + 2.0 * Hidden * Classes;

    /// <summary>Training FLOPs per sample: the forward products, the weight gradients of both LSTM products and the head
    /// (as many again), the gradient of each step's hidden state through W_hh (4H x H per step) and through the head.
    /// The gradient of the input sequence, which nothing needs, is not counted.</summary>
    public double TrainFlopsPerSample => 2 * ForwardFlopsPerSample + 2.0 * Steps * 4 * Hidden * Hidden + 2.0 * Hidden * Classes;

    /// <summary>The FLOP counts for the report's notes.</summary>
    public string FlopsNote => string.Create(CultureInfo.InvariantCulture,
        $"{Name} (T {Steps}, F {Features}, H {Hidden}) {ForwardFlopsPerSample / 1e6:F2} MFLOP per inference sample, {TrainFlopsPerSample / 1e6:F2} per training sample");

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

    /// <summary>Compiled inference of the first <see cref="Batch"/> samples.</summary>
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
        _torchInferBatch ??= TorchInputs.narrow(0, 0, Batch);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = TorchInputs.narrow(0, s, Batch);
        using var t = _torchLabels().narrow(0, s, Batch);
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
        using var x = TorchInputs.narrow(0, 0, Batch);
        using var t = _torchLabels().narrow(0, 0, Batch);
        var outputs = new float[Batch * Classes];
        net.Infer(Inputs(0, Batch), outputs, Batch);
        var torchOutputs = torch.Forward(x);
        var (reference, _) = TorchClassifier.Float64Gradients(CreateTwin(), net, x, t);
        float first = net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, adam);
        float torchFirst = torch.TrainStepWithLoss(x, t);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        float[] losses = [first, net.TrainStep(Inputs(0, Batch), Targets(0, Batch), Batch, adam)];
        float[] torchLosses = [torchFirst, torch.TrainStepWithLoss(x, t)];
        return TorchCheck.CompareTraining(Name, outputs, torchOutputs, losses, torchLosses, gradients,
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

    /// <summary>The inputs as a [Count, Steps, Features] tensor, what <c>nn.LSTM(batch_first: true)</c> takes (made on first use).</summary>
    private TorchTensor TorchInputs => _torchInputs ??= _createTorchInputs();

    private ReadOnlySpan<float> Inputs(int start, int batch) =>
        _inputs.AsSpan(start * Steps * Features, batch * Steps * Features);

    private ReadOnlySpan<float> Targets(int start, int batch) => _classIndices.AsSpan(start, batch);

    private INetwork CopyOfInitial()
    {
        var net = _create();
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    private TorchLstmClassifier CreateTwin() => new(Features, Hidden, Classes);

    private TorchClassifier CreateTorch(INetwork net, bool training, int threads) =>
        new(CreateTwin(), net, training ? p => optim.Adam(p, LearningRate) : null, threads);
}
