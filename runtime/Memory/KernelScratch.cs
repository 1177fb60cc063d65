using System;
using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>What a kernel's scratch holds; each use has its own buffer, since one kernel may call another while its
/// own scratch is live (a convolution's columns around the products, a sequence's gathered rows around a tile GEMM).</summary>
internal enum ScratchUse
{
    /// <summary><see cref="PackedForward"/>: the tile's x^T and y^T.</summary>
    PackedRows,
    /// <summary><see cref="ConvolutionGemm"/>: im2col columns and their gradient.</summary>
    ConvolutionColumns,
    /// <summary><see cref="MaxPooling"/>: a row's running maxima and their indices.</summary>
    PoolingWindows,
    /// <summary><see cref="ScaledDotProductAttention"/>: a head's transposed keys, score blocks and their gradients.</summary>
    AttentionBlocks,
    /// <summary><see cref="RecurrentSequence"/>: transposed weights, a step's gate products, dW_ih^T.</summary>
    RecurrentSteps,
    /// <summary><see cref="SequenceGemm"/>: the gathered rows of a tile's samples.</summary>
    SequenceRows,
    /// <summary><see cref="TileGemm.AxpyRows"/>: a column stripe of B, its rows side by side.</summary>
    BStripe,
}

/// <summary>The kernels' scratch memory, so that no kernel allocates per call: each buffer grows when a call needs more
/// than any before and is reused after. A part of a <see cref="WorkerPool"/> job uses the buffers of its part index,
/// whichever thread claims it (only one job runs at a time, so a part index has one user); work outside the pool's
/// parts (a serial call, a caller that found the pool busy) uses its thread's own. So which buffers a step grows depends
/// only on its shapes and parts, not on which thread won which part: a warm-up step grows every buffer the next steps
/// use, even when one thread happened to run all the parts (per-thread buffers missed that under load, and a later
/// step then allocated). Buffers are pinned with element 0 on a 64-byte boundary and start zeroed; a reused buffer holds
/// what its last user left.</summary>
internal static class KernelScratch
{
    private static readonly int Uses = Enum.GetValues<ScratchUse>().Length;
    [ThreadStatic] private static float[]?[]? t_serial;
    [ThreadStatic] private static int t_part;   // 1 + the index of the pool part this thread runs, 0 outside parts
    private static float[]?[][] s_parts = [];

    /// <summary>At least <paramref name="floats"/> floats of <paramref name="use"/>'s buffer for the running part (or
    /// thread), 64-byte aligned.</summary>
    public static unsafe ref float Get(ScratchUse use, int floats)
    {
        var buffers = t_part > 0 ? s_parts[t_part - 1] : t_serial ??= new float[Uses][];
        const int align = AlignedArrays.Boundary / sizeof(float);
        var buffer = buffers[(int)use];
        if (buffer is null || buffer.Length < floats + align)
            buffers[(int)use] = buffer = GC.AllocateArray<float>(Math.Max(floats + align, 2 * (buffer?.Length ?? 0)), pinned: true);
        ref float first = ref buffer[0];
        int skip = (int)((AlignedArrays.Boundary - (nint)Unsafe.AsPointer(ref first) % AlignedArrays.Boundary) % AlignedArrays.Boundary / sizeof(float));
        return ref Unsafe.Add(ref first, skip);
    }

    /// <summary>Makes the buffer sets of parts 0 .. <paramref name="parts"/>-1; called by the pool, holding its gate,
    /// before a job's parts start.</summary>
    internal static void EnsureParts(int parts)
    {
        if (s_parts.Length >= parts) return;
        var sets = new float[]?[parts][];
        Array.Copy(s_parts, sets, s_parts.Length);
        for (int p = s_parts.Length; p < parts; p++) sets[p] = new float[Uses][];
        s_parts = sets;
    }

    /// <summary>Marks this thread as running pool part <paramref name="part"/>; returns the mark to restore after.</summary>
    internal static int EnterPart(int part)
    {
        int saved = t_part;
        t_part = part + 1;
        return saved;
    }

    /// <summary>Restores the mark <see cref="EnterPart"/> returned.</summary>
    internal static void LeavePart(int saved) => t_part = saved;
}
