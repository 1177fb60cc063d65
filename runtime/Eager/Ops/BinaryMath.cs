using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetCompiler;

// Element-wise ops of several operands with broadcasting (walked by BroadcastWalk), beside + - * (Arithmetic.cs): Div
// (a / b), Maximum, Minimum and Where(mask, a, b), forward and backward (generator/Ops/BinaryMath.cs and Where.cs). Each
// element is the SimdMath function generated code calls, through the ITernaryKernel structs below, so the two paths give
// the same bits; a broadcast operand's gradient is the sum of its shares, taken here in another order than generated code
// takes it.
public static partial class Ops
{
    /// <summary>a / b element-wise with broadcasting (IEEE division: x / 0 is ±Inf, 0 / 0 NaN, as PyTorch); also the
    /// operator <c>a / b</c> of two tensors. Gradients: da = dy / b, db = -dy (a / b) / b.</summary>
    /// <exception cref="ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor Div(Tensor a, Tensor b) =>
        Broadcast("Div", new DivKernel(), a, b, null, a, b, r =>
        {
            if (a.RequiresGrad) AddShare(r, a, new DivShareOfA(), r, r.Gradient, b, b.Values, null, Unused);
            if (b.RequiresGrad) AddShare(r, b, new DivShareOfB(), r, r.Gradient, r, r.Values, b, b.Values);
        });

    /// <summary>The larger of a and b element-wise with broadcasting (torch.maximum: NaN if either is NaN). The gradient
    /// goes to the larger operand; on a tie each gets half, as PyTorch.</summary>
    /// <exception cref="ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor Maximum(Tensor a, Tensor b) =>
        Broadcast("Maximum", new MaximumKernel(), a, b, null, a, b, r =>
        {
            if (a.RequiresGrad) AddShare(r, a, new MaximumShare(), r, r.Gradient, a, a.Values, b, b.Values);
            if (b.RequiresGrad) AddShare(r, b, new MaximumShare(), r, r.Gradient, b, b.Values, a, a.Values);
        });

    /// <summary>The smaller of a and b element-wise with broadcasting (torch.minimum: NaN if either is NaN). The gradient
    /// goes to the smaller operand; on a tie each gets half, as PyTorch.</summary>
    /// <exception cref="ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor Minimum(Tensor a, Tensor b) =>
        Broadcast("Minimum", new MinimumKernel(), a, b, null, a, b, r =>
        {
            if (a.RequiresGrad) AddShare(r, a, new MinimumShare(), r, r.Gradient, a, a.Values, b, b.Values);
            if (b.RequiresGrad) AddShare(r, b, new MinimumShare(), r, r.Gradient, b, b.Values, a, a.Values);
        });

    /// <summary>a where <paramref name="mask"/> is nonzero, else b, element-wise; the three shapes broadcast together
    /// (e.g. a [T, T] mask over [H, T, T] scores, a [T, 1] mask over [T, D] rows, and a number for b). The gradient goes
    /// to a where the mask is nonzero and to b elsewhere; none goes to the mask (as torch.where's condition). In a
    /// compiled network the mask must not depend on a parameter (NC0107): build it from constants such as
    /// <see cref="Triangle"/> and inputs.</summary>
    /// <exception cref="ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor Where(Tensor mask, Tensor a, Tensor b) =>
        Broadcast("Where", new WhereKernel(), mask, a, b, a, b, r =>   // no gradient flows into the mask
        {
            if (a.RequiresGrad) AddShare(r, a, new WhereKernel(), mask, mask.Values, r, r.Gradient, null, Zero);
            if (b.RequiresGrad) AddShare(r, b, new WhereKernel(), mask, mask.Values, null, Zero, r, r.Gradient);
        });

    /// <summary>a where <paramref name="mask"/> is nonzero, else the number <paramref name="b"/> (e.g. -Inf before a
    /// softmax, for causal attention: <c>Where(Triangle(t, t), scores, float.NegativeInfinity)</c>).</summary>
    /// <exception cref="ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor Where(Tensor mask, Tensor a, float b) => Where(mask, a, Tensor.Scalar(b));

