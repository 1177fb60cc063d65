using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[LayerNorm(d)] LayerNorm n</c> (PyTorch's <c>nn.LayerNorm(d)</c>: <c>n.weight</c> [d] ones, <c>n.bias</c>
/// [d] zeros unless <c>Bias = false</c>, <c>Epsilon</c> 1e-5) and <c>[RmsNorm(d)] RmsNorm n</c> (<c>nn.RMSNorm(d)</c>:
/// <c>n.weight</c> [d] ones, <c>Epsilon</c> float32's machine epsilon as PyTorch's default); <c>Forward(x)</c> normalizes
/// x's last dimension with the LayerNorm / RmsNorm op.</summary>
internal sealed class NormalizationLayer : LayerDefinition
{
    private readonly bool _layer;

    private NormalizationLayer(string name, bool layer) : base(name) => _layer = layer;

    public static readonly NormalizationLayer Layer = new("LayerNorm", layer: true);
    public static readonly NormalizationLayer Rms = new("RmsNorm", layer: false);

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 1 || args[0].Value is not int dimension) return null; // C# reports it
        if (dimension <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, 0, location), $"[{Name}] '{field.Name}' dimension", dimension));
            return null;
        }
        float epsilon = _layer ? 1e-5f : 1.1920929e-07f;
        bool bias = _layer;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Epsilon" && named.Value.Value is float e) epsilon = e;
            if (named.Key == "Bias" && _layer) bias = named.Value.Value is true;
        }
        if (!(epsilon >= 0f) || float.IsInfinity(epsilon))
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "Epsilon", location),
                $"[{Name}] '{field.Name}' has Epsilon = {epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it must be finite and not negative");
        var parameters = new List<LayerParameter> { new("weight", new[] { dimension }, "Ones", dimension, dimension, 0f, null) };
        if (bias) parameters.Add(new("bias", new[] { dimension }, "Zeros", dimension, dimension, 0f, null));
        return new LayerDeclaration(this, parameters, new ScalarAttribute(epsilon));
    }

    private static string Epsilon(LayerDeclaration layer) => SourceWriter.Float(((ScalarAttribute)layer.Attributes).Value);

    public override string Bind(LayerDeclaration layer, string name) => _layer
        ? $"new global::NetCompiler.LayerNorm(parameters[{name} + \".weight\"], {(layer.Has("bias") ? $"parameters[{name} + \".bias\"]" : "null")}, {Epsilon(layer)})"
        : $"new global::NetCompiler.RmsNorm(parameters[{name} + \".weight\"], {Epsilon(layer)})";

    public override TraceValue Forward(LayerCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input of " + call.Name), call.Parameter("weight") };
        if (call.Layer.Has("bias")) inputs.Add(call.Parameter("bias"));
        return call.Node(_layer ? OpKind.LayerNorm : OpKind.RmsNorm, inputs.ToArray(), call.Layer.Attributes);
    }
}
