using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace NetCompiler;

/// <summary>Small helpers the generated code calls: argument checks with clear messages (kept out of the hot
/// loops), the parameter update fused into a training step, and throw helpers so the kernels stay free of allocation.</summary>
public static class CompiledSupport
{
    /// <summary>Validates the arguments of a compiled Infer call.</summary>
    public static void CheckInfer(int inputLength, int outputLength, int batch, int inputSize, int outputSize)
    {
        CheckBatch(batch);
        if (inputLength < (long)batch * inputSize)
            throw new ArgumentException($"inputs holds {inputLength} floats; batch {batch} x {inputSize} per sample needs {(long)batch * inputSize}.", "inputs");
        if (outputLength < (long)batch * outputSize)
            throw new ArgumentException($"outputs holds {outputLength} floats; batch {batch} x {outputSize} per sample needs {(long)batch * outputSize}.", "outputs");
    }

    /// <summary>Validates the arguments of a compiled training call.</summary>
    public static void CheckTrain(int inputLength, int targetLength, int batch, int inputSize, int targetSize)
    {
        CheckBatch(batch);
        if (inputLength < (long)batch * inputSize) ThrowTooShort("inputs", inputLength, batch, inputSize);
        if (targetLength < (long)batch * targetSize) ThrowTooShort("targets", targetLength, batch, targetSize);
    }

    private static void CheckBatch(int batch)
    {
        if (batch <= 0) ThrowBatch(batch);
    }

    // The throws live in methods of their own, never inlined: a check inlined into a small network's step then costs a
    // compare and a branch, not the message's formatting code, which otherwise uses up the JIT's inlining budget for the
    // step (seed 000's TrainStep then called SimdMath.Log out of line, with every live vector register spilled).
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(string name, int length, int batch, int perSample) =>
        throw new ArgumentException($"{name} holds {length} floats; batch {batch} x {perSample} per sample needs {(long)batch * perSample}.", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBatch(int batch) =>
        throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");

    /// <summary>Validates the learning rate of a plain-SGD training step (finite, not negative), as
    /// <see cref="Sgd"/> does: a NaN rate would turn every parameter into NaN.</summary>
    public static void CheckLearningRate(float learningRate) => LearningRateSchedule.CheckRate(learningRate, nameof(learningRate));

    /// <summary>Marks <paramref name="caller"/> (a network's field: the managed thread id inside one of its entry points,
    /// 0 when none) as taken by this thread, and returns whether this call is the outermost one on it (so it must call
    /// <see cref="Exit"/>). One network instance owns one workspace and one gradient buffer, so two threads inside it
    /// would silently corrupt each other's results; the second one gets an exception instead. Nested calls on the same
    /// thread (TrainStep calling ComputeGradients) are allowed. Costs one interlocked operation per call.</summary>
    /// <exception cref="InvalidOperationException">Another thread is inside an entry point of the same instance.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static bool Enter(ref int caller, object network)
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref caller, me, 0);
        if (owner == 0) return true;
        if (owner == me) return false;
        ThrowConcurrentUse(network);
        return false;
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowConcurrentUse(object network) => throw ConcurrentUse(network.GetType().Name);

    /// <summary>Releases what the outermost <see cref="Enter"/> took.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Exit(ref int caller) => Volatile.Write(ref caller, 0);

    private static InvalidOperationException ConcurrentUse(string network) => new(
        $"Two threads used one {network} at the same time. An instance owns one workspace and one set of gradients: give each " +
        "thread its own instance (CreateReplica() shares the parameter values), or serialize the calls.");

    /// <summary>The update a generated training step fuses into backward, for parameter <paramref name="index"/> of
    /// <paramref name="store"/> once its gradient is final: one <paramref name="optimizer"/> update (between its
    /// <see cref="Optimizer.BeginFusedStep"/> and <see cref="Optimizer.EndFusedStep"/>), or without one plain SGD
    /// <c>p -= learningRate * gradient</c>. Frozen parameters are left untouched.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void UpdateParameter(ParameterStore store, int index, Optimizer? optimizer, float learningRate) =>
        UpdateParameter(store, index, optimizer, learningRate, WorkerPool.MaxThreads);