    /// <summary>The constant [rows, cols] lower-triangular matrix of ones (1 where column &lt;= row, else 0), as
    /// torch.tril(torch.ones(rows, cols)): the causal mask of attention. Unbatched, no gradient; the generator makes it a
    /// constant of the network.</summary>
    /// <exception cref="ArgumentException">rows or cols is below 1.</exception>
    public static Tensor Triangle(int rows, int cols)
    {
        if (rows < 1 || cols < 1) throw new ArgumentException($"Triangle({rows}, {cols}): rows and columns must be at least 1.");
        var values = new float[(long)rows * cols <= int.MaxValue ? rows * cols : throw new ArgumentException($"Triangle({rows}, {cols}) is too large.")];
        ConstantTensors.Triangle(values, rows, cols);
        return Tensor.Constant(values, rows, cols);
    }

    private static readonly float[] UnusedValue = { 0f };

    /// <summary>A single zero: the other branch of Where's gradient shares.</summary>
    private static ReadOnlySpan<float> Zero => UnusedValue;

    /// <summary>The third operand of a kernel that reads two.</summary>
    private static ReadOnlySpan<float> Unused => UnusedValue;

    /// <summary>y = f(x0, x1, x2) with x0..x2 broadcast together (x2 null for a binary op); the tape records
    /// <paramref name="backward"/> when one of the two operands gradients flow into (a, b) needs a gradient.</summary>
    private static Tensor Broadcast<TF>(string name, TF f, Tensor x0, Tensor x1, Tensor? x2, Tensor a, Tensor b, Action<Tensor> backward)
        where TF : struct, ITernaryKernel
    {
        int batch = Shapes.Batch(name, x0, x1, x2);
        int[] shape = x2 is null ? Shapes.Broadcast(name, x0, x1) : Shapes.Broadcast(name, x0, x1, x2);
        var result = Tensor.Result(batch, shape, new[] { a, b }, backward);
        var walk = new BroadcastWalk(batch, shape, x0, x1, x2);
        ReadOnlySpan<float> v0 = x0.Values, v1 = x1.Values, v2 = x2 is null ? Unused : x2.Values;
        Span<float> y = result.Values;
        for (int k = 0; k < walk.Count; k++)
            Kernels.Map3(f, walk.At(0, v0, k), walk.At(1, v1, k), walk.At(2, v2, k), y.Slice(k * walk.Run, walk.Run));
        return result;
    }

    /// <summary>Adds into <paramref name="self"/>'s gradient its share <c>share(u0, u1, u2)</c> of the result
    /// <paramref name="r"/>'s gradient, element by element of the result; a broadcast operand receives the sum over the
    /// elements and samples it was repeated to. Each u is the data (values or gradient) of the tensor t beside it, read
    /// with that tensor's broadcasting, or one constant value when t is null.</summary>
    private static void AddShare<TS>(Tensor r, Tensor self, TS share, Tensor? t0, ReadOnlySpan<float> u0, Tensor? t1, ReadOnlySpan<float> u1,
        Tensor? t2, ReadOnlySpan<float> u2) where TS : struct, ITernaryKernel
    {
        var walk = new BroadcastWalk(r.Batch, r.Shape, self, t0, t1, t2);
        var shares = new float[walk.Run];
        Span<float> grad = self.Gradient;
        for (int k = 0; k < walk.Count; k++)
        {
            Kernels.Map3(share, walk.At(1, u0, k), walk.At(2, u1, k), walk.At(3, u2, k), shares);
            var g = walk.At(0, grad, k);
            if (walk.Single(0)) g[0] += TensorPrimitives.Sum(shares);
            else TensorPrimitives.Add(g, shares, g);
        }
    }
}

