using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>A TorchSharp classifier (<see cref="TorchLeNet5"/>, <see cref="TorchResNetSmall"/>,
/// <see cref="TorchLstmClassifier"/>) with the weights and batch norm statistics of a NetCompiler network, copied by
/// name, trained with the workload's optimizer (<c>optim.SGD</c> with momentum and no dampening, as NetCompiler's
/// <see cref="Sgd"/>; <c>optim.Adam</c> with NetCompiler's defaults) on softmax cross-entropy against int64 class
/// indices, the way a TorchSharp user writes the loop: zero_grad, forward, loss, backward, step, inside a dispose scope.
/// A training model stays in
/// <c>train()</c> mode (batch norm normalizes with the batch and updates its running statistics); an inference model
/// is put in <c>eval()</c> mode (running statistics) and runs under <c>inference_mode</c>. Each instance runs libtorch
/// at its own fixed thread count.</summary>
internal sealed class TorchClassifier : IDisposable
{
    private readonly nn.Module<TorchTensor, TorchTensor> _model;
    private readonly optim.Optimizer? _optimizer;

    /// <param name="model">A fresh model whose parameter and buffer names are <paramref name="source"/>'s.</param>
    /// <param name="source">The network whose parameters and buffers are copied.</param>
    /// <param name="optimizer">Creates the optimizer over the model's parameters: the model trains (train mode); null
    /// for an inference model (eval mode).</param>
    /// <param name="threads">libtorch's intra-op threads while this model runs.</param>
    public TorchClassifier(nn.Module<TorchTensor, TorchTensor> model, INetwork source, Func<IEnumerable<Parameter>, optim.Optimizer>? optimizer, int threads)
    {
        _model = model;
        Threads = threads;
        CopyFrom(source.Parameters);
        if (optimizer is not null)
        {
            _model.train();
            _optimizer = optimizer(_model.parameters());
        }
        else _model.eval();
    }

    /// <summary>libtorch's intra-op thread count for this model.</summary>
    public int Threads { get; }

    /// <summary>One training step on a batch: inputs [N, ...] (images [N, 1, 28, 28], sequences [N, T, F]), labels [N] int64.</summary>
    public void TrainStep(TorchTensor inputs, TorchTensor labels)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("This model was built for inference.");
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(_model.forward(inputs), labels);
        loss.backward();
        optimizer.step();
    }

    /// <summary><see cref="TrainStep"/>, returning the loss before the update (reading it back costs a little, so the
    /// timed steps do not). The gradients stay in the parameters' <c>grad</c> until the next step.</summary>
    public float TrainStepWithLoss(TorchTensor inputs, TorchTensor labels)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("This model was built for inference.");
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(_model.forward(inputs), labels);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Inference of a batch in eval mode under <c>inference_mode</c> (no autograd bookkeeping); the output is
    /// computed and dropped.</summary>
    public void Infer(TorchTensor inputs)
    {
        TorchSharpPeer.SetThreads(Threads);
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        _model.forward(inputs);
    }

    /// <summary>Inference of a batch in eval mode (a training model is switched back to train mode after), returning
    /// the outputs flat, row-major, for the correctness check.</summary>
    public float[] Forward(TorchTensor inputs)
    {
        TorchSharpPeer.SetThreads(Threads);
        bool training = _model.training;
        _model.eval();
        try
        {
            using var mode = inference_mode();
            using var scope = NewDisposeScope();
            return _model.forward(inputs).data<float>().ToArray();
        }
        finally
        {
            if (training) _model.train();
        }
    }

    /// <summary>The reference for the gradient check: a fresh <paramref name="model"/> with <paramref name="source"/>'s
    /// weights and buffers, converted to float64, in train mode; one forward (inputs converted to float64),
    /// cross-entropy and backward, no update. Returns each parameter's gradient by name and the loss.</summary>
    public static (Dictionary<string, double[]> Gradients, double Loss) Float64Gradients(nn.Module<TorchTensor, TorchTensor> model,
        INetwork source, TorchTensor inputs, TorchTensor labels)
    {
        using var reference = new TorchClassifier(model, source, optimizer: null, threads: 1);
        model.to(ScalarType.Float64);
        model.train();
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(model.forward(inputs.to(ScalarType.Float64)), labels);
        loss.backward();
        var gradients = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.data<double>().ToArray() : []);
        return (gradients, loss.item<double>());
    }

    /// <summary>Each parameter's gradient of the last step, by name.</summary>
    public Dictionary<string, float[]> Gradients() =>
        _model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.data<float>().ToArray() : []);

    /// <summary>Each batch norm running statistic, by name (<c>num_batches_tracked</c> left out: NetCompiler has no
    /// such buffer, and with a fixed momentum libtorch does not read it).</summary>
    public Dictionary<string, float[]> Buffers() =>
        _model.named_buffers().Where(b => !IsBatchCounter(b.name)).ToDictionary(b => b.name, b => b.buffer.data<float>().ToArray());

    /// <summary>Each of <paramref name="store"/>'s gradients (left there by the last step) beside this model's
    /// gradient of the same name and the float64 reference's (empty when either has none).</summary>
    public Dictionary<string, GradientCheck> GradientsBeside(ParameterStore store, Dictionary<string, double[]> reference)
    {
        var torch = Gradients();
        return store.Layout.ToDictionary(p => p.Name, p => new GradientCheck(store.GetGradients(p.Name).ToArray(),
            torch.GetValueOrDefault(p.Name, []), reference.GetValueOrDefault(p.Name, [])));
    }

    /// <summary>Each of <paramref name="store"/>'s buffers beside this model's buffer of the same name.</summary>
    public Dictionary<string, (float[] Compiled, float[] Torch)> BuffersBeside(ParameterStore store)
    {
        var torch = Buffers();
        return store.BufferLayout.ToDictionary(b => b.Name, b => (store.GetBuffer(b.Name).ToArray(), torch.GetValueOrDefault(b.Name, [])));
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        _model.Dispose();
    }

    private void CopyFrom(ParameterStore store) => CopyInto(_model, store);

    /// <summary>Copies every parameter and buffer of <paramref name="store"/> into <paramref name="model"/> by name; throws
    /// when a name or shape does not match or when either side has one the other lacks, so a model that is not the
    /// network's twin never gets timed.</summary>
    public static void CopyInto(nn.Module model, ParameterStore store)
    {
        using var noGrad = no_grad();
        var parameters = model.named_parameters().ToList();
        foreach (var (name, parameter) in parameters)
            Copy(parameter, name, store.Find(name).Shape, store.GetValues(name));
        var buffers = model.named_buffers().Where(b => !IsBatchCounter(b.name)).ToList();
        foreach (var (name, buffer) in buffers)
            Copy(buffer, name, store.FindBuffer(name).Shape, store.GetBuffer(name));
        if (parameters.Count != store.Layout.Count || buffers.Count != store.BufferLayout.Count)
            throw new InvalidOperationException(
                $"The TorchSharp model has {parameters.Count} parameters and {buffers.Count} buffers, the network " +
                $"{store.Layout.Count} and {store.BufferLayout.Count}: missing in TorchSharp: " +
                string.Join(", ", store.Layout.Select(p => p.Name).Concat(store.BufferLayout.Select(b => b.Name))
                    .Except(parameters.Select(p => p.name).Concat(buffers.Select(b => b.name)))));
    }

    private static void Copy(TorchTensor target, string name, int[] shape, Span<float> values)
    {
        if (!target.shape.SequenceEqual(shape.Select(d => (long)d)))
            throw new InvalidOperationException($"'{name}': TorchSharp [{string.Join(", ", target.shape)}], NetCompiler [{string.Join(", ", shape)}].");
        using var source = tensor(values.ToArray(), target.shape);
        target.copy_(source);
    }

    private static bool IsBatchCounter(string name) => name.EndsWith("num_batches_tracked", StringComparison.Ordinal);
}
