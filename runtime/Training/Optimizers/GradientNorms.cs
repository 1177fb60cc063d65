using System;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>L2 norms of gradients: the global norm for clipping, and per parameter for the trainer's report that
/// makes vanishing and exploding gradients visible (seed 002, 3.5).</summary>
public static class GradientNorms
{
    /// <summary>The L2 norm of each parameter's gradient, in layout order, into <paramref name="norms"/>.</summary>
    public static void PerParameter(ParameterStore store, Span<float> norms)
    {
        ArgumentNullException.ThrowIfNull(store);
        var layout = store.Layout;
        if (norms.Length < layout.Count) throw new ArgumentException($"norms holds {norms.Length} values; the network has {layout.Count} parameters.", nameof(norms));
        for (int i = 0; i < layout.Count; i++)
            norms[i] = TensorPrimitives.Norm(store.Gradients.AsSpan(layout[i].Offset, layout[i].Length));
    }

    /// <summary>The L2 norm over the gradients of all parameters that are not frozen.</summary>
    public static float Global(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        double sum = 0;
        var layout = store.Layout;
        for (int i = 0; i < layout.Count; i++)
        {
            if (store.IsFrozen(i)) continue;
            double n = TensorPrimitives.Norm(store.Gradients.AsSpan(layout[i].Offset, layout[i].Length));
            sum += n * n;
        }
        return (float)Math.Sqrt(sum);
    }

    /// <summary>Combines per-parameter norms into the global norm over the parameters that are not frozen.</summary>
    /// <exception cref="ArgumentException"><paramref name="perParameter"/> has fewer entries than the layout.</exception>
    public static float Global(ParameterStore store, ReadOnlySpan<float> perParameter)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (perParameter.Length < store.Layout.Count)
            throw new ArgumentException($"perParameter holds {perParameter.Length} norms; the network has {store.Layout.Count} parameters.", nameof(perParameter));
        double sum = 0;
        for (int i = 0; i < store.Layout.Count; i++)
            if (!store.IsFrozen(i)) sum += (double)perParameter[i] * perParameter[i];
        return (float)Math.Sqrt(sum);
    }
}
