using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>Activation after a dense layer of a <see cref="TorchMlp"/>.</summary>
internal enum TorchActivation { None, Tanh, Sigmoid, Relu }

/// <summary>The loss of a <see cref="TorchMlp"/>, each written to equal the NetCompiler definition's loss.</summary>
internal enum TorchLoss
{
    /// <summary>Binary cross-entropy of probabilities, mean over elements and batch (seed 000).</summary>
    BinaryCrossEntropy,
    /// <summary>0.5 * sum of squared errors per sample, mean over the batch (seed 001's quadratic cost).</summary>
    HalfSquaredError,
    /// <summary>Softmax cross-entropy of logits against int64 class indices, mean over the batch (wide MLP).</summary>
    CrossEntropyClassIndex,
}

/// <summary>The TorchSharp twin of a NetCompiler multilayer perceptron: one <c>nn.Linear</c> per dense layer,
/// built from the NetCompiler network's current weights (both store W as [out, in], so they copy as they are),
/// with the same activations, loss and optimizer. Written the way a TorchSharp user would write the training loop
/// (zero_grad, forward, loss, backward, step inside a dispose scope), so its time is what such a user gets.
/// Each instance runs libtorch with its own fixed thread count.</summary>
internal sealed class TorchMlp : IDisposable
{
    private readonly Sequential _model;
    private readonly optim.Optimizer _optimizer;
    private readonly TorchLoss _loss;

    /// <param name="source">The network whose parameters are copied (by definition name).</param>
    /// <param name="layers">The dense layers in order (e.g. <c>"hidden"</c>, read as <c>hidden.weight</c> and
    /// <c>hidden.bias</c>) with the activation that follows each.</param>
    /// <param name="loss">The loss, as in the definition.</param>
    /// <param name="optimizer">Creates the optimizer over the model's parameters.</param>
    /// <param name="threads">libtorch's intra-op threads while this model runs.</param>
    public TorchMlp(INetwork source, IReadOnlyList<(string Layer, TorchActivation Activation)> layers, TorchLoss loss,
        Func<IEnumerable<Parameter>, optim.Optimizer> optimizer, int threads)
    {
        Threads = threads;
        _loss = loss;
        var modules = new List<nn.Module<TorchTensor, TorchTensor>>();
        foreach (var (layer, activation) in layers)
        {
            modules.Add(nn.Linear(CopyParameter(source.Parameters, layer + ".weight"), CopyParameter(source.Parameters, layer + ".bias")));
            switch (activation)
            {
                case TorchActivation.Tanh: modules.Add(nn.Tanh()); break;
                case TorchActivation.Sigmoid: modules.Add(nn.Sigmoid()); break;
                case TorchActivation.Relu: modules.Add(nn.ReLU()); break;
            }
        }
        _model = nn.Sequential(modules.ToArray());
        _optimizer = optimizer(_model.parameters());
    }

    /// <summary>libtorch's intra-op thread count for this model.</summary>
    public int Threads { get; }

    /// <summary>One training step on a batch (inputs [batch, in]; targets as <see cref="TorchLoss"/> expects).</summary>
    public void TrainStep(TorchTensor inputs, TorchTensor targets)
    {
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = Loss(_model.forward(inputs), targets);
        loss.backward();
        _optimizer.step();
    }

    /// <summary><see cref="TrainStep"/>, returning the loss before the update (reading it back costs a little,
    /// so the timed steps do not).</summary>
    public float TrainStepWithLoss(TorchTensor inputs, TorchTensor targets)
    {
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = Loss(_model.forward(inputs), targets);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Inference of a batch under <c>inference_mode</c> (no autograd bookkeeping: the fastest way
    /// libtorch offers); the output is computed and dropped.</summary>
    public void Infer(TorchTensor inputs)
    {
        TorchSharpPeer.SetThreads(Threads);
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        _model.forward(inputs);
    }

    /// <summary>Inference of a batch, returning the outputs (flat, row-major) for the correctness check.</summary>
    public float[] Forward(TorchTensor inputs)
    {
        TorchSharpPeer.SetThreads(Threads);
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        return _model.forward(inputs).data<float>().ToArray();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }

    private TorchTensor Loss(TorchTensor outputs, TorchTensor targets) => _loss switch
    {
        TorchLoss.BinaryCrossEntropy => nn.functional.binary_cross_entropy(outputs, targets),
        TorchLoss.HalfSquaredError => nn.functional.mse_loss(outputs, targets, nn.Reduction.Sum) * (0.5 / outputs.shape[0]),
        TorchLoss.CrossEntropyClassIndex => nn.functional.cross_entropy(outputs, targets),
        _ => throw new ArgumentOutOfRangeException(nameof(_loss), _loss, null),
    };

    private static Parameter CopyParameter(ParameterStore parameters, string name)
    {
        var info = parameters.Find(name);
        var values = parameters.GetValues(name).ToArray();
        return nn.Parameter(tensor(values, info.Shape.Select(d => (long)d).ToArray()));
    }
}
