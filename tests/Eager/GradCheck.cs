using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Eager;

/// <summary>A float64 tensor for the independent references: per-sample <see cref="Shape"/>, <see cref="Batch"/>
/// (0 = unbatched, broadcast), data sample after sample.</summary>
internal sealed class DT
{
    public DT(int batch, int[] shape, double[]? data = null)
    {
        Batch = batch; Shape = shape;
        N = 1; foreach (int d in shape) N *= d;
        Data = data ?? new double[Samples * N];
        if (Data.Length != Samples * N) throw new ArgumentException("bad reference data length");
    }

    public int Batch { get; }
    public int[] Shape { get; }
    public int N { get; }
    public double[] Data { get; }
    public int Samples => Math.Max(Batch, 1);

    /// <summary>Element <paramref name="i"/> of the sample that result sample <paramref name="s"/> reads.</summary>
    public double At(int s, int i) => Data[(Batch > 0 ? s : 0) * N + i];
    public ref double Ref(int s, int i) => ref Data[(Batch > 0 ? s : 0) * N + i];
}

/// <summary>One operand of a checked op.</summary>
/// <param name="Batch">0 for unbatched.</param>
/// <param name="Shape">Per-sample shape.</param>
/// <param name="Grad">Whether the check differentiates with respect to it (a batched operand becomes an
/// intermediate of the tape, an unbatched one a parameter of a <see cref="ParameterStore"/>).</param>
/// <param name="Gen">Value generator (default uniform in [-2, 2]).</param>
internal sealed record In(int Batch, int[] Shape, bool Grad = true, Func<Random, double>? Gen = null);

/// <summary>Gradient checking: an eager op against an independent float64 reference of its forward, with
/// central finite differences of a random weighted sum of the outputs.</summary>
internal static class GradCheck
{
    public const double H = 1e-5;
    public const double ForwardTolerance = 1e-5;
    public const double GradAbsTolerance = 1e-4;
    public const double GradRelTolerance = 1e-3;

    public static Func<Random, double> Uniform(double lo, double hi) => r => lo + (hi - lo) * r.NextDouble();

    /// <summary>Uniform in ±[lo, hi]: keeps inputs away from kinks at 0.</summary>
    public static Func<Random, double> AwayFromZero(double lo, double hi) => r => (r.Next(2) == 0 ? -1 : 1) * (lo + (hi - lo) * r.NextDouble());

    public static In B(int batch, params int[] shape) => new(batch, shape);
    public static In P(params int[] shape) => new(0, shape);

    /// <summary>Makes the operand tensors (values rounded to float, the references get the same values).</summary>
    public sealed class Operands
    {
        public readonly Tensor[] Tensors;
        public readonly DT[] References;
        private readonly Func<Tensor>?[] _gradient;

        public Operands(In[] inputs, int seed)
        {
            var rnd = new Random(seed);
            Tensors = new Tensor[inputs.Length];
            References = new DT[inputs.Length];
            _gradient = new Func<Tensor>?[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
            {
                var spec = inputs[k];
                var dt = new DT(spec.Batch, spec.Shape);
                var gen = spec.Gen ?? Uniform(-2, 2);
                var f = new float[dt.Data.Length];
                for (int i = 0; i < f.Length; i++) { f[i] = (float)gen(rnd); dt.Data[i] = f[i]; }
                References[k] = dt;
                if (!spec.Grad)
                    Tensors[k] = spec.Batch > 0 ? Tensor.FromBatch(f, spec.Batch, spec.Shape) : Tensor.Constant(f, spec.Shape);
                else if (spec.Batch == 0)
                {
                    var store = new ParameterStore(new[] { new ParameterInfo("p", 0, spec.Shape) });
                    f.CopyTo(store.Values, 0);
                    Tensors[k] = store["p"];
                    var t = Tensors[k];
                    _gradient[k] = () => t;
                }
                else
                {
                    // A batched tensor on the tape: constant + a zero parameter, so its Gradient is filled by Backward.
                    var zero = new ParameterStore(new[] { new ParameterInfo("zero", 0, Array.Empty<int>()) });
                    var leaf = Tensor.FromBatch(f, spec.Batch, spec.Shape) + zero["zero"];
                    Tensors[k] = leaf;
                    _gradient[k] = () => leaf;
                }
            }
        }

        public bool HasGradient(int k) => _gradient[k] is not null;
        public float[] Gradient(int k) => _gradient[k]!().Gradient.ToArray();
    }

