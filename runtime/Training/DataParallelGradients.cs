using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>Computes a batch's gradient on several cores (and its inference, <see cref="Infer"/>): the batch is cut into contiguous chunks, each chunk runs
/// on its own replica of the network (<see cref="INetwork.CreateReplica"/>: shared values, own gradients and
/// workspace) as one part of a <see cref="WorkerPool"/> job, and the chunk gradients are combined, weighted by chunk
/// size and in chunk order, into the original network's gradients. The result is the batch-mean gradient, as with
/// one chunk, up to the order of the floating-point sums, and depends only on the number of chunks (not on the
/// threads that ran them: with the pool busy or off, the chunks run one after another on the calling thread). Dropout
/// drops the same elements as with one chunk. Kernels inside a chunk run on their chunk's thread. A network whose
/// training couples the batch's samples (<see cref="INetwork.CouplesBatch"/>: batch normalization) must not be
/// split. Replicas are made on first use; nothing is allocated per step after that.</summary>
public sealed class DataParallelGradients : IPartedWork
{
    [ThreadStatic] private static bool _inChunk;

    private readonly INetwork _network;
    private readonly ExecutionPath _path;
    private readonly int _inputSize, _targetSize, _outputSize;
    private INetwork[] _replicas = [];
    private float[] _losses = [];
    // The current call's batch, pinned for its duration: spans cannot be handed to the pool's threads.
    private unsafe float* _inputs, _targets, _outputs;   // _outputs set: the call is Infer
    private int _count, _chunks;
    private bool _combining;   // the pool's parts are slices of the gradient combination, not chunks
    private int _combineParts;
    private ParameterStore? _update;   // while combining: the store whose slices are updated once summed, or null
    private Optimizer? _optimizer;
    private float _learningRate;

