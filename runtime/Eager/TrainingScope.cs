using System;

namespace NetCompiler;

/// <summary>The interpreted path's training mode. Inside <see cref="Interpreter.ComputeGradients"/> (and the training
/// steps built on it) the definition's ops run their training form: dropout drops, batch normalization uses the batch's
/// statistics and updates its running ones. Everywhere else (<see cref="Interpreter.Infer"/>, a direct call of a layer)
/// they run the inference form, as the compiled <c>Infer</c> does. The scope also numbers the dropout ops in the order
/// they run, which is the order the compiled code numbers them in (definition order), so both draw the same masks.</summary>
internal sealed class TrainingScope : IDisposable
{
    [ThreadStatic] private static TrainingScope? t_current;

    private readonly TrainingScope? _outer;
    private readonly ParameterStore _store;
    private ulong? _stepKey;

    private TrainingScope(ParameterStore store, int batch)
    {
        _outer = t_current;
        _store = store;
        SampleOffset = store.SampleOffset;
        Batch = batch;
        t_current = this;
    }

    /// <summary>The training scope the calling thread is in, or null (inference form).</summary>
    public static TrainingScope? Current => t_current;

    /// <summary>Enters training mode for one forward pass of <paramref name="batch"/> samples over
    /// <paramref name="store"/>'s network.</summary>
    public static TrainingScope Enter(ParameterStore store, int batch) => new(store, batch);

    /// <summary>The batch position of the first sample (a data-parallel chunk's start).</summary>
    public int SampleOffset { get; }

    /// <summary>The samples of the pass: the batch of a result computed from unbatched operands only.</summary>
    public int Batch { get; }

    private int _nextDropout;

    /// <summary>The key of the next dropout op to run in this pass. The first takes the step's key, which moves
    /// <see cref="ParameterStore.RandomStep"/> on: as in the compiled code, only a pass that draws random numbers counts.</summary>
    public ulong NextDropoutKey()
    {
        _stepKey ??= _store.TakeStepKey();
        return DropoutMasks.OpKey(_stepKey.Value, _nextDropout++);
    }

    public void Dispose() => t_current = _outer;
}
