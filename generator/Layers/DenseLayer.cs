using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[Dense(in, out)] Dense d</c>: <c>d.weight</c> [out, in] and <c>d.bias</c> [out] as in PyTorch's
/// <c>nn.Linear</c> (<c>Bias = false</c> drops it); <c>d.Forward(x)</c> is the Linear op.</summary>
internal sealed class DenseLayer : LayerDefinition
{
    private DenseLayer() : base("Dense") { }

    public static readonly DenseLayer Instance = new();

    public override LayerDeclaration? Read(AttributeData dense, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = dense.ConstructorArguments;
        if (args.Length != 2 || args[0].Value is not int inputs || args[1].Value is not int outputs) return null; // C# reports it
        var attrLocation = AttributeArguments.Of(dense, location);
        if (inputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(dense, 0, location), $"[Dense] '{field.Name}' inputs", inputs)); return null; }
        if (outputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(dense, 1, location), $"[Dense] '{field.Name}' outputs", outputs)); return null; }
        bool hasBias = true;
        string weightInit = "Xavier", biasInit = "Zeros";
        float[]? weights = null, biases = null;
        float std = 0.01f;
        foreach (var named in dense.NamedArguments)
        {
            switch (named.Key)
            {
                case "Bias": hasBias = named.Value.Value is true; break;
                case "WeightInit": weightInit = FieldDeclaration.InitName(named.Value) ?? ""; break;
                case "BiasInit": biasInit = FieldDeclaration.InitName(named.Value) ?? ""; break;
                case "Weights": weights = FieldDeclaration.Floats(named.Value); break;
                case "Biases": biases = FieldDeclaration.Floats(named.Value); break;
                case "Std": std = named.Value.Value is float s ? s : 0.01f; break;
            }
        }
        if (FieldDeclaration.BadInit(dense, field, location, diagnostics)) return null;
        if (!FieldDeclaration.IsValidStd(std)) return BadStd(diagnostics, dense, field, std, location);
        long count = (long)inputs * outputs; // long: Dense(65536, 65536) must not wrap to 0
        if (count > FieldDeclaration.MaxWeights)
            return Invalid(diagnostics, attrLocation, $"[Dense({inputs}, {outputs})] '{field.Name}' has {count} weights; the limit is {FieldDeclaration.MaxWeights} (1 GiB of floats): use narrower layers");
        if (weights is not null && weights.Length != count)
            return Invalid(diagnostics, AttributeArguments.Named(dense, "Weights", location), $"[Dense({inputs}, {outputs})] '{field.Name}' has {weights.Length} Weights; it needs {count} ([outputs, inputs], row-major)");
        if (biases is not null && (!hasBias || biases.Length != outputs))
            return Invalid(diagnostics, AttributeArguments.Named(dense, "Biases", location), hasBias
                ? $"[Dense({inputs}, {outputs})] '{field.Name}' has {biases.Length} Biases; it needs {outputs}"
                : $"[Dense] '{field.Name}' sets Biases but Bias = false");
        var parameters = new List<LayerParameter> { new("weight", new[] { outputs, inputs }, weightInit, inputs, outputs, std, weights) };
        if (hasBias) parameters.Add(new("bias", new[] { outputs }, biasInit, inputs, outputs, std, biases));
        return new LayerDeclaration(this, parameters);
    }

    public override string Bind(LayerDeclaration layer, string name) => layer.Has("bias")
        ? $"new global::NetCompiler.Dense(parameters[{name} + \".weight\"], parameters[{name} + \".bias\"])"
        : $"new global::NetCompiler.Dense(parameters[{name} + \".weight\"], null)";

    public override TraceValue Forward(LayerCall call)
    {
        int x = call.Tensor(0, "the input of " + call.Name);
        var inputs = call.Layer.Has("bias") ? new[] { x, call.Parameter("weight"), call.Parameter("bias") } : new[] { x, call.Parameter("weight") };
        return call.Node(OpKind.Linear, inputs, OpAttributes.None);
    }
}