    /// <summary>Checks the forward of <paramref name="op"/> against <paramref name="reference"/>, then every
    /// gradient of the operands marked <see cref="In.Grad"/> against central differences of the reference.</summary>
    public static void Check(string name, In[] inputs, Func<Tensor[], Tensor> op, Func<DT[], DT> reference, int seed = 1)
    {
        var ops = new Operands(inputs, seed);
        var output = op(ops.Tensors);
        var expected = reference(ops.References);
        Assert.True(expected.Shape.SequenceEqual(output.Shape), $"{name}: shape [{string.Join(", ", output.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        Assert.True(expected.Batch == output.Batch, $"{name}: batch {output.Batch}, expected {expected.Batch}");
        var values = output.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            double e = expected.Data[i];
            Assert.True(Math.Abs(values[i] - e) <= ForwardTolerance * Math.Max(1, Math.Abs(e)),
                $"{name}: forward element {i} is {values[i]:R}, reference {e:R}");
        }

        bool anyGrad = inputs.Any(i => i.Grad);
        if (!anyGrad) return;

        // Objective: mean over the batch of sum(w * output), with w random and fixed.
        var rnd = new Random(seed + 1000);
        var w = new float[values.Length];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rnd.NextDouble() * 2 - 1);
        var wt = output.Batch > 0 ? Tensor.FromBatch(w, output.Batch, output.Shape) : Tensor.Constant(w, output.Shape);
        var objective = Ops.Sum(output * wt);
        objective.Backward();

        double Objective()
        {
            var y = reference(ops.References);
            double sum = 0;
            for (int i = 0; i < w.Length; i++) sum += w[i] * y.Data[i];
            return sum / y.Samples;
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            if (!ops.HasGradient(k)) continue;
            var g = ops.Gradient(k);
            var data = ops.References[k].Data;
            Assert.Equal(data.Length, g.Length);
            for (int i = 0; i < data.Length; i++)
            {
                double x0 = data[i];
                data[i] = x0 + H; double up = Objective();
                data[i] = x0 - H; double down = Objective();
                data[i] = x0;
                double fd = (up - down) / (2 * H);
                Assert.True(Math.Abs(g[i] - fd) <= GradAbsTolerance + GradRelTolerance * Math.Abs(fd),
                    $"{name}: d/d(operand {k})[{i}] is {g[i]:R}, finite difference {fd:R}");
            }
        }
    }

    // ---- float64 references ----------------------------------------------------------------------------------

    public static int Size(int[] shape) { int n = 1; foreach (int d in shape) n *= d; return n; }

    public static int BatchOf(params DT[] xs)
    {
        int b = 0;
        foreach (var x in xs) b = Math.Max(b, x.Batch);
        return b;
    }

    public static DT Map(DT x, Func<double, double> f)
    {
        var y = new DT(x.Batch, x.Shape);
        for (int i = 0; i < y.Data.Length; i++) y.Data[i] = f(x.Data[i]);
        return y;
    }

    /// <summary>Element-wise with NumPy broadcasting, element by element through <see cref="BroadcastIndex"/> (not the
    /// runtime's walk).</summary>
    public static DT Zip(DT a, DT b, Func<double, double, double> f)
    {
        var shape = BroadcastShape(a.Shape, b.Shape);
        var y = new DT(BatchOf(a, b), shape);
        for (int s = 0; s < y.Samples; s++)
            for (int i = 0; i < y.N; i++)
                y.Ref(s, i) = f(a.At(s, BroadcastIndex(shape, a.Shape, i)), b.At(s, BroadcastIndex(shape, b.Shape, i)));
        return y;
    }

    /// <summary>NumPy's broadcast of per-sample shapes: aligned at the last dimension, the largest of each aligned set.</summary>
    public static int[] BroadcastShape(params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        return Enumerable.Range(0, rank).Select(k => shapes.Max(s => k < rank - s.Length ? 1 : s[k - (rank - s.Length)])).ToArray();
    }

    /// <summary>The element of an operand of <paramref name="shape"/> that element <paramref name="i"/> of a broadcast result
    /// of <paramref name="result"/> reads: the result's coordinates, aligned at the last dimension, with 0 wherever the
    /// operand has 1.</summary>
    public static int BroadcastIndex(int[] result, int[] shape, int i)
    {
        int index = 0, stride = 1;
        for (int k = 1; k <= shape.Length; k++)
        {
            int coordinate = i % result[^k];
            i /= result[^k];
            if (shape[^k] != 1) index += coordinate * stride;
            stride *= shape[^k];
        }
        return index;
    }

    public static DT PerSample(DT x, Func<double[], double> f)
    {
        var y = new DT(x.Batch, Array.Empty<int>());
        for (int s = 0; s < x.Samples; s++) y.Data[s] = f(x.Data.AsSpan(s * x.N, x.N).ToArray());
        return y;
    }

    public static DT MatMul(DT a, DT b)
    {
        int ra = a.Shape.Length, rb = b.Shape.Length;
        int m = ra == 1 ? 1 : a.Shape[ra - 2], k = a.Shape[ra - 1], n = rb == 1 ? 1 : b.Shape[rb - 1];
        var leadA = ra > 2 ? a.Shape[..^2] : Array.Empty<int>();
        var leadB = rb > 2 ? b.Shape[..^2] : Array.Empty<int>();
        var lead = leadA.Length >= leadB.Length ? leadA : leadB;
        var shape = lead.Concat(ra == 1 ? Array.Empty<int>() : new[] { m }).Concat(rb == 1 ? Array.Empty<int>() : new[] { n }).ToArray();
        var y = new DT(BatchOf(a, b), shape);
        int matrices = Size(lead), pa = Size(leadA), pb = Size(leadB);
        for (int s = 0; s < y.Samples; s++)
            for (int p = 0; p < matrices; p++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double sum = 0;
                        for (int q = 0; q < k; q++)
                            sum += a.At(s, (p % pa) * m * k + i * k + q) * b.At(s, (p % pb) * k * n + q * n + j);
                        y.Ref(s, p * m * n + i * n + j) = sum;
                    }
        return y;
    }