    /// <summary>As <see cref="UpdateParameter(ParameterStore, int, Optimizer?, float)"/>, on at most
    /// <paramref name="parts"/> cores: those that computed the gradient (a dense layer's dW product, cut by rows of W the
    /// same way), so each core updates the rows it wrote and its half of W stays in its cache.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void UpdateParameter(ParameterStore store, int index, Optimizer? optimizer, float learningRate, int parts)
    {
        if (optimizer is not null) { optimizer.UpdateFused(store, index, parts); return; }
        if (store.IsFrozen(index)) return;
        var p = store.Layout[index];
        SgdUpdate(store, p.Offset, p.Offset + p.Length, learningRate);
    }

    /// <summary>As <see cref="UpdateParameter(ParameterStore, int, Optimizer?, float)"/> for the elements [<paramref name="start"/>, <paramref name="end"/>) of the
    /// store, whichever parameters they belong to (frozen ones are left untouched): the update of one slice of a
    /// combined gradient (<see cref="DataParallelGradients"/>). Each element gets the same arithmetic as a whole-parameter
    /// update gives it.</summary>
    internal static void UpdateRange(ParameterStore store, int start, int end, Optimizer? optimizer, float learningRate)
    {
        if (optimizer is not null) { optimizer.UpdateFusedRange(store, start, end); return; }
        foreach (var (from, to) in store.TrainableRuns(start, end)) SgdUpdate(store, from, to, learningRate);
    }

    /// <summary>p += -learningRate * g over [<paramref name="start"/>, <paramref name="end"/>), unfused like the generated
    /// per-sample update and the interpreter's.</summary>
    private static void SgdUpdate(ParameterStore store, int start, int end, float learningRate)
    {
        ref float value = ref MemoryMarshal.GetArrayDataReference(store.Values);
        ref float gradient = ref MemoryMarshal.GetArrayDataReference(store.Gradients);
        float step = -learningRate;
        int i = start;
        for (; i <= end - Vector<float>.Count; i += Vector<float>.Count)
            (Vector.LoadUnsafe(ref value, (nuint)i) + Vector.LoadUnsafe(ref gradient, (nuint)i) * step).StoreUnsafe(ref value, (nuint)i);
        for (; i < end; i++) Unsafe.Add(ref value, i) += step * Unsafe.Add(ref gradient, i);
    }

    /// <summary>Reports a token id that is not an integer in [0, rows) (NaN and fractions included).</summary>
    [DoesNotReturn]
    public static void ThrowTokenId(float id, int rows) =>
        throw new ArgumentOutOfRangeException("inputs", id, $"A token id must be an integer in [0, {rows}): the table it selects from has {rows} rows.");

    /// <summary>Reports a batch normalization trained on one value per channel (a batch of one sample of [C]), whose
    /// variance is undefined; PyTorch refuses it too.</summary>
    [DoesNotReturn]
    public static void ThrowSingleValuePerChannel(string layer) =>
        throw new ArgumentException($"'{layer}': batch normalization in training needs more than one value per channel; use a batch of two or more samples.", "batch");

    /// <summary>The key of a training pass's random numbers (<see cref="DropoutMasks.StepKey"/>); moves
    /// <see cref="ParameterStore.RandomStep"/> on.</summary>
    public static ulong StepKey(ParameterStore parameters) => parameters.TakeStepKey();

    /// <summary>The batch position of the store's first sample (a data-parallel replica's chunk start, else 0).</summary>
    public static int SampleOffset(ParameterStore parameters) => parameters.SampleOffset;

    /// <summary>The length of a workspace of <paramref name="batch"/> rows of <paramref name="rowSize"/> floats, for a
    /// network that runs the whole batch at once; refuses a batch whose workspace cannot be one array.</summary>
    public static int WorkspaceLength(int batch, int rowSize)
    {
        long length = (long)batch * rowSize;
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                $"This network normalizes over the whole batch, so its workspace holds every sample: {rowSize} floats each; at most {Array.MaxLength / rowSize} samples fit in one batch.");
        return (int)length;
    }

    /// <summary>Reports a class-index target that is not an integer in [0, classes) (NaN and fractions included).</summary>
    [DoesNotReturn]
    public static void ThrowClassIndex(float label, int classes) =>
        throw new ArgumentOutOfRangeException("targets", label, $"A class-index target must be an integer in [0, {classes}).");
}
