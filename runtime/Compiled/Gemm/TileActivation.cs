using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>An element-wise activation a <see cref="TileGemm"/> product applies to the output columns it has just
/// computed (forward: y = act(z); input gradient: dx *= act'(y)), on the core that computed them, while they are in its
/// cache. As a separate pass over the tile it ran on the calling core alone, which also had to read the other core's
/// half of the product from that core's cache first. Generated code passes it; the results are the bits of the
/// separate pass.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum TileActivation
{
    /// <summary>The product alone.</summary>
    None,

    /// <summary>ReLU: y = max(x, 0) as <see cref="SimdMath.Relu(float)"/>; its gradient dx *= [y &gt; 0].</summary>
    Relu,
}

/// <summary>The row loops behind <see cref="TileActivation"/>: columns [start, end) of each row, Vector512, Vector256
/// or scalar steps with the same arithmetic (SimdMath's).</summary>
internal static class TileActivationRows
{
    /// <summary>y[r, start..end) = act(y[r, start..end)) for r &lt; <paramref name="rows"/>.</summary>
    public static void Forward(TileActivation activation, ref float y, RowLayout yRows, int rows, int start, int end)
    {
        if (activation == TileActivation.None) return;
        for (int r = 0; r < rows; r++)
            Relu(ref Unsafe.Add(ref y, yRows.Offset(r) + start), end - start);
    }

    /// <summary>dx[r, start..end) *= act'(y[r, start..end)) for r &lt; <paramref name="rows"/>, where y is the
    /// activation's output.</summary>
    public static void Gate(TileActivation activation, ref float dx, int dxStride, ref float y, int yStride, int rows, int start, int end)
    {
        if (activation == TileActivation.None) return;
        for (int r = 0; r < rows; r++)
            ReluGate(ref Unsafe.Add(ref dx, r * dxStride + start), ref Unsafe.Add(ref y, r * yStride + start), end - start);
    }

    private static void Relu(ref float y, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= length - 16; i += 16)
                SimdMath.Relu(Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= length - 8; i += 8)
                SimdMath.Relu(Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i < length; i++) Unsafe.Add(ref y, i) = SimdMath.Relu(Unsafe.Add(ref y, i));
    }

    private static void ReluGate(ref float dx, ref float y, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= length - 16; i += 16)
                (Vector512.LoadUnsafe(ref dx, (nuint)i) * SimdMath.ReluGrad(Vector512.LoadUnsafe(ref y, (nuint)i))).StoreUnsafe(ref dx, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= length - 8; i += 8)
                (Vector256.LoadUnsafe(ref dx, (nuint)i) * SimdMath.ReluGrad(Vector256.LoadUnsafe(ref y, (nuint)i))).StoreUnsafe(ref dx, (nuint)i);
        for (; i < length; i++) Unsafe.Add(ref dx, i) *= SimdMath.ReluGrad(Unsafe.Add(ref y, i));
    }
}
