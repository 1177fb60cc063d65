using System;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>The operations a <see cref="ForwardAttribute"/> or <see cref="LossAttribute"/> method is written with
/// (<c>using static NetCompiler.Ops;</c>). Run directly they execute eagerly and record a tape (the interpreted
/// path); the generator compiles the same calls into specialized code. All shapes are per sample: the batch is
/// implicit, an unbatched operand (a parameter or constant) is broadcast over the batch, and two batched operands
/// must have the same batch. Shape errors throw <see cref="ArgumentException"/> naming the op and the shapes.</summary>
/// <remarks>Each op is a forward/backward pair (the llm.c layout): the forward computes with vectorized kernels
/// (<see cref="TensorPrimitives"/>, <see cref="SimdMath"/>) and records a backward closure that adds (+=) into the
/// gradients of the operands that require one.</remarks>
public static partial class Ops
{
    // ---- linear algebra ------------------------------------------------------------------------------------

    /// <summary>Matrix product over the last two dimensions ([M, K] x [K, N] -> [M, N]); a rank-1 left operand
    /// is a row vector ([K] x [K, N] -> [N]) and a rank-1 right operand a column vector ([M, K] x [K] -> [M]);
    /// two rank-1 operands give their dot product []. Dimensions before the last two are leading (stacked)
    /// matrices: the shorter list of leading dimensions must be a suffix of the longer ([H, T, D] x [D, E] ->
    /// [H, T, E]). Either operand may be batched or unbatched.</summary>
    /// <exception cref="ArgumentException">A rank-0 operand, different inner dimensions, leading dimensions
    /// that do not broadcast, or different batches.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        const string op = "MatMul";
        int ra = a.Shape.Length, rb = b.Shape.Length;
        if (ra == 0 || rb == 0)
            throw new ArgumentException($"{op}: operands need rank 1 or more, got {Shapes.Describe(a)} x {Shapes.Describe(b)}.");
        int m = ra == 1 ? 1 : a.Shape[ra - 2], k = a.Shape[ra - 1];
        int kb = rb == 1 ? b.Shape[0] : b.Shape[rb - 2], n = rb == 1 ? 1 : b.Shape[rb - 1];
        if (k != kb)
            throw new ArgumentException($"{op}: inner dimensions differ ({k} vs {kb}) in {Shapes.Describe(a)} x {Shapes.Describe(b)}.");
        int[] leadA = ra > 2 ? a.Shape[..^2] : Array.Empty<int>(), leadB = rb > 2 ? b.Shape[..^2] : Array.Empty<int>();
        int[] lead;
        if (Shapes.IsSuffix(leadB, leadA)) lead = leadA;
        else if (Shapes.IsSuffix(leadA, leadB)) lead = leadB;
        else throw new ArgumentException($"{op}: leading dimensions {Shapes.Text(leadA)} and {Shapes.Text(leadB)} of {Shapes.Describe(a)} x {Shapes.Describe(b)} do not broadcast (one must be a suffix of the other).");
        int batch = Shapes.Batch(op, a, b);
        int[] shape = [.. lead, .. (ra == 1 ? Array.Empty<int>() : [m]), .. (rb == 1 ? Array.Empty<int>() : [n])];

        int matrices = Shapes.Size(lead), pa = Shapes.Size(leadA), pb = Shapes.Size(leadB);
        int sa = pa * m * k, sb = pb * k * n, sc = matrices * m * n;
        // One unbatched matrix on the right (a weight): every row of every sample of a is one big [rows, K] matrix.
        bool merged = b.Batch == 0 && pb == 1 && batch == a.Batch;
        int samples = Shapes.Samples(batch);

        var result = Tensor.Result(batch, shape, new[] { a, b }, r =>
        {
            ReadOnlySpan<float> av = a.Values, bv = b.Values, dc = r.Gradient;
            Span<float> da = a.RequiresGrad ? a.Gradient : default, db = b.RequiresGrad ? b.Gradient : default;
            if (merged)
            {
                int rows = Shapes.Samples(batch) * pa * m;
                if (a.RequiresGrad) Kernels.MatMulNT(dc, bv, da, rows, k, n);
                if (b.RequiresGrad) Kernels.MatMulTN(av, dc, db, k, n, rows);
                return;
            }
            for (int s = 0; s < samples; s++)
                for (int p = 0; p < matrices; p++)
                {
                    int ao = Shapes.SampleOf(a, s) * sa + p % pa * m * k;
                    int bo = Shapes.SampleOf(b, s) * sb + p % pb * k * n;
                    var dcp = dc.Slice(s * sc + p * m * n, m * n);
                    if (a.RequiresGrad) Kernels.MatMulNT(dcp, bv.Slice(bo, k * n), da.Slice(ao, m * k), m, k, n);
                    if (b.RequiresGrad) Kernels.MatMulTN(av.Slice(ao, m * k), dcp, db.Slice(bo, k * n), k, n, m);
                }
        });

