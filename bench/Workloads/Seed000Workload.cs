using System;
using NetCompiler.Definitions.Seeds;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W1: seed 000's 2 -> 2 tanh -> 1 sigmoid network with binary cross-entropy, batch 1, x = [0.7, 0.8],
/// y = 1: one SGD training step (lr 0.1) and one inference, by the compiled code, the interpreted path, the
/// hand-written scalar loop (<see cref="NaiveSeed000"/>) and TorchSharp at 1 and 2 threads. Each variant owns its
/// network, started from the lecture's weights; steps keep training it, as in real use.</summary>
internal sealed class Seed000Workload : IDisposable
{
    public const float LearningRate = 0.1f;

    private static readonly (string, TorchActivation)[] s_layers =
        [("hidden", TorchActivation.Tanh), ("output", TorchActivation.Sigmoid)];

    private readonly float[] _x = [0.7f, 0.8f];
    private readonly float[] _y = [1f];
    private readonly float[] _out = new float[1];
    private readonly Seed000Net _compiled = new();
    private readonly Seed000Net _interpreted = new();
    private readonly NaiveSeed000 _naive = new();
    private TorchTensor? _torchX, _torchY;
    private TorchMlp? _torch1, _torch2;

    public float TrainCompiled() => _compiled.TrainStep(_x, _y, 1, LearningRate);

    public float TrainInterpreted() => Interpreter.TrainStep(_interpreted, _x, _y, 1, LearningRate);

    public float TrainNaive() => _naive.TrainStep(_x, _y[0], LearningRate);

    public float InferCompiled()
    {
        _compiled.Infer(_x, _out, 1);
        return _out[0];
    }

    public float InferInterpreted()
    {
        Interpreter.Infer(_interpreted, _x, _out, 1);
        return _out[0];
    }

    public float InferNaive() => _naive.Infer(_x);

    /// <summary>Creates the TorchSharp variants (call only when <see cref="TorchSharpPeer.IsAvailable"/>).</summary>
    public void CreateTorchSharp()
    {
        _torchX ??= tensor(_x, new long[] { 1, 2 });
        _torchY ??= tensor(_y, new long[] { 1, 1 });
        _torch1 ??= CreateTorch(new Seed000Net(), threads: 1);
        _torch2 ??= CreateTorch(new Seed000Net(), threads: 2);
    }

    public float TrainTorchSharp(int threads)
    {
        Torch(threads).TrainStep(_torchX!, _torchY!);
        return 0;
    }

    public float InferTorchSharp(int threads)
    {
        Torch(threads).Infer(_torchX!);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck"/>; on fresh networks, so the timed ones are not disturbed.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        CreateTorchSharp();
        var net = new Seed000Net();
        using var torch = CreateTorch(net, threads: 1);
        var outputs = new float[1];
        net.Infer(_x, outputs, 1);
        var torchOutputs = torch.Forward(_torchX!);
        float[] losses = [net.TrainStep(_x, _y, 1, LearningRate), net.TrainStep(_x, _y, 1, LearningRate)];
        float[] torchLosses = [torch.TrainStepWithLoss(_torchX!, _torchY!), torch.TrainStepWithLoss(_torchX!, _torchY!)];
        return TorchCheck.Compare("W1 seed 000", outputs, torchOutputs, losses, torchLosses);
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
        _torchX?.Dispose();
        _torchY?.Dispose();
    }

    private TorchMlp Torch(int threads) => (threads == 1 ? _torch1 : _torch2)
        ?? throw new InvalidOperationException("Call CreateTorchSharp first.");

    private static TorchMlp CreateTorch(Seed000Net net, int threads) =>
        new(net, s_layers, TorchLoss.BinaryCrossEntropy, p => optim.SGD(p, LearningRate), threads);
}
