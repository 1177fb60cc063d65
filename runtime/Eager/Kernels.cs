using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>An element-wise function at every register width, so one driver runs it on the Vector512,
/// Vector256, Vector128 and scalar paths (the TensorPrimitives operator-struct pattern). Implemented by structs
/// so the JIT specializes and inlines each use. The overloads are the ones generated code calls for the same op
/// (<see cref="SimdMath"/> for vectors, <see cref="ScalarMath"/> or SimdMath's exact float overloads for one
/// element), so an element gets the same bits on the interpreted and the compiled path, at any width.</summary>
internal interface IUnaryKernel
{
    float Invoke(float x);
    Vector128<float> Invoke(Vector128<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>An element-wise function of three operands at every register width (<see cref="IUnaryKernel"/>'s pattern),
/// for the broadcasting element-wise ops (Div, Maximum, Minimum, Where) and their gradient shares; a function of fewer
/// operands ignores the rest.</summary>
internal interface ITernaryKernel
{
    float Invoke(float a, float b, float c);
    Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c);
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c);
}

/// <summary>The vectorized loops of the interpreted path: element-wise drivers and the three matrix-product
/// forms forward and backward need. Every matrix routine accumulates (<c>C +=</c>) into row-major storage.</summary>
internal static class Kernels
{
    /// <summary>y[i] = op(x[i]), in Vector512, Vector256 and Vector128 steps as far as each is accelerated, then
    /// one element at a time. <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryKernel
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException("Destination too short.", nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    /// <summary>dx[i] += dy[i] * op(u[i]) (rounded after the product, as generated code does): the backward of
    /// an element-wise function whose derivative is <paramref name="op"/> of <paramref name="u"/> (the input, or
    /// the output where the derivative is written with it). Steps as in <see cref="Map"/>.</summary>
    public static void MultiplyAccumulate<TOp>(TOp op, ReadOnlySpan<float> u, ReadOnlySpan<float> dy, Span<float> dx) where TOp : struct, IUnaryKernel
    {
        int n = u.Length;
        if (dy.Length < n || dx.Length < n) throw new ArgumentException("Spans differ in length.");
        ref float ur = ref MemoryMarshal.GetReference(u);
        ref float dyr = ref MemoryMarshal.GetReference(dy);
        ref float dxr = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.LoadUnsafe(ref dxr, (nuint)i) + Vector512.LoadUnsafe(ref dyr, (nuint)i) * op.Invoke(Vector512.LoadUnsafe(ref ur, (nuint)i)))
                    .StoreUnsafe(ref dxr, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref dxr, (nuint)i) + Vector256.LoadUnsafe(ref dyr, (nuint)i) * op.Invoke(Vector256.LoadUnsafe(ref ur, (nuint)i)))
                    .StoreUnsafe(ref dxr, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                (Vector128.LoadUnsafe(ref dxr, (nuint)i) + Vector128.LoadUnsafe(ref dyr, (nuint)i) * op.Invoke(Vector128.LoadUnsafe(ref ur, (nuint)i)))
                    .StoreUnsafe(ref dxr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dxr, i) += Unsafe.Add(ref dyr, i) * op.Invoke(Unsafe.Add(ref ur, i));
    }

    /// <summary>y[i] = op(a[i], b[i], c[i]), where each of a, b and c holds y.Length elements or one value used for
    /// every i. Steps as in <see cref="Map"/>.</summary>
    public static void Map3<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y)
        where TOp : struct, ITernaryKernel
    {
        int n = y.Length;
        if ((a.Length != n && a.Length != 1) || (b.Length != n && b.Length != 1) || (c.Length != n && c.Length != 1))
            throw new ArgumentException("Operands must have the destination's length or one element.");
        // A single value is read at index 0 at every step (step 0 instead of 1).
        int sa = a.Length == 1 ? 0 : 1, sb = b.Length == 1 ? 0 : 1, sc = c.Length == 1 ? 0 : 1;
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Load512(ref ar, sa, i), Load512(ref br, sb, i), Load512(ref cr, sc, i)).StoreUnsafe(ref yr, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Load256(ref ar, sa, i), Load256(ref br, sb, i), Load256(ref cr, sc, i)).StoreUnsafe(ref yr, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Load128(ref ar, sa, i), Load128(ref br, sb, i), Load128(ref cr, sc, i)).StoreUnsafe(ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref ar, sa * i), Unsafe.Add(ref br, sb * i), Unsafe.Add(ref cr, sc * i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load512(ref float x, int step, int i) => step == 0 ? Vector512.Create(x) : Vector512.LoadUnsafe(ref x, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load256(ref float x, int step, int i) => step == 0 ? Vector256.Create(x) : Vector256.LoadUnsafe(ref x, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Load128(ref float x, int step, int i) => step == 0 ? Vector128.Create(x) : Vector128.LoadUnsafe(ref x, (nuint)i);

    /// <summary>C[M, N] += A[M, K] B[K, N]. Rows of C are updated with vectorized axpy over N (a dot product
    /// over K when N is 1).</summary>
    public static void MatMulNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        if (n == 1)
        {
            var column = b.Slice(0, k);
            for (int i = 0; i < m; i++) c[i] += TensorPrimitives.Dot(a.Slice(i * k, k), column);
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            var ai = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), ai[p], row, row);
            }
        }
    }

    /// <summary>C[M, N] += A[M, K] B[N, K]^T. Each element is a vectorized dot product over K (an outer-product
    /// axpy when K is 1).</summary>
    public static void MatMulNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        if (k == 1)
        {
            var column = b.Slice(0, n);
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(column, a[i], row, row);
            }
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var ai = a.Slice(i * k, k);
            var row = c.Slice(i * n, n);
            for (int j = 0; j < n; j++) row[j] += TensorPrimitives.Dot(ai, b.Slice(j * k, k));
        }
    }

    /// <summary>C[M, N] += A[K, M]^T B[K, N]: for each of the K rows, the outer product of A's row and B's row
    /// is added (vectorized axpy over N, or over M when N is 1).</summary>
    public static void MatMulTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        if (n == 1)
        {
            var column = c.Slice(0, m);
            for (int p = 0; p < k; p++) TensorPrimitives.MultiplyAdd(a.Slice(p * m, m), b[p], column, column);
            return;
        }
        for (int p = 0; p < k; p++)
        {
            var ap = a.Slice(p * m, m);
            var bp = b.Slice(p * n, n);
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(bp, ap[i], row, row);
            }
        }
    }

    /// <summary>dst[N, M] (+)= src[M, N]^T, in 8x8 tiles so both sides stay in cache.</summary>
    public static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int m, int n, bool accumulate)
    {
        const int Tile = 8;
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(i0 + Tile, m);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(j0 + Tile, n);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                    {
                        if (accumulate) dst[j * m + i] += src[i * n + j];
                        else dst[j * m + i] = src[i * n + j];
                    }
            }
        }
    }

    /// <summary>Adds <paramref name="x"/> into <paramref name="acc"/> element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto(Span<float> acc, ReadOnlySpan<float> x) => TensorPrimitives.Add(acc, x, acc);
}
