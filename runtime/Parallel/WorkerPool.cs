using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetCompiler;

/// <summary>A work item that can be cut into independent parts, run by <see cref="WorkerPool"/>.</summary>
internal interface IPartedWork
{
    /// <summary>Runs part <paramref name="part"/> of the work; parts never write the same memory.</summary>
    void RunPart(int part);
}

/// <summary>The process-wide pool that splits one large kernel (a GEMM over a tile) across the cores: persistent
/// background threads that spin briefly for the next job before they sleep, no allocation and no <c>Task</c> per
/// call. Only one job runs at a time; a caller that finds the pool busy (another network on another thread) runs
/// its parts itself, so nothing ever waits on a second job, and a part that asks for the pool (a kernel inside a
/// data-parallel chunk) runs on its own thread. Parts write disjoint outputs with the same arithmetic
/// as a serial run, so a kernel's results do not depend on the number of threads (a compiled training pass that
/// splits its batch, <see cref="DataParallelGradients"/>, depends on the number of chunks).</summary>
public static class WorkerPool
{
    private static readonly object Gate = new();
    private static Thread[] _workers = [];
    private static SemaphoreSlim[] _wake = [];
    private static volatile int _generation;
    private static IPartedWork? _work;
    private static int _parts, _unfinished;
    // The job's generation (high 32 bits) and which of its parts are claimed (low 32 bits): a part is claimed with a
    // compare-exchange that also checks the generation, so a worker that fell behind can never run a part of an
    // earlier job against a later one's counters. Parts 0-15 are claimed as bits (HomeParts), so that each thread can
    // take its own one first; parts from 16 on, beyond any home, by a counter in the upper 16 bits.
    private static long _claim = Closed;   // no job: nothing to claim
    private const int HomeParts = 16;
    private const long Closed = 0xFFFF_FFFFL;
    private static Exception? _error;
    private static bool _running;   // a job is running (read only by the thread holding Gate)
    private static int _threads = Math.Clamp(Environment.ProcessorCount, 1, MaxThreads);

    /// <summary>The most threads the pool runs (a job's parts are counted in 16 bits).</summary>
    public const int MaxThreads = 4096;

