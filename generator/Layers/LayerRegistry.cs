using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Generator.Layers;

/// <summary>Every layer definition, by attribute name: the one list of layers the parser, the binding emitter and the
/// field-warning suppressor read.</summary>
internal static class LayerRegistry
{
    public static IReadOnlyList<LayerDefinition> All { get; } = new LayerDefinition[]
    {
        DenseLayer.Instance, EmbeddingLayer.Instance, NormalizationLayer.Layer, NormalizationLayer.Rms,
        BatchNormLayer.Instance, BatchNormLayer.TwoD, DropoutLayer.Instance, Conv2DLayer.Instance,
        RecurrentLayerDefinition.Rnn, RecurrentLayerDefinition.Lstm, RecurrentLayerDefinition.Gru,
        MultiHeadAttentionLayer.Instance,
    };

    private static readonly Dictionary<string, LayerDefinition> ByAttribute = All.ToDictionary(l => l.AttributeName);

    /// <summary>The layer whose attribute is <paramref name="attributeName"/> (fully qualified), or null.</summary>
    public static LayerDefinition? ForAttribute(string? attributeName) =>
        attributeName is not null && ByAttribute.TryGetValue(attributeName, out var layer) ? layer : null;
}
