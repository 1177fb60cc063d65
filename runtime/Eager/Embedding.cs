using System;

namespace NetCompiler;

/// <summary>An embedding table declared with <see cref="EmbeddingAttribute"/>: <c>weight</c> [count, dimension], a view
/// of the network's parameter storage; <see cref="Forward"/> looks rows up by id.</summary>
public sealed class Embedding
{
    /// <summary>Binds a table to its parameter (called by generated code).</summary>
    public Embedding(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Length != 2) throw new ArgumentException($"An embedding weight is [count, dimension]; got {weight}.", nameof(weight));
        Weight = weight;
    }

    /// <summary>The table, [count, dimension].</summary>
    public Tensor Weight { get; }

    /// <summary>Rows: ids run from 0 to <c>Count - 1</c>.</summary>
    public int Count => Weight.Shape[0];

    /// <summary>Features per row.</summary>
    public int Dimension => Weight.Shape[1];

    /// <summary>The rows of <paramref name="ids"/> (shape S), as a tensor of shape S + [Dimension].</summary>
    public Tensor Forward(Tokens ids) => Ops.Gather(Weight, ids);
}
