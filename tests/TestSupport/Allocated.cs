using System;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Bytes allocated on the calling thread while an action runs.</summary>
internal static class Allocated
{
    /// <summary>Bytes allocated by one run of <paramref name="action"/>: for tests that a hostile input cannot make
    /// the code under test allocate what its header claims.</summary>
    public static long By(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>The least bytes allocated by one of <paramref name="rounds"/> runs of <paramref name="action"/>, for
    /// steady-state claims ("a step allocates nothing"): whatever the code allocates per call shows in every round,
    /// while a one-time allocation by the runtime on this thread does not fail the test. Such allocations of about
    /// 3 KB landed in one measured round now and then while the whole suite ran in parallel (never with
    /// DOTNET_TieredCompilation=0, never when the test ran alone): the tiering machinery acting on the calling thread.</summary>
    public static long LeastOf(int rounds, Action action)
    {
        long least = long.MaxValue;
        for (int round = 0; round < rounds; round++) least = Math.Min(least, By(action));
        return least;
    }
}
