using System;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetCompiler;

/// <summary>Computes a batch's gradient on several cores: the batch is cut into contiguous chunks, each chunk runs
/// on its own replica of the network (<see cref="INetwork.CreateReplica"/>: shared values, own gradients and
/// workspace) on a persistent worker thread, and the chunk gradients are combined, weighted by chunk size, into
/// the original network's gradients. The result is the batch-mean gradient, as with one thread, up to the
/// order of the floating-point sums (and identical from run to run for the same thread count); dropout drops the same
/// elements as with one thread. A network whose training couples the batch's samples (<see cref="INetwork.CouplesBatch"/>:
/// batch normalization) is never split. Nothing is
/// allocated per step; the threads live as long as this object.</summary>
internal sealed class DataParallelGradients : IDisposable
{
    private readonly INetwork[] _replicas;      // [0] is the original network, run on the calling thread
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done = new(1);
    private readonly float[] _losses;
    private readonly Exception?[] _errors;
    private readonly ExecutionPath _path;
    private readonly int _inputSize, _targetSize;
    private float[] _inputs = [], _targets = [];
    private int _count, _chunks;
    private volatile bool _stopping;

    public DataParallelGradients(INetwork network, int threads, ExecutionPath path)
    {
        _path = path;
        _inputSize = Shapes.Size(network.InputShape);
        _targetSize = Shapes.Size(network.TargetShape);
        _replicas = new INetwork[threads];
        _replicas[0] = network;
        for (int k = 1; k < threads; k++) _replicas[k] = network.CreateReplica();
        _losses = new float[threads];
        _errors = new Exception?[threads];
        _start = new SemaphoreSlim[threads];
        _threads = new Thread[threads];
        // CountdownEvent (its ManualResetEventSlim) allocates a lock object on the first Wait that really blocks,
        // which would land in whichever step first finds a worker still busy (on a loaded machine, any step). Pay it
        // here, as WorkerPool does for SemaphoreSlim: the count is 1 and nothing signals, so this wait blocks and
        // times out. ComputeGradients resets the count before each use.
        _done.Wait(1);
        for (int k = 1; k < threads; k++)
        {
            _start[k] = new SemaphoreSlim(0);
            int worker = k;
            _threads[k] = new Thread(() => Work(worker)) { IsBackground = true, Name = $"NetCompiler trainer worker {k}" };
            _threads[k].Start();
        }
    }

    /// <summary>Forward, loss and backward of <paramref name="count"/> samples split across the threads; leaves the
    /// batch-mean gradient in the original network's store and returns the batch-mean loss.</summary>
    public float ComputeGradients(float[] inputs, float[] targets, int count)
    {
        _inputs = inputs;
        _targets = targets;
        _count = count;
        _chunks = Math.Min(_replicas.Length, count);
        // Every replica draws the step's dropout masks as the whole batch would: same seed and step, its chunk's offset.
        var original = _replicas[0].Parameters;
        long step = original.RandomStep;
        for (int k = 1; k < _chunks; k++)
        {
            var store = _replicas[k].Parameters;
            store.RandomSeed = original.RandomSeed;
            store.RandomStep = step;
            store.SampleOffset = Chunk(k).Start;
        }
        if (_chunks > 1)
        {
            _done.Reset(_chunks - 1);
            for (int k = 1; k < _chunks; k++) _start[k].Release();
        }
        RunChunk(0);
        if (_chunks > 1) _done.Wait();
        for (int k = 0; k < _chunks; k++)
            if (_errors[k] is { } error)
            {
                Array.Clear(_errors);
                ExceptionDispatchInfo.Throw(error);
            }

        // gradient = sum over chunks of (chunk size / batch) * chunk-mean gradient
        var total = _replicas[0].Parameters.Gradients;
        double loss = 0;
        for (int k = 0; k < _chunks; k++)
        {
            var (start, size) = Chunk(k);
            float weight = (float)size / count;
            loss += (double)_losses[k] * size;
            if (k == 0) TensorPrimitives.Multiply(total, weight, total);
            else TensorPrimitives.MultiplyAdd(_replicas[k].Parameters.Gradients, weight, total, total);
        }
        return (float)(loss / count);
    }

    private (int Start, int Size) Chunk(int k)
    {
        int start = (int)((long)k * _count / _chunks), end = (int)((long)(k + 1) * _count / _chunks);
        return (start, end - start);
    }

    private void RunChunk(int k)
    {
        try
        {
            var (start, size) = Chunk(k);
            _losses[k] = _replicas[k].ComputeGradients(_path,
                _inputs.AsSpan(start * _inputSize, size * _inputSize), _targets.AsSpan(start * _targetSize, size * _targetSize), size);
        }
        catch (Exception e) { _errors[k] = e; }
    }

    private void Work(int k)
    {
        while (true)
        {
            _start[k].Wait();
            if (_stopping) return;
            RunChunk(k);
            _done.Signal();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        for (int k = 1; k < _threads.Length; k++) _start[k].Release();
        for (int k = 1; k < _threads.Length; k++) { _threads[k].Join(); _start[k].Dispose(); }
        _done.Dispose();
    }
}
