using System;

namespace NetCompiler;

// Batch normalization over the batch (and every dimension after the channel): training and inference forms.
public static partial class Ops
{
    /// <summary>Batch normalization of channel axis 0 of each sample (PyTorch's <c>F.batch_norm</c>; per-sample shape
    /// [C] is <c>BatchNorm1d</c> on [N, C], [C, H, W] is <c>BatchNorm2d</c>). In training mode (inside
    /// <see cref="Interpreter.ComputeGradients"/>) every channel is normalized with the mean and biased variance of its
    /// n = batch * (elements per channel) values, and the running statistics move towards them: <c>running_mean =
    /// (1 - momentum) running_mean + momentum mean</c>, <c>running_var</c> likewise with the unbiased variance
    /// (times n / (n - 1)). Otherwise the running statistics normalize. y = (x - mean) rstd weight + bias, rstd = 1 /
    /// sqrt(var + epsilon). Statistics are summed in double, channel by channel, sample by sample, as the compiled code
    /// sums them. Backward (training form): dx = weight rstd (dy - mean(dy) - xhat mean(dy xhat)) over the channel's
    /// values; dweight += sum(dy xhat), dbias += sum(dy).</summary>
    /// <exception cref="ArgumentException">x is a scalar, a parameter or statistic is not [C], momentum is not in [0, 1],
    /// epsilon is negative or not finite, or training has a single value per channel.</exception>
    public static Tensor BatchNormalize(Tensor x, Tensor weight, Tensor? bias, Tensor runningMean, Tensor runningVar,
        float momentum = 0.1f, float epsilon = 1e-5f)
    {
        const string op = "BatchNormalize";
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        if (x.Shape.Length == 0) throw new ArgumentException($"{op}: needs per-sample shape [C] or [C, ...], got {Shapes.Describe(x)}.");
        int channels = x.Shape[0], inner = x.SampleSize / channels;
        foreach (var (t, what) in new[] { (weight, "weight"), (bias, "bias"), (runningMean, "running mean"), (runningVar, "running variance") })
            if (t is not null && (t.Shape.Length != 1 || t.Shape[0] != channels || t.Batch != 0))
                throw new ArgumentException($"{op}: the {what} must be unbatched [{channels}] to match {Shapes.Describe(x)}, got {Shapes.Describe(t)}.");
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentException($"{op}: momentum must be in [0, 1], got {momentum}.");
        if (!(epsilon >= 0f) || float.IsInfinity(epsilon)) throw new ArgumentException($"{op}: epsilon must be finite and not negative, got {epsilon}.");
        bool training = TrainingScope.Current is not null;
        int batch = Shapes.Samples(x.Batch), n = batch * inner, size = x.SampleSize;
        if (training && n == 1)
            throw new ArgumentException($"{op}: training needs more than one value per channel; {Shapes.Describe(x)} has one (PyTorch refuses it too).");

        var mean = new float[channels];
        var rstd = new float[channels];
        ReadOnlySpan<float> xv = x.Values;
        for (int c = 0; c < channels; c++)
        {
            if (!training)
            {
                mean[c] = runningMean.Values[c];
                rstd[c] = 1f / MathF.Sqrt(runningVar.Values[c] + epsilon);
                continue;
            }
            double sum = 0, squares = 0;
            for (int s = 0; s < batch; s++)
                foreach (float v in xv.Slice(s * size + c * inner, inner)) sum += v;
            double m = sum / n;
            for (int s = 0; s < batch; s++)
                foreach (float v in xv.Slice(s * size + c * inner, inner)) squares += (v - m) * (v - m);
            double variance = squares / n;
            mean[c] = (float)m;
            rstd[c] = (float)(1.0 / Math.Sqrt(variance + epsilon));
            runningMean.Values[c] = (1f - momentum) * runningMean.Values[c] + momentum * (float)m;
            runningVar.Values[c] = (1f - momentum) * runningVar.Values[c] + momentum * (float)(squares / (n - 1));
        }

        Tensor[] parents = bias is null ? [x, weight] : [x, weight, bias];
        var result = Tensor.Result(x.Batch, x.Shape, parents, r =>
        {
            ReadOnlySpan<float> dy = r.Gradient, xs = x.Values, w = weight.Values;
            for (int c = 0; c < channels; c++)
            {
                double dySum = 0, dyXhat = 0;
                for (int s = 0; s < batch; s++)
                    for (int i = s * size + c * inner, end = i + inner; i < end; i++)
                    {
                        dySum += dy[i];
                        dyXhat += dy[i] * ((xs[i] - mean[c]) * rstd[c]);
                    }
                if (weight.RequiresGrad) weight.Gradient[c] += (float)dyXhat;
                if (bias is not null && bias.RequiresGrad) bias.Gradient[c] += (float)dySum;
                if (!x.RequiresGrad) continue;
                // Training: the statistics depend on x; inference: they are constants.
                float a = training ? (float)(dySum / n) : 0f, b = training ? (float)(dyXhat / n) : 0f, scale = w[c] * rstd[c];
                Span<float> dx = x.Gradient;
                for (int s = 0; s < batch; s++)
                    for (int i = s * size + c * inner, end = i + inner; i < end; i++)
                        dx[i] += (dy[i] - a - (xs[i] - mean[c]) * rstd[c] * b) * scale;
            }
        });
        Span<float> y = result.Values;
        for (int s = 0; s < batch; s++)
            for (int c = 0; c < channels; c++)
            {
                float m = mean[c], q = rstd[c], wc = weight.Values[c], bc = bias is null ? 0f : bias.Values[c];
                for (int i = s * size + c * inner, end = i + inner; i < end; i++) y[i] = (xv[i] - m) * q * wc + bc;
            }
        return result;
    }
}
