using System;

namespace NetCompiler;

/// <summary>Which code runs a network: the generator's specialized code or the eager interpreter over the
/// definition's own methods. Both read and write the same <see cref="ParameterStore"/>.</summary>
public enum ExecutionPath
{
    /// <summary>The generated code (<see cref="INetwork.Infer"/>, <see cref="INetwork.ComputeGradients"/>).</summary>
    Compiled,

    /// <summary>The eager interpreter (<see cref="Interpreter"/>): the reference and the baseline.</summary>
    Interpreted,
}

/// <summary>Runs a network on a chosen <see cref="ExecutionPath"/>.</summary>
public static class NetworkExecution
{
    /// <summary>Inference of <paramref name="batch"/> samples on <paramref name="path"/>.</summary>
    public static void Infer(this INetwork network, ExecutionPath path, ReadOnlySpan<float> inputs, Span<float> outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (path == ExecutionPath.Compiled) network.Infer(inputs, outputs, batch);
        else Interpreter.Infer(network, inputs, outputs, batch);
    }

    /// <summary>Forward, loss and backward of <paramref name="batch"/> samples on <paramref name="path"/>; returns
    /// the batch-mean loss and leaves its gradient in <see cref="ParameterStore.Gradients"/>.</summary>
    public static float ComputeGradients(this INetwork network, ExecutionPath path, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        return path == ExecutionPath.Compiled
            ? network.ComputeGradients(inputs, targets, batch)
            : Interpreter.ComputeGradients(network, inputs, targets, batch);
    }
}
