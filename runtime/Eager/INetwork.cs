using System;

namespace NetCompiler;

/// <summary>What the generator adds to every <see cref="NetworkAttribute"/> class: compiled training and
/// inference over the network's <see cref="Parameters"/>, and the hooks the interpreted path uses to run the
/// definition's own methods over the same storage. Inputs, outputs and targets are flat, row-major,
/// sample after sample.</summary>
public interface INetwork
{
    /// <summary>Parameters and gradients, by definition name.</summary>
    ParameterStore Parameters { get; }

    /// <summary>Per-sample input shape: the shape of the one input, or <c>[floats per sample]</c> when the
    /// <see cref="ForwardAttribute"/> method takes several (see <see cref="Inputs"/>).</summary>
    int[] InputShape { get; }

    /// <summary>The <see cref="ForwardAttribute"/> method's inputs in declaration order, with where each sits in a
    /// sample of the flat input buffers.</summary>
    System.Collections.Generic.IReadOnlyList<NetworkInput> Inputs { get; }

    /// <summary>Per-sample output shape.</summary>
    int[] OutputShape { get; }

    /// <summary>Per-sample target shape (what the loss compares the output with).</summary>
    int[] TargetShape { get; }

    /// <summary>Whether training couples the samples of a batch (batch normalization's statistics): such a batch is
    /// never split across threads (<see cref="TrainerOptions.Threads"/>), since chunks would see other statistics.</summary>
    bool CouplesBatch => false;

    /// <summary>The <see cref="LossAttribute"/> method's target parameter, described as an input is: its name, shape, and
    /// whether it holds values (<see cref="Tensor"/>) or class ids (<see cref="Tokens"/>, with the number of classes the
    /// loss accepts as <see cref="NetworkInput.IdCount"/>); offset 0 in each sample of the flat target buffers. Unless a
    /// network says otherwise, values of <see cref="TargetShape"/>.</summary>
    NetworkInput Target => new("target", TargetShape, InputKind.Values, 0);

    /// <summary>Compiled inference of <paramref name="batch"/> samples.</summary>
    void Infer(ReadOnlySpan<float> inputs, Span<float> outputs, int batch);

    /// <summary>Compiled forward, loss and backward: overwrites <see cref="ParameterStore.Gradients"/> with the
    /// gradient of the batch-mean loss and returns that loss.</summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch);

    /// <summary>Compiled training step: <see cref="ComputeGradients"/> then plain SGD,
    /// <c>p -= learningRate * grad</c> on every parameter that is not frozen. Allocates nothing. Returns the
    /// batch-mean loss before the update.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float learningRate);

    /// <summary>Compiled training step: <see cref="ComputeGradients"/> then one <see cref="Optimizer.Step(ParameterStore)"/>.
    /// Returns the batch-mean loss before the update.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, Optimizer optimizer);

    /// <summary>A second instance over the same parameter values (<see cref="ParameterStore.CreateReplica"/>) with its
    /// own gradients and workspace: a data-parallel worker computes gradients on it while the original's values
    /// are not being updated.</summary>
    INetwork CreateReplica();

    /// <summary>Runs the definition's <see cref="ForwardAttribute"/> method eagerly (the interpreted path) on its
    /// inputs: a <see cref="Tensor"/> or <see cref="Tokens"/> per entry of <see cref="Inputs"/>.</summary>
    Tensor InterpretForward(System.Collections.Generic.IReadOnlyList<object> inputs);

    /// <summary>Runs the definition's <see cref="LossAttribute"/> method eagerly: per-sample losses. A
    /// <see cref="Tokens"/> target is passed as floats holding the ids, as in the flat target buffers.</summary>
    Tensor InterpretLoss(Tensor output, Tensor target);
}