    public static DT Transpose(DT x)
    {
        int r = x.Shape.Length, m = x.Shape[r - 2], n = x.Shape[r - 1];
        var shape = (int[])x.Shape.Clone();
        shape[r - 2] = n; shape[r - 1] = m;
        var y = new DT(x.Batch, shape);
        for (int s = 0; s < x.Samples; s++)
            for (int p = 0; p < x.N / (m * n); p++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        y.Ref(s, p * m * n + j * m + i) = x.At(s, p * m * n + i * n + j);
        return y;
    }

    public static DT Linear(DT x, DT w, DT? b)
    {
        int outputs = w.Shape[0], inputs = w.Shape[1], rows = x.N / inputs;
        var shape = x.Shape[..^1].Append(outputs).ToArray();
        var y = new DT(b is null ? BatchOf(x, w) : BatchOf(x, w, b), shape);
        for (int s = 0; s < y.Samples; s++)
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < outputs; o++)
                {
                    double sum = b is null ? 0 : b.At(s, o);
                    for (int i = 0; i < inputs; i++) sum += x.At(s, r * inputs + i) * w.At(s, o * inputs + i);
                    y.Ref(s, r * outputs + o) = sum;
                }
        return y;
    }

    /// <summary>A float64 reference along one axis: every line (outer o, inner i) of every sample goes through
    /// <paramref name="f"/>; when f returns one value (a reduction) the axis is dropped, or kept as 1.</summary>
    public static DT AlongAxis(DT x, int axis, Func<double[], double[]> f, bool keepDim = false)
    {
        int rank = x.Shape.Length, a = axis < 0 ? axis + rank : axis;
        int outer = 1, inner = 1, len = x.Shape[a];
        for (int k = 0; k < a; k++) outer *= x.Shape[k];
        for (int k = a + 1; k < rank; k++) inner *= x.Shape[k];
        int outLen = f(new double[len]).Length;
        var shape = outLen == len ? x.Shape
            : keepDim ? x.Shape.Select((d, k) => k == a ? 1 : d).ToArray() : x.Shape.Where((_, k) => k != a).ToArray();
        var y = new DT(x.Batch, shape);
        var line = new double[len];
        for (int s = 0; s < x.Samples; s++)
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    for (int k = 0; k < len; k++) line[k] = x.Data[s * x.N + (o * len + k) * inner + i];
                    var result = f(line);
                    for (int k = 0; k < outLen; k++) y.Data[s * y.N + (o * outLen + k) * inner + i] = result[k];
                }
        return y;
    }

    public static DT Softmax(DT x)
    {
        int c = x.Shape[^1];
        var y = new DT(x.Batch, x.Shape);
        for (int row = 0; row < x.Data.Length / c; row++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, x.Data[row * c + j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.Exp(x.Data[row * c + j] - max);
            for (int j = 0; j < c; j++) y.Data[row * c + j] = Math.Exp(x.Data[row * c + j] - max) / sum;
        }
        return y;
    }

    /// <summary>A per-sample loss of two same-shaped operands: f sums over elements, then scale.</summary>
    public static DT ElementLoss(DT y, DT t, Func<double, double, double> f, Func<int, double> scale)
    {
        var l = new DT(BatchOf(y, t), Array.Empty<int>());
        for (int s = 0; s < l.Samples; s++)
        {
            double sum = 0;
            for (int i = 0; i < y.N; i++) sum += f(y.At(s, i), t.At(s, i));
            l.Data[s] = sum * scale(y.N);
        }
        return l;
    }

    /// <summary>Softmax cross-entropy, mean over rows; indices when the target's last dimension is 1 and C is not.</summary>
    public static DT CrossEntropy(DT z, DT t)
    {
        int c = z.Shape[^1], rows = z.N / c;
        bool indices = t.Shape[^1] == 1 && c != 1;
        var l = new DT(BatchOf(z, t), Array.Empty<int>());
        for (int s = 0; s < l.Samples; s++)
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < c; j++) max = Math.Max(max, z.At(s, r * c + j));
                double sum = 0;
                for (int j = 0; j < c; j++) sum += Math.Exp(z.At(s, r * c + j) - max);
                double lse = max + Math.Log(sum);
                if (indices) total += lse - z.At(s, r * c + (int)t.At(s, r));
                else for (int j = 0; j < c; j++) total -= t.At(s, r * c + j) * (z.At(s, r * c + j) - lse);
            }
            l.Data[s] = total / rows;
        }
        return l;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>erf by its Maclaurin series (accurate to ~1e-12 for |x| &lt;= 3, the range the tests use).</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 3) throw new ArgumentOutOfRangeException(nameof(x));
        double term = x, sum = x;
        for (int n = 1; n < 120; n++)
        {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-18) break;
        }
        return sum * 2 / Math.Sqrt(Math.PI);
    }
}
