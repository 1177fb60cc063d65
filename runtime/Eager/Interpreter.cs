using System;

namespace NetCompiler;

/// <summary>The interpreted path: runs a network's own definition methods (<see cref="INetwork.InterpretForward"/>,
/// <see cref="INetwork.InterpretLoss"/>) eagerly over its parameter storage, with the same flat row-major
/// buffers as the compiled members of <see cref="INetwork"/>. It is the reference the compiled code is checked
/// and timed against. Only the first <c>batch</c> samples' worth of each buffer is read or written, so the
/// buffers of a full batch can serve a partial last batch.</summary>
public static class Interpreter
{
    /// <summary>Inference of <paramref name="batch"/> samples: <paramref name="outputs"/> receives
    /// <c>batch * size(OutputShape)</c> values. Nothing is recorded on the tape. Runs the inference form of every op
    /// (dropout passes through, batch normalization uses its running statistics), as the compiled <c>Infer</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A buffer is too short, or the forward method returns a tensor of
    /// another shape than <see cref="INetwork.OutputShape"/>.</exception>
    public static void Infer(INetwork net, ReadOnlySpan<float> inputs, Span<float> outputs, int batch)
    {
        using var exclusive = new Exclusive(net);
        var x = Input(net, inputs, batch, nameof(Infer));
        int outSize = Shapes.Size(net.OutputShape);
        Require(nameof(Infer), nameof(outputs), outputs.Length, batch, net.OutputShape);
        Tensor y;
        using (Tensor.NoGrad()) y = net.InterpretForward(x);
        CheckOutput(net, y, batch, nameof(Infer));
        if (y.Batch == 0)
            for (int s = 0; s < batch; s++) y.Values.CopyTo(outputs.Slice(s * outSize, outSize));
        else y.Values.CopyTo(outputs);
    }

    /// <summary>Forward, loss and backward: overwrites <see cref="ParameterStore.Gradients"/> of
    /// <see cref="INetwork.Parameters"/> with the gradient of the batch-mean loss and returns that loss. Runs the
    /// training form of every op (dropout drops, with the masks of <see cref="ParameterStore.RandomStep"/>, which moves
    /// on; batch normalization uses the batch's statistics and updates its running ones), as the compiled one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A buffer is too short, the forward method returns another shape
    /// than <see cref="INetwork.OutputShape"/>, or the loss method does not return one value per sample
    /// (shape [] or [1]).</exception>
    public static float ComputeGradients(INetwork net, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch)
    {
        using var exclusive = new Exclusive(net);
        var x = Input(net, inputs, batch, nameof(ComputeGradients));
        Require(nameof(ComputeGradients), nameof(targets), targets.Length, batch, net.TargetShape);
        var t = Tensor.FromBatch(targets, batch, net.TargetShape);
        net.Parameters.ZeroGradients();
        Tensor y, loss;
        using (TrainingScope.Enter(net.Parameters, batch))   // the training form: dropout drops, batch norm uses the batch
        {
            y = net.InterpretForward(x);
            CheckOutput(net, y, batch, nameof(ComputeGradients));
            loss = net.InterpretLoss(y, t);
        }
        if (loss.SampleSize != 1 || (loss.Batch != batch && loss.Batch != 0))
            throw new ArgumentException($"{nameof(ComputeGradients)}: the loss method must return one value per sample (shape [] or [1]) for batch {batch}; it returned {Shapes.Describe(loss)}.");
        if (loss.RequiresGrad) loss.Backward();
        // The batch mean as the compiled entry point takes it: a double sum in sample order.
        double total = 0;
        foreach (float l in loss.Values) total += l;
        return (float)(total / Shapes.Samples(loss.Batch));
    }