/// <summary>Constant tensors a definition can write, made by deterministic fills that the eager op and the generated
/// constructor both call (so a compiled network's constant holds exactly the eager constant's values).</summary>
public static class ConstantTensors
{
    /// <summary>Fills <paramref name="destination"/> (row-major [rows, cols]) with the lower-triangular matrix of ones:
    /// element (i, j) is 1 where j &lt;= i, else 0.</summary>
    public static void Triangle(Span<float> destination, int rows, int cols)
    {
        if (destination.Length != rows * cols) throw new ArgumentException($"Triangle({rows}, {cols}) fills {rows * cols} floats, not {destination.Length}.", nameof(destination));
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) destination[i * cols + j] = j <= i ? 1f : 0f;
    }
}

internal readonly struct DivKernel : ITernaryKernel
{
    public float Invoke(float a, float b, float c) => a / b;
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c) => a / b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c) => a / b;
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c) => a / b;
}

/// <summary>dy / b: a's share of d(a / b).</summary>
internal readonly struct DivShareOfA : ITernaryKernel
{
    public float Invoke(float dy, float b, float c) => dy / b;
    public Vector128<float> Invoke(Vector128<float> dy, Vector128<float> b, Vector128<float> c) => dy / b;
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> b, Vector256<float> c) => dy / b;
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> b, Vector512<float> c) => dy / b;
}

/// <summary>-(dy (y / b)) with y = a / b: b's share of d(a / b).</summary>
internal readonly struct DivShareOfB : ITernaryKernel
{
    public float Invoke(float dy, float y, float b) => -(dy * (y / b));
    public Vector128<float> Invoke(Vector128<float> dy, Vector128<float> y, Vector128<float> b) => -(dy * (y / b));
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> y, Vector256<float> b) => -(dy * (y / b));
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> y, Vector512<float> b) => -(dy * (y / b));
}

internal readonly struct MaximumKernel : ITernaryKernel
{
    public float Invoke(float a, float b, float c) => SimdMath.Maximum(a, b);
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c) => SimdMath.Maximum(a, b);
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c) => SimdMath.Maximum(a, b);
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c) => SimdMath.Maximum(a, b);
}

/// <summary>dy MaximumGrad(self, other): self's share of d maximum.</summary>
internal readonly struct MaximumShare : ITernaryKernel
{
    public float Invoke(float dy, float self, float other) => dy * SimdMath.MaximumGrad(self, other);
    public Vector128<float> Invoke(Vector128<float> dy, Vector128<float> self, Vector128<float> other) => dy * SimdMath.MaximumGrad(self, other);
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> self, Vector256<float> other) => dy * SimdMath.MaximumGrad(self, other);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> self, Vector512<float> other) => dy * SimdMath.MaximumGrad(self, other);
}

internal readonly struct MinimumKernel : ITernaryKernel
{
    public float Invoke(float a, float b, float c) => SimdMath.Minimum(a, b);
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c) => SimdMath.Minimum(a, b);
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c) => SimdMath.Minimum(a, b);
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c) => SimdMath.Minimum(a, b);
}

/// <summary>dy MinimumGrad(self, other): self's share of d minimum.</summary>
internal readonly struct MinimumShare : ITernaryKernel
{
    public float Invoke(float dy, float self, float other) => dy * SimdMath.MinimumGrad(self, other);
    public Vector128<float> Invoke(Vector128<float> dy, Vector128<float> self, Vector128<float> other) => dy * SimdMath.MinimumGrad(self, other);
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> self, Vector256<float> other) => dy * SimdMath.MinimumGrad(self, other);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> self, Vector512<float> other) => dy * SimdMath.MinimumGrad(self, other);
}

/// <summary>Select(mask, a, b): Where's forward, and with dy and 0 its gradient shares.</summary>
internal readonly struct WhereKernel : ITernaryKernel
{
    public float Invoke(float mask, float a, float b) => SimdMath.Select(mask, a, b);
    public Vector128<float> Invoke(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => SimdMath.Select(mask, a, b);
    public Vector256<float> Invoke(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => SimdMath.Select(mask, a, b);
    public Vector512<float> Invoke(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => SimdMath.Select(mask, a, b);
}
