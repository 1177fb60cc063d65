using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[Embedding(count, dimension)] Embedding e</c>: <c>e.weight</c> [count, dimension], initialized N(0, 1) as
/// PyTorch's <c>nn.Embedding</c> (<c>Init</c>, <c>Std</c> and explicit <c>Weights</c> as for other layers);
/// <c>e.Forward(ids)</c> is the Gather op.</summary>
internal sealed class EmbeddingLayer : LayerDefinition
{
    private EmbeddingLayer() : base("Embedding") { }

    public static readonly EmbeddingLayer Instance = new();

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 2 || args[0].Value is not int count || args[1].Value is not int dimension) return null; // C# reports it
        if (count <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, 0, location), $"[Embedding] '{field.Name}' count", count)); return null; }
        if (dimension <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, 1, location), $"[Embedding] '{field.Name}' dimension", dimension)); return null; }
        string init = "Normal";
        float std = 1f;
        float[]? weights = null;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Init": init = FieldDeclaration.InitName(named.Value) ?? ""; break;
                case "Std": std = named.Value.Value is float s ? s : 1f; break;
                case "Weights": weights = FieldDeclaration.Floats(named.Value); break;
            }
        }
        if (FieldDeclaration.BadInit(attribute, field, location, diagnostics)) return null;
        if (!FieldDeclaration.IsValidStd(std)) return BadStd(diagnostics, attribute, field, std, location);
        long size = (long)count * dimension;
        if (size > FieldDeclaration.MaxWeights)
            return Invalid(diagnostics, AttributeArguments.Of(attribute, location), $"[Embedding({count}, {dimension})] '{field.Name}' has {size} weights; the limit is {FieldDeclaration.MaxWeights} (1 GiB of floats)");
        if (count > Tokens.MaxId)
            return Invalid(diagnostics, AttributeArguments.Positional(attribute, 0, location), $"[Embedding({count}, {dimension})] '{field.Name}' has more rows than ids can address ({Tokens.MaxId})");
        if (weights is not null && weights.Length != size)
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "Weights", location), $"[Embedding({count}, {dimension})] '{field.Name}' has {weights.Length} Weights; it needs {size} ([count, dimension], row-major)");
        // PyTorch's fans for a [count, dimension] weight: fan_in = dimension, fan_out = count.
        return new LayerDeclaration(this, new[] { new LayerParameter("weight", new[] { count, dimension }, init, dimension, count, std, weights) });
    }

    public override string Bind(LayerDeclaration layer, string name) => $"new global::NetCompiler.Embedding(parameters[{name} + \".weight\"])";

    public override TraceValue Forward(LayerCall call) =>
        call.Node(OpKind.Gather, new[] { call.Parameter("weight"), call.Tensor(0, "the ids of " + call.Name) }, OpAttributes.None);

    /// <summary>The id limit of a float-encoded token (the runtime's <c>Tokens.MaxId</c>).</summary>
    private static class Tokens
    {
        public const int MaxId = 1 << 24;
    }
}