    /// <summary>One step of plain SGD: <see cref="ComputeGradients"/>, then <c>p -= learningRate * grad</c> over
    /// every parameter that is not frozen. Returns the batch-mean loss before the update.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive, or
    /// <paramref name="learningRate"/> is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">As for <see cref="ComputeGradients"/>.</exception>
    public static float TrainStep(INetwork net, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float learningRate)
    {
        using var exclusive = new Exclusive(net);
        CompiledSupport.CheckLearningRate(learningRate);
        float loss = ComputeGradients(net, inputs, targets, batch);
        var store = net.Parameters;
        for (int i = 0; i < store.Layout.Count; i++)
            CompiledSupport.UpdateParameter(store, i, null, learningRate);   // the compiled step's update, frozen ones skipped
        return loss;
    }

    /// <summary>One training step on the interpreted path: <see cref="ComputeGradients"/>, then
    /// <see cref="Optimizer.Step(ParameterStore)"/>. Returns the batch-mean loss before the update.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    /// <exception cref="ArgumentException">As for <see cref="ComputeGradients"/>.</exception>
    public static float TrainStep(INetwork net, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, Optimizer optimizer)
    {
        using var exclusive = new Exclusive(net);
        ArgumentNullException.ThrowIfNull(optimizer);
        float loss = ComputeGradients(net, inputs, targets, batch);
        optimizer.Step(net.Parameters);
        return loss;
    }

    /// <summary>Holds a network's parameter store for this thread for the length of an interpreted call, as
    /// the compiled entry points hold their instance: a second thread in the same network gets an exception, not wrong
    /// values (both would write the same gradients). Nested calls on one thread (TrainStep calling ComputeGradients) pass.</summary>
    private readonly struct Exclusive : IDisposable
    {
        private readonly ParameterStore? _held;

        public Exclusive(INetwork net)
        {
            ArgumentNullException.ThrowIfNull(net);
            var store = net.Parameters;
            _held = CompiledSupport.Enter(ref store.InterpreterCaller, net) ? store : null;
        }

        public void Dispose()
        {
            if (_held is not null) CompiledSupport.Exit(ref _held.InterpreterCaller);
        }
    }

    /// <summary>The forward method's arguments from the flat input buffer: a tensor or ids per input, each input's part
    /// of every sample copied out (one input that fills the sample is taken whole).</summary>
    private static object[] Input(INetwork net, ReadOnlySpan<float> inputs, int batch, string method)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{method}: the batch must be positive.");
        Require(method, nameof(inputs), inputs.Length, batch, net.InputShape);
        int sampleSize = Shapes.Size(net.InputShape);
        var arguments = new object[net.Inputs.Count];
        for (int k = 0; k < arguments.Length; k++)
        {
            var input = net.Inputs[k];
            ReadOnlySpan<float> part = inputs.Slice(0, batch * sampleSize);
            if (input.Size != sampleSize)
            {
                var copy = new float[batch * input.Size];
                for (int s = 0; s < batch; s++) inputs.Slice(s * sampleSize + input.Offset, input.Size).CopyTo(copy.AsSpan(s * input.Size));
                part = copy;
            }
            try
            {
                arguments[k] = input.Kind == InputKind.Tokens ? Tokens.FromBatch(part, batch, input.Shape) : Tensor.FromBatch(part, batch, input.Shape);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{method}: input '{input.Name}': {e.Message}", nameof(inputs), e);
            }
        }
        return arguments;
    }

    private static void Require(string method, string name, int length, int batch, int[] shape)
    {
        long needed = (long)batch * Shapes.Size(shape);
        if (length < needed)
            throw new ArgumentException($"{method}: {name} holds {length} values; batch {batch} of {Shapes.Text(shape)} needs {needed}.", name);
    }

    private static void CheckOutput(INetwork net, Tensor y, int batch, string method)
    {
        if (!y.Shape.AsSpan().SequenceEqual(net.OutputShape) || (y.Batch != batch && y.Batch != 0))
            throw new ArgumentException($"{method}: the forward method returned {Shapes.Describe(y)}; the network declares output {Shapes.Text(net.OutputShape)} for batch {batch}.");
    }
}
