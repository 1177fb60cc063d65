using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>An eager tensor: the value type of the interpreted path. Shapes are per sample; a batched tensor
/// holds <see cref="Batch"/> samples back to back, an unbatched one (a parameter or a constant) is
/// broadcast over the batch. Operations on tensors that require gradients record themselves (the tape) so
/// <see cref="Backward"/> can run reverse-mode differentiation.</summary>
public sealed partial class Tensor
{
    internal readonly float[] Data;
    internal readonly int Offset;
    internal float[]? GradData;
    internal int GradOffset;
    internal readonly Tensor[] Parents;
    internal readonly Action? BackwardFn;

    private Tensor(float[] data, int offset, int batch, int[] shape, bool requiresGrad, Tensor[] parents, Action? backward)
    {
        foreach (int d in shape)
            if (d <= 0) throw new ArgumentException($"Dimensions must be positive, got [{string.Join(", ", shape)}].", nameof(shape));
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch));
        Data = data; Offset = offset; Batch = batch; Shape = shape;
        SampleSize = 1;
        foreach (int d in shape) SampleSize *= d;
        if (offset < 0 || offset + Length > data.Length)
            throw new ArgumentException($"Data holds {data.Length - offset} values; shape [{string.Join(", ", shape)}] x batch {batch} needs {Length}.");
        RequiresGrad = requiresGrad; Parents = parents; BackwardFn = backward;
    }

    /// <summary>The per-sample shape, outermost first (empty for a scalar).</summary>
    public int[] Shape { get; }

    /// <summary>Number of samples; 0 for an unbatched tensor (broadcast over any batch).</summary>
    public int Batch { get; }

    /// <summary>Elements per sample.</summary>
    public int SampleSize { get; }

    /// <summary>Elements in total.</summary>
    public int Length => Math.Max(Batch, 1) * SampleSize;

    /// <summary>Whether gradients flow to this tensor.</summary>
    public bool RequiresGrad { get; }

    /// <summary>The values (a view, not a copy).</summary>
    public Span<float> Values => Data.AsSpan(Offset, Length);

    /// <summary>The gradient accumulated by <see cref="Backward"/> (zeros before it runs).</summary>
    public Span<float> Gradient
    {
        get
        {
            GradData ??= new float[Length];
            return GradData.AsSpan(GradOffset, Length);
        }
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item => Length == 1 ? Data[Offset] : throw new InvalidOperationException($"Item needs one element; this tensor has {Length}.");

    /// <summary>The values copied into a new array.</summary>
    public float[] ToArray() => Values.ToArray();

    /// <summary>The shape as text, e.g. <c>[B=4; 2, 3]</c>.</summary>
    public override string ToString() => $"Tensor[{(Batch > 0 ? $"B={Batch}; " : "")}{string.Join(", ", Shape)}]";

    /// <summary>Wraps <paramref name="data"/> (not copied) as a batch of samples of shape <paramref name="shape"/>.</summary>
    public static Tensor FromBatch(float[] data, int batch, params int[] shape)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be positive.");
        return new Tensor(data, 0, batch, shape, false, Array.Empty<Tensor>(), null);
    }

    /// <summary>Copies a batch of samples of shape <paramref name="shape"/> out of <paramref name="data"/>.</summary>
    public static Tensor FromBatch(ReadOnlySpan<float> data, int batch, params int[] shape)
    {
        int size = 1;
        foreach (int d in shape) size *= d;
        if (data.Length < batch * size) throw new ArgumentException($"Need {batch * size} values for batch {batch} of [{string.Join(", ", shape)}], got {data.Length}.", nameof(data));
        return FromBatch(data.Slice(0, batch * size).ToArray(), batch, shape);
    }

    /// <summary>An unbatched constant tensor (copied), broadcast over any batch.</summary>
    public static Tensor Constant(float[] values, params int[] shape) =>
        new((float[])values.Clone(), 0, 0, shape, false, Array.Empty<Tensor>(), null);

    /// <summary>An unbatched scalar constant.</summary>
    public static Tensor Scalar(float value) => new(new[] { value }, 0, 0, Array.Empty<int>(), false, Array.Empty<Tensor>(), null);

    /// <summary>A view of one parameter of <paramref name="store"/>; its gradient is the store's gradient.</summary>
    internal static Tensor Parameter(ParameterStore store, ParameterInfo info) =>
        new(store.Values, info.Offset, 0, info.Shape, true, Array.Empty<Tensor>(), null)
        { GradData = store.Gradients, GradOffset = info.Offset };

    /// <summary>A view of a buffer's storage: no gradient; ops that update it (batch normalization's running
    /// statistics) write its values in place.</summary>
    internal static Tensor Buffer(ParameterStore store, ParameterInfo info) =>
        new(store.Buffers, info.Offset, 0, info.Shape, false, Array.Empty<Tensor>(), null);

    /// <summary>The result of an operation: fresh storage, recorded on the tape when any parent needs a gradient.
    /// <paramref name="backward"/> receives the result (whose <see cref="Gradient"/> is complete when it runs)
    /// and adds into its parents' gradients.</summary>
    internal static Tensor Result(int batch, int[] shape, Tensor[] parents, Action<Tensor>? backward)
    {
        bool requiresGrad = false;
        if (t_noGradDepth == 0)
            foreach (var p in parents) requiresGrad |= p.RequiresGrad;
        int size = 1;
        foreach (int d in shape) size *= d;
        var data = new float[Math.Max(batch, 1) * size];
        Tensor? self = null;
        Action? run = requiresGrad && backward is not null ? () => backward(self!) : null;
        self = new Tensor(data, 0, batch, shape, requiresGrad, requiresGrad ? parents : Array.Empty<Tensor>(), run);
        return self;
    }

    [ThreadStatic] private static int t_noGradDepth;

    /// <summary>Within the returned scope (on this thread) op results record nothing on the tape, as for
    /// inference. Dispose it to end the scope; scopes nest.</summary>
    internal static NoGradScope NoGrad()
    {
        t_noGradDepth++;
        return new NoGradScope();
    }

    /// <summary>Ends a <see cref="NoGrad"/> scope when disposed.</summary>
    internal readonly struct NoGradScope : IDisposable
    {
        public void Dispose() => t_noGradDepth--;
    }

    /// <summary>Reverse-mode differentiation from this per-sample loss. The objective is the mean over the batch
    /// of the sum of this tensor's per-sample elements, so each element's gradient is seeded with 1/batch.
    /// Gradients add into the parameters' (and every intermediate's) <see cref="Gradient"/>.</summary>
    public void Backward()
    {
        if (!RequiresGrad) throw new InvalidOperationException("Backward needs a tensor that depends on a parameter.");
        Gradient.Fill(1f / Math.Max(Batch, 1));
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Node, bool Expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded) { order.Add(node); continue; }
            if (!seen.Add(node)) continue;
            stack.Push((node, true));
            foreach (var p in node.Parents)
                if (p.RequiresGrad && !seen.Contains(p)) stack.Push((p, false));
        }
        for (int i = order.Count - 1; i >= 0; i--) order[i].BackwardFn?.Invoke();
    }
}
