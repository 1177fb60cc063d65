using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary><see cref="KernelScratch"/>: a pool part's buffers belong to its part index, not to the thread that runs it,
/// so a warm-up call grows every buffer later calls use whichever threads claim the parts; work outside parts has its
/// thread's own. Runs alone: the tests mark the test thread as a pool part, which only the pool does otherwise.</summary>
[Collection(ExclusiveCollection.Name)]
public class KernelScratchTests
{
    // A part index above any job's part count in the suite (parts never exceed WorkerPool.Threads).
    private const int Part = 40;

    private static nint Address(ref float first) => Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref first);   // pinned: stable

    /// <summary>Runs <paramref name="body"/> on a new thread, as part <paramref name="part"/> of a pool job when given.</summary>
    private static T OnThread<T>(int? part, Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            int mark = part is int p ? KernelScratch.EnterPart(p) : 0;
            try { result = body(); }
            catch (Exception e) { error = e; }   // an exception escaping a thread would end the test host
            finally { if (part is not null) KernelScratch.LeavePart(mark); }
        });
        thread.Start();
        thread.Join();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
        return result;
    }

    [Fact]
    public void A_part_finds_the_buffer_its_index_grew_on_another_thread_and_allocates_nothing()
    {
        KernelScratch.EnsureParts(Part + 1);
        nint grown = OnThread(Part, () => Address(ref KernelScratch.Get(ScratchUse.AttentionBlocks, 5000)));
        var (reused, bytes) = OnThread(Part, () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            nint address = Address(ref KernelScratch.Get(ScratchUse.AttentionBlocks, 4000));
            return (address, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.Equal(grown, reused);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Work_outside_parts_has_its_threads_own_buffers_and_parts_have_their_own()
    {
        KernelScratch.EnsureParts(Part + 1);
        nint first = OnThread(null, () => Address(ref KernelScratch.Get(ScratchUse.SequenceRows, 100)));
        nint second = OnThread(null, () => Address(ref KernelScratch.Get(ScratchUse.SequenceRows, 100)));
        nint part = OnThread(Part, () => Address(ref KernelScratch.Get(ScratchUse.SequenceRows, 100)));
        nint other = OnThread(Part - 1, () => Address(ref KernelScratch.Get(ScratchUse.SequenceRows, 100)));
        Assert.Equal(4, new[] { first, second, part, other }.Distinct().Count());
    }

    [Fact]
    public void Each_use_has_its_own_buffer_and_a_larger_need_gets_a_larger_zeroed_aligned_one()
    {
        KernelScratch.EnsureParts(Part + 1);
        OnThread(Part, () =>
        {
            ref float rows = ref KernelScratch.Get(ScratchUse.PoolingWindows, 64);
            ref float columns = ref KernelScratch.Get(ScratchUse.ConvolutionColumns, 64);
            Assert.NotEqual(Address(ref rows), Address(ref columns));
            MemoryMarshal.CreateSpan(ref rows, 64).Fill(3f);   // what the last user left stays there for the next...
            Assert.Equal(3f, MemoryMarshal.CreateSpan(ref KernelScratch.Get(ScratchUse.PoolingWindows, 64), 64)[63]);
            ref float large = ref KernelScratch.Get(ScratchUse.PoolingWindows, 1 << 20);   // ...until one needs more
            Assert.NotEqual(Address(ref rows), Address(ref large));
            Assert.True(MemoryMarshal.CreateSpan(ref large, 1 << 20).IndexOfAnyExcept(0f) < 0, "a new buffer is not zeroed");
            Assert.Equal(0, Address(ref large) % AlignedArrays.Boundary);
            Assert.Equal(0, Address(ref columns) % AlignedArrays.Boundary);
            return 0;
        });
    }
}