    /// <summary>Splits <paramref name="network"/>'s batches, running each chunk on <paramref name="path"/>.</summary>
    public DataParallelGradients(INetwork network, ExecutionPath path)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _path = path;
        _inputSize = Shapes.Size(network.InputShape);
        _targetSize = Shapes.Size(network.TargetShape);
        _outputSize = Shapes.Size(network.OutputShape);
    }

    /// <summary>How many chunks a compiled training pass cuts a batch of <paramref name="batch"/> samples into on its
    /// own: one per <see cref="WorkerPool.Threads"/>, each of at least <paramref name="minimumRows"/> samples; 1 (no
    /// split) inside a chunk, so a replica never splits again.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int AutomaticChunks(int batch, int minimumRows) =>
        _inChunk ? 1 : Math.Clamp(batch / Math.Max(1, minimumRows), 1, WorkerPool.Threads);

    /// <summary>Forward, loss and backward of <paramref name="count"/> samples in <paramref name="chunks"/> chunks;
    /// leaves the batch-mean gradient in the original network's store and returns the batch-mean loss. An exception in
    /// any chunk reaches the caller (the first one; the gradients are then not meaningful).</summary>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count, int chunks) =>
        ComputeGradients(inputs, targets, count, chunks, null, null, 0f);

    /// <summary>As <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>, and with
    /// <paramref name="update"/> (the original network's store) also the training step, fused into the combination:
    /// each slice of the gradients is updated (by <paramref name="optimizer"/> inside its fused step, see
    /// <see cref="Optimizer.BeginFusedStep"/>, or plain SGD at <paramref name="learningRate"/>) right after it is summed,
    /// on the core that summed it and while it is in cache, instead of in a second pass over every parameter. Every
    /// element's update is the same arithmetic however the slices fall, so the result does not depend on the threads.
    /// Generated training steps call it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public unsafe float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count, int chunks,
        ParameterStore? update, Optimizer? optimizer, float learningRate)
    {
        CompiledSupport.CheckTrain(inputs.Length, targets.Length, count, _inputSize, _targetSize);
        Prepare(count, chunks);
        // Every replica draws the step's dropout masks as the whole batch would: the same seed and step, its chunk's
        // offset; the original's step then advances once, as one pass over the batch would have advanced it.
        var original = _network.Parameters;
        for (int k = 0; k < _chunks; k++)
        {
            var store = _replicas[k].Parameters;
            store.RandomSeed = original.RandomSeed;
            store.RandomStep = original.RandomStep;
            store.SampleOffset = original.SampleOffset + Chunk(k).Start;
        }
        fixed (float* x = inputs, t = targets)
        {
            _inputs = x;
            _targets = t;
            try { RunChunks(); }
            finally { _inputs = _targets = null; }
        }
        original.RandomStep = _replicas[0].Parameters.RandomStep;

        double loss = 0;
        for (int k = 0; k < _chunks; k++) loss += (double)_losses[k] * Chunk(k).Size;
        _combining = true;
        (_update, _optimizer, _learningRate) = (update, optimizer, learningRate);
        int minimum = optimizer is null ? CombineMinimum : CombineWithOptimizerMinimum;
        _combineParts = Math.Min(WorkerPool.Threads, Math.Max(1, original.Gradients.Length / minimum));
        try { WorkerPool.Run(this, _combineParts); }
        finally { _combining = false; (_update, _optimizer) = (null, null); }
        return (float)(loss / count);
    }

    /// <summary>Gradient elements below which the combination (alone, or with plain SGD fused) runs on one thread: it
    /// streams 12 bytes per element and chunk, so 64K elements are some tens of microseconds, where a hand-off costs a
    /// few.</summary>
    private const int CombineMinimum = 1 << 16;

    /// <summary>As <see cref="CombineMinimum"/> with an optimizer's update fused in, which costs several times the
    /// combination per element (Adam: a square root, a division and two state arrays). 16K elements: the 784 -> 64 ->
    /// 64 -> 10 MLP (55K parameters) at batch 128 on two threads, where the update had run on one core beside an idle
    /// one: 235-248 -> 193-215 us a step (one thread 342-353).</summary>
    private const int CombineWithOptimizerMinimum = 1 << 14;

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of the combination: over its slice of every
    /// gradient, the sum over chunks, in chunk order, of (chunk size / batch) * the chunk-mean gradient. Each element's
    /// arithmetic is the same however the slices are cut, so the result does not depend on the threads.</summary>
    private void CombinePart(int part, int parts)
    {
        var total = _network.Parameters.Gradients;
        var (start, end) = TileGemm.Range(total.Length, 64, part, parts);
        // Block by block, so that with an update each block's sum is still in L1 when the optimizer reads it.
        for (int from = start; from < end; from += CombineBlock)
        {
            int to = Math.Min(end, from + CombineBlock);
            var block = total.AsSpan(from, to - from);
            for (int k = 0; k < _chunks; k++)
            {
                float weight = (float)Chunk(k).Size / _count;
                var chunk = _replicas[k].Parameters.Gradients.AsSpan(from, to - from);
                if (k == 0) TensorPrimitives.Multiply(chunk, weight, block);
                else TensorPrimitives.MultiplyAdd(chunk, weight, block, block);
            }
            if (_update is not null) CompiledSupport.UpdateRange(_update, from, to, _optimizer, _learningRate);
        }
    }

    /// <summary>Elements combined (and updated) at a time: 16 KB of summed gradient, well inside L1 beside the
    /// optimizer's state for the same elements. (W3 at batch 128 on two threads, bench -- breakdown, five alternating
    /// runs each on AMD EPYC Zen 4: TrainStep median 2,907 us fused this way, 3,103 us with the update as a second pass;
    /// single runs spread by 20%.)</summary>
    private const int CombineBlock = 4096;

    /// <summary>Compiled inference of <paramref name="count"/> samples in <paramref name="chunks"/> chunks, each on its
    /// replica's own workspace (generated <c>Infer</c> splits a large enough batch here). Samples are independent in
    /// inference, so for a network that runs a sample at a time each output is what one <c>Infer</c> over the whole
    /// batch gives, bit for bit; a tiled network's chunk may run its products on a row count that picks other kernels
    /// than the whole batch's, which agree to rounding.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public unsafe void Infer(ReadOnlySpan<float> inputs, Span<float> outputs, int count, int chunks)
    {
        CompiledSupport.CheckInfer(inputs.Length, outputs.Length, count, _inputSize, _outputSize);
        Prepare(count, chunks);
        fixed (float* x = inputs, y = outputs)
        {
            _inputs = x;
            _outputs = y;
            try { RunChunks(); }
            finally { _inputs = _outputs = null; }
        }
    }

    /// <summary>Sets up a call over <paramref name="count"/> samples (checked by the caller) in at most
    /// <paramref name="chunks"/> chunks, making the replicas it lacks.</summary>
    private void Prepare(int count, int chunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        _count = count;
        _chunks = Math.Min(chunks, count);
        EnsureReplicas(_chunks);
    }

    /// <summary>Runs every chunk: on the pool when it is free, else one after another on the calling thread.</summary>
    private void RunChunks()
    {
        if (_chunks > 1 && WorkerPool.TryAcquire()) WorkerPool.RunAcquired(this, _chunks);
        else for (int k = 0; k < _chunks; k++) RunPart(k);
    }

    /// <summary>Runs chunk <paramref name="part"/> on its replica, or while combining, slice <paramref name="part"/> of
    /// the gradients; called by the pool, or in order on the caller.</summary>
    unsafe void IPartedWork.RunPart(int part)
    {
        if (_combining) CombinePart(part, _combineParts);
        else RunPart(part);
    }

    private unsafe void RunPart(int k)
    {
        var (start, size) = Chunk(k);
        var inputs = new ReadOnlySpan<float>(_inputs + (long)start * _inputSize, size * _inputSize);
        bool outer = _inChunk;
        _inChunk = true;
        try
        {
            if (_outputs is not null) _replicas[k].Infer(inputs, new Span<float>(_outputs + (long)start * _outputSize, size * _outputSize), size);
            else _losses[k] = _replicas[k].ComputeGradients(_path, inputs, new ReadOnlySpan<float>(_targets + (long)start * _targetSize, size * _targetSize), size);
        }
        finally { _inChunk = outer; }
    }

    private (int Start, int Size) Chunk(int k)
    {
        int start = (int)((long)k * _count / _chunks), end = (int)((long)(k + 1) * _count / _chunks);
        return (start, end - start);
    }

    private void EnsureReplicas(int chunks)
    {
        if (_replicas.Length >= chunks) return;
        var replicas = new INetwork[chunks];
        Array.Copy(_replicas, replicas, _replicas.Length);
        for (int k = _replicas.Length; k < chunks; k++) replicas[k] = _network.CreateReplica();
        _replicas = replicas;
        _losses = new float[chunks];
    }
}
