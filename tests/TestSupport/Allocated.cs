using System;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Bytes allocated on the calling thread while an action runs: for tests that a hostile input cannot make
/// the code under test allocate what its header claims.</summary>
internal static class Allocated
{
    public static long By(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