    /// <summary>Threads a kernel may use, the caller included (default: the processor count, at most
    /// <see cref="MaxThreads"/>). 1 turns the pool off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1 or above <see cref="MaxThreads"/>.</exception>
    public static int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
            lock (Gate) _threads = value;
        }
    }

    /// <summary>Runs parts 0 .. <paramref name="parts"/>-1 of <paramref name="work"/>, on the pool when it is free and
    /// there is more than one thread, else on the calling thread. Returns when every part is done.</summary>
    internal static void Run(IPartedWork work, int parts)
    {
        if (parts <= 1 || !TryAcquire())
        {
            for (int p = 0; p < parts; p++) work.RunPart(p);
            return;
        }
        RunAcquired(work, parts);
    }

    /// <summary>Claims the pool for one job. False when it is off (one thread) or another thread's job is running:
    /// then do the work on the calling thread. While claimed, the caller may fill shared (static) work objects,
    /// since no other job can start; <see cref="RunAcquired"/> releases the claim.</summary>
    internal static bool TryAcquire()
    {
        if (_threads <= 1 || !Monitor.TryEnter(Gate)) return false;
        if (!_running) return true;
        // The caller runs a part of the current job (a data-parallel chunk) and the monitor let it in again: its
        // kernels stay on its own thread.
        Monitor.Exit(Gate);
        return false;
    }

    /// <summary>Runs the parts of <paramref name="work"/> across the pool after <see cref="TryAcquire"/> returned true,
    /// and releases the pool. Returns when every part is done.</summary>
    internal static void RunAcquired(IPartedWork work, int parts)
    {
        try
        {
            _running = true;
            EnsureWorkers(_threads - 1);
            KernelScratch.EnsureParts(parts);
            int generation = _generation + 1;
            _parts = parts;
            _unfinished = parts;
            _error = null;
            Volatile.Write(ref _work, work);
            Volatile.Write(ref _claim, (long)generation << 32);
            _generation = generation;   // volatile: wakes the spinning workers after everything above is visible
            foreach (var wake in _wake) if (wake.CurrentCount == 0) wake.Release();
            Drain(home: 0);
            var wait = new Wait(CallerSpinTicks);
            while (Volatile.Read(ref _unfinished) > 0) wait.Once();
            // Close the job: a worker still holding this generation now finds nothing to claim, even after the next
            // job has reset the part count.
            Volatile.Write(ref _claim, ((long)generation << 32) | Closed);
            Volatile.Write(ref _work, null);
            if (_error is { } error) ExceptionDispatchInfo.Throw(error);
        }
        finally
        {
            _running = false;
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Claims and runs parts of the current job until none are left: part <paramref name="home"/> first (the
    /// caller's is 0, worker i's is i), then any other. The same thread then runs the same part of every job while all
    /// threads keep up, so a layer's half of W, dW and the optimizer's state stays in one core's cache from the forward
    /// product through the weight gradient to the update, instead of moving between the cores at every step.</summary>
    private static void Drain(int home)
    {
        long claim = Volatile.Read(ref _claim);
        long generation = claim >> 32;
        var work = Volatile.Read(ref _work);
        int parts = _parts;
        while (work is not null)
        {
            claim = Volatile.Read(ref _claim);
            if (claim >> 32 != generation) return;
            int part = NextPart((int)claim, parts, home);
            if (part < 0) return;
            long claimed = part < HomeParts ? claim | (1L << part) : claim + (1L << HomeParts);
            if (Interlocked.CompareExchange(ref _claim, claimed, claim) != claim) continue;
            int mark = KernelScratch.EnterPart(part);
            try { work.RunPart(part); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally
            {
                KernelScratch.LeavePart(mark);
                Interlocked.Decrement(ref _unfinished);
            }
        }
    }

    /// <summary>The part to claim next given the claimed bits (parts below <see cref="HomeParts"/>) and counter (parts
    /// from there on) in <paramref name="state"/>, or -1 when all are claimed or the job is closed.</summary>
    internal static int NextPart(int state, int parts, int home)
    {
        if ((long)(uint)state == Closed) return -1;
        int bits = state & ((1 << HomeParts) - 1);
        if (home < parts && home < HomeParts && (bits & (1 << home)) == 0) return home;
        int free = ~bits & ((1 << Math.Min(parts, HomeParts)) - 1);
        if (free != 0) return System.Numerics.BitOperations.TrailingZeroCount(free);
        int next = HomeParts + (int)((uint)state >> HomeParts);
        return next < parts ? next : -1;
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var workers = new Thread[count];
        var wake = new SemaphoreSlim[count];
        Array.Copy(_workers, workers, _workers.Length);
        Array.Copy(_wake, wake, _wake.Length);
        for (int i = _workers.Length; i < count; i++)
        {
            var signal = wake[i] = new SemaphoreSlim(0, 1);
            int home = i + 1;
            workers[i] = new Thread(() => Work(signal, home)) { IsBackground = true, Name = "NetCompiler worker " + (i + 1) };
            workers[i].Start();
        }
        _workers = workers;
        _wake = wake;
    }

    /// <summary>A worker: after each job it spins for a while (kernels come in bursts: several layers per step),
    /// then sleeps until woken.</summary>
    private static void Work(SemaphoreSlim wake, int home)
    {
        // The process's first blocking SemaphoreSlim.Wait allocates 64 bytes, once. Pay it here, at start, so that it
        // does not land in the first call after warm-up in which this worker happens to fall asleep.
        using (var once = new SemaphoreSlim(0, 1)) once.Wait(1);
        int seen = _generation;
        while (true)
        {
            var wait = new Wait(WorkerSpinTicks);
            while (_generation == seen && wait.Once()) { }
            if (_generation == seen) { wake.Wait(); continue; }
            seen = _generation;
            Drain(home);
        }
    }

    /// <summary>How long a worker spins with pause instructions alone after a job, for the next one: kernels come in
    /// bursts (several layers per step) with serial stretches between them of some tens of microseconds.</summary>
    private static readonly long WorkerSpinTicks = Stopwatch.Frequency / 5_000;   // 200 us

    /// <summary>How long the caller spins with pause instructions alone for the other threads' parts, which most
    /// often finish within microseconds of its own.</summary>
    private static readonly long CallerSpinTicks = Stopwatch.Frequency / 20_000;   // 50 us

    /// <summary>A wait in three stages: pause instructions alone for a time, then <see cref="SpinWait"/>'s spinning and
    /// yielding for 2,000 rounds (the core goes to any other runnable thread), then <see cref="Once"/> says to stop
    /// (a worker then sleeps; the caller keeps yielding). The first stage is for speed on a virtual machine: there a
    /// yield is a system call that can take microseconds and leaves the core to the host, and a 784 -> 256 -> 256 ->
    /// 10 Adam step at batch 8 on two threads took 158-164 us with yielding from the start, 139-147 us with pause
    /// instructions alone (Zen 5 VM, alternating runs). The later stages keep an oversubscribed machine (more
    /// runnable threads than cores, as in a test run) from spinning while the thread it waits for cannot run.</summary>
    private struct Wait(long pureSpinTicks)
    {
        private readonly long _pureUntil = Stopwatch.GetTimestamp() + pureSpinTicks;
        private SpinWait _spin;

        /// <summary>Waits a little; false once the yielding stage is over.</summary>
        public bool Once()
        {
            if (Stopwatch.GetTimestamp() < _pureUntil) { Thread.SpinWait(8); return true; }
            _spin.SpinOnce(sleep1Threshold: -1);
            return _spin.Count < YieldingRounds;
        }

        private const int YieldingRounds = 2000;
    }
}
