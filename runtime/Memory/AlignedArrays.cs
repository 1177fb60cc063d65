using System;
using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>Float arrays whose element 0 sits on a 64-byte boundary: parameters, gradients, optimizer state and the
/// generated workspaces. A Vector512 load or store from a misaligned address spans two cache lines; a .NET array's
/// elements start 16 bytes into the object, at whatever address the heap gives, so without this almost every weight
/// load of a kernel straddles two lines (Zen 4, 64 x 64 to 256 x 64 weights, one row at a time as a decoder step
/// multiplies: 15-20% slower from L2, 35% from L1). The arrays are pinned (allocated on the pinned object heap) so the
/// boundary found stays where it is. Alignment is a matter of speed only: when it cannot be had, the array comes back
/// unaligned and everything still computes the same.</summary>
public static class AlignedArrays
{
    /// <summary>Bytes per cache line, the boundary element 0 is placed on.</summary>
    public const int Boundary = 64;

    /// <summary>A zeroed array of <paramref name="length"/> floats, pinned, its element 0 on a 64-byte boundary when the
    /// heap allows (it nearly always does).</summary>
    public static float[] Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var array = GC.AllocateArray<float>(length, pinned: true);
        // The pinned object heap places an allocation right after the previous one when no gap left by dead objects
        // fits it; every array takes 24 bytes (header, type, length) plus its elements rounded up to 8. So a spacer of
        // s bytes (a multiple of 8) allocated before the next try moves that array's elements by 24 + s, onto the
        // boundary. A small spacer can fall into a gap instead (the array then goes on after the last one, as before),
        // so later tries use a spacer as large as the array itself plus s, which goes where the array would. Each try
        // is computed from the array the last one gave, and the misaligned arrays stay alive to the end so that they
        // leave no gaps to fall into; they (and the spacers) are garbage afterwards, collected with the pinned heap.
        float[][]? discarded = null;
        int attempts = Attempts(length);
        for (int attempt = 0; attempt < attempts && Misalignment(array) != 0; attempt++)
        {
            long footprint = 24 + ((long)length * sizeof(float) + 7) / 8 * 8;
            long next = (long)(Address(array) % Boundary) + footprint;   // where the next object's elements would start
            long large = attempt == 0 ? 0 : (long)length * sizeof(float) / 8 * 8;
            if (large > LargestSpacer) break;   // a second copy of a huge array is too much to spend on alignment
            int spacerBytes = (int)(large + (Boundary - (next + 24 + large) % Boundary) % Boundary);
            (discarded ??= new float[attempts][])[attempt] = array;
            var spacer = GC.AllocateUninitializedArray<byte>(spacerBytes, pinned: true);
            array = GC.AllocateArray<float>(length, pinned: true);
            GC.KeepAlive(spacer);
        }
        GC.KeepAlive(discarded);
        return array;
    }

    /// <summary>Tries before an array is used unaligned: 32 for arrays up to 1 MB, 6 above. Every misaligned try stays
    /// alive to the end, so it fills the gap it fell into and the next try cannot fall there again; a pinned heap left
    /// full of small gaps by earlier arrays (a long test run) needed more than 6 (a heap fragmented on purpose, 40
    /// arrays of 16 to 100K floats: 26-32 aligned with 6 tries, 37-39 with 16, 39-40 with 32). Large arrays rarely fit
    /// a gap, and each of their tries costs a copy.</summary>
    private static int Attempts(int length) => length <= (1 << 18) ? 32 : 6;

    /// <summary>Bytes a spacer may take (64 MB): larger arrays get the small spacer's try only.</summary>
    private const long LargestSpacer = 64L << 20;

    /// <summary>How many bytes element 0 of <paramref name="array"/> lies past a 64-byte boundary (0: aligned).</summary>
    public static int Misalignment<T>(T[] array) where T : unmanaged => (int)(Address(array) % Boundary);

    private static unsafe nuint Address<T>(T[] array) where T : unmanaged =>
        (nuint)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));
}