        ReadOnlySpan<float> av = a.Values, bv = b.Values;
        Span<float> c = result.Values;
        if (merged) Kernels.MatMulNN(av, bv, c, samples * pa * m, n, k);
        else
            for (int s = 0; s < samples; s++)
                for (int p = 0; p < matrices; p++)
                    Kernels.MatMulNN(av.Slice(Shapes.SampleOf(a, s) * sa + p % pa * m * k, m * k),
                        bv.Slice(Shapes.SampleOf(b, s) * sb + p % pb * k * n, k * n),
                        c.Slice(s * sc + p * m * n, m * n), m, n, k);
        return result;
    }

    /// <summary>Swaps the last two dimensions ([..., M, N] -> [..., N, M]).</summary>
    /// <exception cref="ArgumentException">The operand has rank below 2.</exception>
    public static Tensor Transpose(Tensor x)
    {
        int rank = x.Shape.Length;
        if (rank < 2) throw new ArgumentException($"Transpose: needs rank 2 or more, got {Shapes.Describe(x)}.");
        int m = x.Shape[rank - 2], n = x.Shape[rank - 1];
        int[] shape = (int[])x.Shape.Clone();
        (shape[rank - 2], shape[rank - 1]) = (n, m);
        int matrices = x.Length / (m * n);
        var result = Tensor.Result(x.Batch, shape, new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int p = 0; p < matrices; p++)
                Kernels.Transpose(dy.Slice(p * m * n, m * n), dx.Slice(p * m * n, m * n), n, m, accumulate: true);
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int p = 0; p < matrices; p++)
            Kernels.Transpose(xv.Slice(p * m * n, m * n), y.Slice(p * m * n, m * n), m, n, accumulate: false);
        return result;
    }

    /// <summary>Fully connected layer: x W^T + b over the last dimension, W of shape [out, in], b of shape [out]
    /// ([..., in] -> [..., out]). The leading dimensions of x are rows that share the weight.</summary>
    /// <exception cref="ArgumentException">W is not rank 2, x does not end in W's input dimension, b is not
    /// [out], or the batches differ.</exception>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        const string op = "Linear";
        if (weight.Shape.Length != 2)
            throw new ArgumentException($"{op}: the weight must be [out, in], got {Shapes.Describe(weight)}.");
        int outputs = weight.Shape[0], inputs = weight.Shape[1];
        if (x.Shape.Length == 0 || x.Shape[^1] != inputs)
            throw new ArgumentException($"{op}: input {Shapes.Describe(x)} must end in {inputs} to match the weight {Shapes.Describe(weight)}.");
        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != outputs))
            throw new ArgumentException($"{op}: the bias must be [{outputs}] to match the weight {Shapes.Describe(weight)}, got {Shapes.Describe(bias)}.");
        int batch = Shapes.Batch(op, x, weight, bias);
        int[] shape = [.. x.Shape[..^1], outputs];
        int rows = x.SampleSize / inputs, samples = Shapes.Samples(batch);
        int sw = outputs * inputs;
        // An unbatched weight and an x with the result's batch: all rows of all samples are one GEMM.
        bool merged = weight.Batch == 0 && x.Batch == batch;
        int groups = merged ? 1 : samples, groupRows = merged ? samples * rows : rows;
        Tensor[] parents = bias is null ? new[] { x, weight } : new[] { x, weight, bias };

        var result = Tensor.Result(batch, shape, parents, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient, xv = x.Values, wv = weight.Values;
            Span<float> dx = x.RequiresGrad ? x.Gradient : default, dw = weight.RequiresGrad ? weight.Gradient : default;
            for (int g = 0; g < groups; g++)
            {
                int xo = merged ? 0 : Shapes.SampleOf(x, g) * rows * inputs, wo = merged ? 0 : Shapes.SampleOf(weight, g) * sw;
                var dyg = dy.Slice(g * groupRows * outputs, groupRows * outputs);
                if (x.RequiresGrad) Kernels.MatMulNN(dyg, wv.Slice(wo, sw), dx.Slice(xo, groupRows * inputs), groupRows, inputs, outputs);
                if (weight.RequiresGrad) Kernels.MatMulTN(dyg, xv.Slice(xo, groupRows * inputs), dw.Slice(wo, sw), outputs, inputs, groupRows);
            }
            if (bias is not null && bias.RequiresGrad)
            {
                Span<float> db = bias.Gradient;
                for (int s = 0; s < samples; s++)
                {
                    var dbs = db.Slice(Shapes.SampleOf(bias, s) * outputs, outputs);
                    for (int i = 0; i < rows; i++) Kernels.AddInto(dbs, dy.Slice((s * rows + i) * outputs, outputs));
                }
            }
        });

        ReadOnlySpan<float> xv = x.Values, wv = weight.Values;
        Span<float> y = result.Values;
        for (int g = 0; g < groups; g++)
        {
            int xo = merged ? 0 : Shapes.SampleOf(x, g) * rows * inputs, wo = merged ? 0 : Shapes.SampleOf(weight, g) * sw;
            Kernels.MatMulNT(xv.Slice(xo, groupRows * inputs), wv.Slice(wo, sw), y.Slice(g * groupRows * outputs, groupRows * outputs), groupRows, outputs, inputs);
        }
        if (bias is not null)
        {
            ReadOnlySpan<float> bv = bias.Values;
            for (int s = 0; s < samples; s++)
            {
                var bs = bv.Slice(Shapes.SampleOf(bias, s) * outputs, outputs);
                for (int i = 0; i < rows; i++) Kernels.AddInto(y.Slice((s * rows + i) * outputs, outputs), bs);
            }
        }
        return result;
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    /// <summary>Sum of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Sum(Tensor x) => Reduce(x, 1f);

    /// <summary>Mean of all elements of each sample (a per-sample scalar []).</summary>
    public static Tensor Mean(Tensor x) => Reduce(x, 1f / x.SampleSize);

    private static Tensor Reduce(Tensor x, float scale)
    {
        int n = x.SampleSize, samples = Shapes.Samples(x.Batch);
        var result = Tensor.Result(x.Batch, Array.Empty<int>(), new[] { x }, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient;
            Span<float> dx = x.Gradient;
            for (int s = 0; s < samples; s++)
            {
                var g = dx.Slice(s * n, n);
                TensorPrimitives.Add(g, dy[s] * scale, g);
            }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> y = result.Values;
        for (int s = 0; s < samples; s++) y[s] = TensorPrimitives.Sum(xv.Slice(s * n, n)) * scale;
        return result;
    }

    // ---- element-wise functions ----------------------------------------------------------------------------

    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new SigmoidGradKernel(), r.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Sigmoid(x.Values, result.Values);
        return result;
    }

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new TanhGradKernel(), r.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Tanh(x.Values, result.Values);
        return result;
    }

    /// <summary>max(0, x); the derivative is taken as 0 at x = 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new StepKernel(), x.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Max(x.Values, 0f, result.Values);
        return result;
    }

    /// <summary>x for x &gt; 0, alpha * x otherwise (the derivative at 0 is taken as alpha).</summary>
    public static Tensor LeakyRelu(Tensor x, float alpha = 0.01f) =>
        Unary(x, new LeakyReluKernel(alpha), new LeakyReluGradKernel(alpha));

    /// <summary>x * sigmoid(beta * x).</summary>
    public static Tensor Swish(Tensor x, float beta = 1f) => Unary(x, new SwishKernel(beta), new SwishGradKernel(beta));

    /// <summary>x * sigmoid(x) (Swish with beta = 1).</summary>
    public static Tensor Silu(Tensor x) => Swish(x, 1f);

    /// <summary>GELU, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).</summary>
    public static Tensor Gelu(Tensor x) => Unary(x, new GeluKernel(), new GeluGradKernel());

    /// <summary>GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    public static Tensor GeluTanh(Tensor x) => Unary(x, new GeluTanhKernel(), new GeluTanhGradKernel());

    /// <summary>Heaviside step: 1 for x &gt; 0, else 0. Forward only: it has no useful gradient, so the
    /// interpreted path treats its derivative as zero everywhere (nothing flows back through it), and the
    /// generator reports a network that would need to differentiate through it.</summary>
    public static Tensor Step(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, backward: null);
        Kernels.Map(new StepKernel(), x.Values, result.Values);
        return result;
    }

    /// <summary>An element-wise function f with derivative f' of the input: y = f(x), dx += dy * f'(x).</summary>
    private static Tensor Unary<TF, TG>(Tensor x, TF f, TG derivative) where TF : struct, IUnaryKernel where TG : struct, IUnaryKernel
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(derivative, x.Values, r.Gradient, x.Gradient));
        Kernels.Map(f, x.Values, result.Values);
        return result;
    }

    /// <summary>Softmax over the last dimension, computed with the row maximum subtracted (so large logits do
    /// not overflow).</summary>
    /// <exception cref="ArgumentException">The operand is a scalar [].</exception>
    public static Tensor Softmax(Tensor x)
    {
        if (x.Shape.Length == 0) throw new ArgumentException($"Softmax: needs rank 1 or more, got {Shapes.Describe(x)}.");
        int c = x.Shape[^1], rows = x.Length / c;
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
        {
            // dx = y * (dy - <dy, y>) per row.
            ReadOnlySpan<float> y = r.Values, dy = r.Gradient;
            Span<float> dx = x.Gradient;
            var t = new float[c];
            for (int i = 0; i < rows; i++)
            {
                var yi = y.Slice(i * c, c);
                var dyi = dy.Slice(i * c, c);
                var dxi = dx.Slice(i * c, c);
                TensorPrimitives.Subtract(dyi, TensorPrimitives.Dot(dyi, yi), t);
                TensorPrimitives.MultiplyAdd(yi, t, dxi, dxi);
            }
        });
        ReadOnlySpan<float> xv = x.Values;
        Span<float> yv = result.Values;
        for (int i = 0; i < rows; i++) SoftmaxRow(xv.Slice(i * c, c), yv.Slice(i * c, c));
        return result;
    }

    /// <summary>y = softmax(x) for one row; returns log(sum(exp(x - max))) + max, the log-sum-exp.</summary>
    private static float SoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        float sum = TensorPrimitives.Sum(y);
        TensorPrimitives.Divide(y, sum, y);
        return max + MathF.Log(sum);
    }

    // ---- losses (per-sample scalars []) --------------------------------------------------------------------

    /// <summary>The smallest value a logarithm in <see cref="BinaryCrossEntropy"/> takes (PyTorch's clamp).</summary>
    internal const float LogClamp = -100f;

    /// <summary>The smallest denominator y (1 - y) in the gradient of <see cref="BinaryCrossEntropy"/>.</summary>
    internal const float BceGradientEpsilon = 1e-12f;

    /// <summary>Binary cross-entropy of probabilities y against targets t, averaged over the sample's elements:
    /// -mean(t log y + (1 - t) log(1 - y)). As in PyTorch, each logarithm is clamped below at -100, so y = 0 or
    /// y = 1 gives a finite loss; the gradient is (y - t) / max(y (1 - y), 1e-12) / n, the exact derivative
    /// wherever the clamp is inactive and finite where it is. (So, as in PyTorch, the gradient through a sigmoid
    /// saturated so far that y (1 - y) &lt; 1e-12, |z| &gt; ~27, vanishes.) y and t have the same per-sample
    /// shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor BinaryCrossEntropy(Tensor y, Tensor target)
    {
        const string op = "BinaryCrossEntropy";
        int batch = LossBatch(op, y, target);
        int n = y.SampleSize, samples = Shapes.Samples(batch);
        // log y and log(1 - y), clamped; kept for the target's gradient.
        var logY = new float[y.Length];
        var log1mY = new float[y.Length];
        TensorPrimitives.Log(y.Values, logY);
        TensorPrimitives.Max(logY, LogClamp, logY);
        TensorPrimitives.Subtract(1f, y.Values, log1mY);
        TensorPrimitives.Log(log1mY, log1mY);
        TensorPrimitives.Max(log1mY, LogClamp, log1mY);

        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { y, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient, yv = y.Values, tv = target.Values;
            var num = new float[n];
            var den = new float[n];
            for (int s = 0; s < samples; s++)
            {
                float scale = dl[s] / n;
                int yo = Shapes.SampleOf(y, s) * n, to = Shapes.SampleOf(target, s) * n;
                var ys = yv.Slice(yo, n);
                if (y.RequiresGrad)
                {
                    // dy = scale * (y - t) / max(y (1 - y), eps)
                    TensorPrimitives.Subtract(ys, tv.Slice(to, n), num);
                    TensorPrimitives.Subtract(1f, ys, den);
                    TensorPrimitives.Multiply(den, ys, den);
                    TensorPrimitives.Max(den, BceGradientEpsilon, den);
                    TensorPrimitives.Divide(num, den, num);
                    var g = y.Gradient.Slice(yo, n);
                    TensorPrimitives.MultiplyAdd(num, scale, g, g);
                }
                if (target.RequiresGrad)
                {
                    // dt = -scale * (log y - log(1 - y))
                    TensorPrimitives.Subtract(logY.AsSpan(yo, n), log1mY.AsSpan(yo, n), num);
                    var g = target.Gradient.Slice(to, n);
                    TensorPrimitives.MultiplyAdd(num, -scale, g, g);
                }
            }
        });

        ReadOnlySpan<float> tv = target.Values;
        Span<float> loss = result.Values;
        var diff = new float[n];
        for (int s = 0; s < samples; s++)
        {
            int yo = Shapes.SampleOf(y, s) * n;
            // t log y + (1 - t) log(1 - y) = t (log y - log(1 - y)) + log(1 - y)
            TensorPrimitives.Subtract(logY.AsSpan(yo, n), log1mY.AsSpan(yo, n), diff);
            float total = TensorPrimitives.Dot(tv.Slice(Shapes.SampleOf(target, s) * n, n), diff) + TensorPrimitives.Sum(log1mY.AsSpan(yo, n));
            loss[s] = -total / n;
        }
        return result;
    }

    /// <summary>Mean squared error over the sample's elements: mean((y - t)^2). y and t have the same per-sample
    /// shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor MeanSquaredError(Tensor y, Tensor target) => SquaredError("MeanSquaredError", y, target, 1f / y.SampleSize);

    /// <summary>The quadratic cost of the seeds: 0.5 * sum((y - t)^2) over the sample's elements. y and t have
    /// the same per-sample shape; t gets a gradient too if it requires one.</summary>
    /// <exception cref="ArgumentException">The shapes or batches differ.</exception>
    public static Tensor QuadraticCost(Tensor y, Tensor target) => SquaredError("QuadraticCost", y, target, 0.5f);

    /// <summary>scale * sum((y - t)^2) per sample; d/dy = 2 scale (y - t), d/dt = -2 scale (y - t).</summary>
    private static Tensor SquaredError(string op, Tensor y, Tensor target, float scale)
    {
        int batch = LossBatch(op, y, target);
        int n = y.SampleSize, samples = Shapes.Samples(batch);
        var diff = new float[samples * n];
        ReadOnlySpan<float> yv = y.Values, tv = target.Values;
        for (int s = 0; s < samples; s++)
            TensorPrimitives.Subtract(yv.Slice(Shapes.SampleOf(y, s) * n, n), tv.Slice(Shapes.SampleOf(target, s) * n, n), diff.AsSpan(s * n, n));

        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { y, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient;
            for (int s = 0; s < samples; s++)
            {
                float g = 2f * scale * dl[s];
                var d = diff.AsSpan(s * n, n);
                if (y.RequiresGrad)
                {
                    var gy = y.Gradient.Slice(Shapes.SampleOf(y, s) * n, n);
                    TensorPrimitives.MultiplyAdd(d, g, gy, gy);
                }
                if (target.RequiresGrad)
                {
                    var gt = target.Gradient.Slice(Shapes.SampleOf(target, s) * n, n);
                    TensorPrimitives.MultiplyAdd(d, -g, gt, gt);
                }
            }
        });
        Span<float> loss = result.Values;
        for (int s = 0; s < samples; s++) loss[s] = scale * TensorPrimitives.SumOfSquares(diff.AsSpan(s * n, n));
        return result;
    }

    /// <summary>Softmax cross-entropy from logits [..., C], averaged over the leading rows (every row of the
    /// sample counts once; a rank-1 logits tensor is one row), computed with log-sum-exp. The target is either
    /// probabilities of the logits' shape (row loss -sum_j t_j log softmax(z)_j, differentiable in t too), or
    /// class indices stored as floats in a tensor of the logits' shape with the last dimension 1 (row loss
    /// -log softmax(z)_c). When C is 1 the two readings coincide in shape and the target is taken as
    /// probabilities.</summary>
    /// <exception cref="ArgumentException">The target's shape fits neither form, a class index is not an integer
    /// in [0, C), or the batches differ.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor target)
    {
        const string op = "CrossEntropy";
        if (logits.Shape.Length == 0) throw new ArgumentException($"{op}: logits need rank 1 or more ([..., C]), got {Shapes.Describe(logits)}.");
        int c = logits.Shape[^1];
        bool probabilities = logits.Shape.AsSpan().SequenceEqual(target.Shape);
        bool indices = !probabilities && target.Shape.Length == logits.Shape.Length && target.Shape[^1] == 1
            && target.Shape.AsSpan(0, target.Shape.Length - 1).SequenceEqual(logits.Shape.AsSpan(0, logits.Shape.Length - 1));
        if (!probabilities && !indices)
            throw new ArgumentException($"{op}: target {Shapes.Describe(target)} must have the logits' shape {Shapes.Describe(logits)} (probabilities) or the same shape with the last dimension 1 (class indices).");
        int batch = Shapes.Batch(op, logits, target);
        int rows = logits.SampleSize / c, samples = Shapes.Samples(batch), n = logits.SampleSize;
        int tn = target.SampleSize;
        ReadOnlySpan<float> zv = logits.Values, tv = target.Values;

        // Class indices, validated up front.
        int[]? classes = null;
        if (indices)
        {
            classes = new int[samples * rows];
            for (int s = 0; s < samples; s++)
                for (int i = 0; i < rows; i++)
                {
                    float t = tv[Shapes.SampleOf(target, s) * tn + i];
                    if (!(t >= 0f && t < c && t == MathF.Floor(t)))
                        throw new ArgumentException($"{op}: class index {t} (sample {s}, row {i}) is not an integer in [0, {c}).");
                    classes[s * rows + i] = (int)t;
                }
        }

        // Forward: per row the softmax (kept for backward) and log-sum-exp.
        var probs = new float[samples * n];
        var lse = new float[samples * rows];
        var result = Tensor.Result(batch, Array.Empty<int>(), new[] { logits, target }, r =>
        {
            ReadOnlySpan<float> dl = r.Gradient, z = logits.Values, t = target.Values;
            var tmp = new float[c];
            for (int s = 0; s < samples; s++)
            {
                float g = dl[s] / rows;
                int zo = Shapes.SampleOf(logits, s) * n, to = Shapes.SampleOf(target, s) * tn;
                for (int i = 0; i < rows; i++)
                {
                    var p = probs.AsSpan(s * n + i * c, c);
                    if (logits.RequiresGrad)
                    {
                        var dz = logits.Gradient.Slice(zo + i * c, c);
                        if (classes is not null)
                        {
                            // dz = g (p - onehot(c))
                            TensorPrimitives.MultiplyAdd(p, g, dz, dz);
                            dz[classes[s * rows + i]] -= g;
                        }
                        else
                        {
                            // dz = g (p sum(t) - t)
                            var ti = t.Slice(to + i * c, c);
                            TensorPrimitives.MultiplyAdd(p, g * TensorPrimitives.Sum(ti), dz, dz);
                            TensorPrimitives.MultiplyAdd(ti, -g, dz, dz);
                        }
                    }
                    if (classes is null && target.RequiresGrad)
                    {
                        // dt = -g log softmax(z) = g (lse - z)
                        var dt = target.Gradient.Slice(to + i * c, c);
                        TensorPrimitives.Subtract(lse[s * rows + i], z.Slice(zo + i * c, c), tmp);
                        TensorPrimitives.MultiplyAdd(tmp, g, dt, dt);
                    }
                }
            }
        });

        Span<float> loss = result.Values;
        for (int s = 0; s < samples; s++)
        {
            int zo = Shapes.SampleOf(logits, s) * n, to = Shapes.SampleOf(target, s) * tn;
            double total = 0;
            for (int i = 0; i < rows; i++)
            {
                var zi = zv.Slice(zo + i * c, c);
                float l = SoftmaxRow(zi, probs.AsSpan(s * n + i * c, c));
                lse[s * rows + i] = l;
                if (classes is not null) total += l - zi[classes[s * rows + i]];
                else
                {
                    // -sum t (z - lse) = lse sum(t) - <t, z>
                    var ti = tv.Slice(to + i * c, c);
                    total += l * TensorPrimitives.Sum(ti) - TensorPrimitives.Dot(ti, zi);
                }
            }
            loss[s] = (float)(total / rows);
        }
        return result;
    }

    /// <summary>The batch of an element-wise loss whose operands must have the same per-sample shape.</summary>
    private static int LossBatch(string op, Tensor y, Tensor target)
    {
        if (!y.Shape.AsSpan().SequenceEqual(target.Shape))
            throw new ArgumentException($"{op}: output {Shapes.Describe(y)} and target {Shapes.Describe(target)} must have the same per-sample shape.");
        return Shapes.Batch(op, y, target);
    }
}
