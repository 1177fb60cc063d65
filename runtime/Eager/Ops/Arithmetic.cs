using System;
using System.Numerics.Tensors;

namespace NetCompiler;

// Element-wise binary ops with broadcasting (behind the Tensor operators, walked by BroadcastWalk), scalar division and
// negation.
public static partial class Ops
{
    internal enum BinaryKind { Add, Subtract, Multiply }

    /// <summary>a + b, a - b or a * b with broadcasting (see <see cref="Shapes.Broadcast"/>); gradients of a
    /// broadcast operand are summed back over the elements and samples it was repeated to.</summary>
    internal static Tensor Binary(BinaryKind kind, Tensor a, Tensor b)
    {
        string name = kind.ToString();
        int batch = Shapes.Batch(name, a, b);
        int[] shape = Shapes.Broadcast(name, a, b);
        var result = Tensor.Result(batch, shape, new[] { a, b }, r => BinaryBackward(kind, a, b, r));
        var walk = new BroadcastWalk(batch, shape, a, b);
        ReadOnlySpan<float> av = a.Values, bv = b.Values;
        Span<float> y = result.Values;
        for (int k = 0; k < walk.Count; k++)
        {
            var d = y.Slice(k * walk.Run, walk.Run);
            ReadOnlySpan<float> @as = walk.At(0, av, k), bs = walk.At(1, bv, k);
            if (walk.Single(0))
            {
                switch (kind)
                {
                    case BinaryKind.Add: TensorPrimitives.Add(bs, @as[0], d); break;
                    case BinaryKind.Subtract: TensorPrimitives.Subtract(@as[0], bs, d); break;
                    default: TensorPrimitives.Multiply(bs, @as[0], d); break;
                }
            }
            else if (walk.Single(1))
            {
                switch (kind)
                {
                    case BinaryKind.Add: TensorPrimitives.Add(@as, bs[0], d); break;
                    case BinaryKind.Subtract: TensorPrimitives.Subtract(@as, bs[0], d); break;
                    default: TensorPrimitives.Multiply(@as, bs[0], d); break;
                }
            }
            else
            {
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
        var walk = new BroadcastWalk(r.Batch, r.Shape, a, b);
        ReadOnlySpan<float> dy = r.Gradient;
        if (a.RequiresGrad) Accumulate(kind, walk, 0, a.Gradient, b.Values, dy, first: true);
        if (b.RequiresGrad) Accumulate(kind, walk, 1, b.Gradient, a.Values, dy, first: false);
    }

    /// <summary>Adds one operand's share of dy into its gradient, run by run: for + and - that share is ±dy, for *
    /// it is dy times the other operand. An operand that is one value along the run receives the run's sum.</summary>
    private static void Accumulate(BinaryKind kind, BroadcastWalk walk, int self, Span<float> grad, ReadOnlySpan<float> otherValues,
        ReadOnlySpan<float> dy, bool first)
    {
        int other = 1 - self;
        float sign = kind == BinaryKind.Subtract && !first ? -1f : 1f;
        for (int k = 0; k < walk.Count; k++)
        {
            var d = dy.Slice(k * walk.Run, walk.Run);
            var g = walk.At(self, grad, k);
            if (kind != BinaryKind.Multiply)
            {
                if (walk.Single(self)) g[0] += sign * TensorPrimitives.Sum(d);
                else if (sign > 0) TensorPrimitives.Add(g, d, g);
                else TensorPrimitives.Subtract(g, d, g);
                continue;
            }
            var o = walk.At(other, otherValues, k);
            if (walk.Single(self)) g[0] += TensorPrimitives.Dot(d, o);   // o is a run too, unless the run is one element
            else if (walk.Single(other)) TensorPrimitives.MultiplyAdd(d, o[0], g, g);
            else TensorPrimitives.MultiplyAdd(d, o, g, g);
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
