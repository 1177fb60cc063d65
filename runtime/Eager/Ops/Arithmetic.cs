using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Element-wise binary ops with broadcasting (behind the Tensor operators), scalar division and negation.
public static partial class Ops
{
    internal enum BinaryKind { Add, Subtract, Multiply }

    /// <summary>How a broadcast binary op walks its output: in runs of <see cref="Run"/> elements in which each
    /// operand is either contiguous (a vector) or a single repeated value (a scalar). Output element k of sample
    /// s = k / N reads operand element (batched ? s * size : 0) + (k mod N) mod size, because a broadcast operand
    /// is a suffix of the output's per-sample shape.</summary>
    private readonly struct BinaryPlan
    {
        public readonly int N, Length, Run;
        public readonly Operand A, B;

        public BinaryPlan(int batch, int sampleSize, Tensor a, Tensor b)
        {
            N = sampleSize;
            Length = Shapes.Samples(batch) * sampleSize;
            A = new Operand(a, batch, N, Length);
            B = new Operand(b, batch, N, Length);
            Run = Math.Min(A.Contiguous, B.Contiguous);
        }

        public readonly struct Operand
        {
            public readonly int Size;
            public readonly bool Batched, Scalar;
            public readonly int Contiguous;

            public Operand(Tensor t, int batch, int n, int length)
            {
                Size = t.SampleSize;
                Batched = t.Batch > 0;
                bool full = Size == n && (Batched || batch == 0);
                Scalar = !full && Size == 1;
                Contiguous = full ? length : Scalar ? (Batched ? n : length) : Size;
            }
        }

        public int Offset(in Operand o, int k) => (o.Batched ? k / N * o.Size : 0) + k % N % o.Size;
    }

    /// <summary>a + b, a - b or a * b with broadcasting (see <see cref="Shapes.Broadcast"/>); gradients of a
    /// broadcast operand are summed back over the elements and samples it was repeated to.</summary>
    internal static Tensor Binary(BinaryKind kind, Tensor a, Tensor b)
    {
        string name = kind.ToString();
        int batch = Shapes.Batch(name, a, b);
        int[] shape = Shapes.Broadcast(name, a, b);
        var result = Tensor.Result(batch, shape, new[] { a, b }, r => BinaryBackward(kind, a, b, r));
        var plan = new BinaryPlan(batch, result.SampleSize, a, b);
        ReadOnlySpan<float> av = a.Values, bv = b.Values;
        Span<float> y = result.Values;
        for (int k = 0; k < plan.Length; k += plan.Run)
        {
            var d = y.Slice(k, plan.Run);
            int ao = plan.Offset(plan.A, k), bo = plan.Offset(plan.B, k);
            if (plan.A.Scalar)
            {
                var bs = bv.Slice(bo, plan.Run);
                switch (kind)
                {
                    case BinaryKind.Add: TensorPrimitives.Add(bs, av[ao], d); break;
                    case BinaryKind.Subtract: TensorPrimitives.Subtract(av[ao], bs, d); break;
                    default: TensorPrimitives.Multiply(bs, av[ao], d); break;
                }
            }
            else if (plan.B.Scalar)
            {
                var @as = av.Slice(ao, plan.Run);
                switch (kind)
                {
                    case BinaryKind.Add: TensorPrimitives.Add(@as, bv[bo], d); break;
                    case BinaryKind.Subtract: TensorPrimitives.Subtract(@as, bv[bo], d); break;
                    default: TensorPrimitives.Multiply(@as, bv[bo], d); break;
                }
            }
            else
            {
                var @as = av.Slice(ao, plan.Run);
                var bs = bv.Slice(bo, plan.Run);
                switch (kind)
                {
                    case BinaryKind.Add: TensorPrimitives.Add(@as, bs, d); break;
                    case BinaryKind.Subtract: TensorPrimitives.Subtract(@as, bs, d); break;
                    default: TensorPrimitives.Multiply(@as, bs, d); break;
                }
            }
        }
        return result;
    }

    private static void BinaryBackward(BinaryKind kind, Tensor a, Tensor b, Tensor r)
    {
        var plan = new BinaryPlan(r.Batch, r.SampleSize, a, b);
        ReadOnlySpan<float> dy = r.Gradient;
        if (a.RequiresGrad) Accumulate(kind, plan, plan.A, a.Gradient, plan.B, b.Values, dy, first: true);
        if (b.RequiresGrad) Accumulate(kind, plan, plan.B, b.Gradient, plan.A, a.Values, dy, first: false);
    }

    /// <summary>Adds one operand's share of dy into its gradient, run by run: for + and - that share is ±dy, for *
    /// it is dy times the other operand. A scalar-mode operand receives the sum over the run.</summary>
    private static void Accumulate(BinaryKind kind, in BinaryPlan plan, in BinaryPlan.Operand self, Span<float> grad,
        in BinaryPlan.Operand other, ReadOnlySpan<float> otherValues, ReadOnlySpan<float> dy, bool first)
    {
        float sign = kind == BinaryKind.Subtract && !first ? -1f : 1f;
        for (int k = 0; k < plan.Length; k += plan.Run)
        {
            var d = dy.Slice(k, plan.Run);
            int so = plan.Offset(self, k), oo = plan.Offset(other, k);
            if (kind != BinaryKind.Multiply)
            {
                if (self.Scalar) grad[so] += sign * TensorPrimitives.Sum(d);
                else
                {
                    var g = grad.Slice(so, plan.Run);
                    if (sign > 0) TensorPrimitives.Add(g, d, g);
                    else TensorPrimitives.Subtract(g, d, g);
                }
            }
            else if (self.Scalar) grad[so] += TensorPrimitives.Dot(d, otherValues.Slice(oo, plan.Run));
            else
            {
                var g = grad.Slice(so, plan.Run);
                if (other.Scalar) TensorPrimitives.MultiplyAdd(d, otherValues[oo], g, g);
                else TensorPrimitives.MultiplyAdd(d, otherValues.Slice(oo, plan.Run), g, g);
            }
        }
    }

    /// <summary>-x.</summary>
    internal static Tensor Negate(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
        {
            var g = x.Gradient;
            TensorPrimitives.Subtract(g, r.Gradient, g);
        });
        TensorPrimitives.Negate(x.Values, result.Values);
        return result;
    }

    /// <summary>x / c for a constant c, computed as generated code computes it: x times 1 / c, the reciprocal
    /// taken in double and rounded once to float.</summary>
    internal static Tensor Divide(Tensor x, float c)
    {
        float reciprocal = (float)(1.0 / c);
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
        {
            var g = x.Gradient;
            TensorPrimitives.MultiplyAdd(r.Gradient, reciprocal, g, g);
        });
        TensorPrimitives.Multiply(x.Values, reciprocal, result.Values);
        return result;
    }
}
